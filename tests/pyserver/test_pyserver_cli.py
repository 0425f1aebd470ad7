"""The command line as users meet it: `python -m pyserver` and `arena serve`,
bad values and unimportable apps (one error line, exit 2), the READY line, and
no gevent patching outside async mode."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT, server_env
from harness.launch.native import process_tree

READY = re.compile(r"^READY mode=(?P<mode>\w+) pid=(?P<pid>\d+) address=http://127\.0\.0\.1:"
                   r"(?P<port>\d+) workers=(?P<workers>\d+) threads=(?P<threads>\d+) "
                   r"connections=(?P<connections>\d+) gil_enabled=(?P<gil_enabled>[01]) "
                   r"python_build=(?P<python_build>default|free-threaded)$")
APP = "workloads.python.wsgi_app:app"


def run(*argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                          cwd=str(ROOT), env=server_env())


PY = (sys.executable, "-m", "pyserver")
ARENA = (sys.executable, "-m", "harness.cli", "serve")


@pytest.mark.parametrize("entry", [PY, ARENA], ids=["python-m-pyserver", "arena-serve"])
@pytest.mark.parametrize("args, says", [
    (["--mode", "fibers", APP], "mode"),
    (["--mode", "threaded", "--workers", "0", APP], "--workers"),
    (["--mode", "threaded", "--threads", "lots", APP], "--threads"),
    (["--mode", "threaded", "--bind", "localhost", APP], "--bind"),
    (["--mode", "threaded", "--keepalive", "-2", APP], "--keepalive"),
    (["--mode", "forked", "--threads", "8", APP], "single-threaded"),
    (["--mode", "async", "--threads", "8", APP], "single-threaded"),
    (["--mode", "threaded", "no_such_module_xyz:app"], "no_such_module_xyz"),
    (["--mode", "threaded", "workloads.python.wsgi_app:nope"], "nope"),
    (["--mode", "forked", "--workers", "2", "no_such_module_xyz:app"], "no_such_module_xyz"),
    (["--mode", "async", "no_such_module_xyz:app"], "no_such_module_xyz"),
    (["--mode", "async", "--workers", "2", "no_such_module_xyz:app"], "no_such_module_xyz"),
    (["--mode", "threaded", "not-a-spec"], "MODULE:CALLABLE"),
    ([APP], "--mode"),
])
def test_bad_command_lines_exit_2_with_one_clear_line(entry, args, says):
    done = run(*entry, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "error" in lines[0] and says in lines[0]
    assert "READY" not in done.stdout


def test_help_lists_every_option():
    from pyserver import config
    out = run(*PY, "--help").stdout
    for s in config.SETTINGS:
        for flag in s.flags:
            assert flag in out


def test_importing_every_pyserver_module_patches_nothing():
    code = (
        "import importlib, pkgutil, pyserver, gevent.monkey\n"
        "names = [m.name for m in pkgutil.walk_packages(pyserver.__path__, 'pyserver.')]\n"
        "for name in names:\n    if not name.endswith('__main__'): importlib.import_module(name)\n"
        "assert 'pyserver.modes.async_' in names and 'pyserver.cli' in names, names\n"
        "print(gevent.monkey.is_module_patched('socket'), gevent.monkey.is_module_patched('time'))\n"
    )
    done = run(sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("mode, args, workers, threads", [
    ("threaded", [], 1, 16),
    ("threaded", ["--threads", "8", "--connections", "77"], 1, 8),
    ("threaded", ["--workers", "2", "--threads", "4"], 2, 4),
    ("forked", ["--workers", "2"], 2, 1),
    ("forked", ["--workers", "3"], 3, 1),
    ("async", [], 1, 1),
    ("async", ["--workers", "2"], 2, 1),
])
def test_ready_line_says_what_runs(own_pyserver, mode, args, workers, threads):
    server = own_pyserver(mode, APP, *args)
    m = READY.match(server.ready_line)
    assert m, server.ready_line
    assert m["mode"] == mode and int(m["pid"]) == server.pid and int(m["port"]) > 0
    assert (int(m["workers"]), int(m["threads"])) == (workers, threads)
    assert int(m["connections"]) == (77 if "77" in args else 1000)
    procs = [p for p in process_tree(server.pid) if p != server.pid]
    supervised = mode == "forked" or workers > 1
    # a master prints READY after every worker is up
    assert len(procs) == (workers if supervised else 0)


def test_arena_lists_serve_and_refuses_unknown_commands():
    out = run(sys.executable, "-m", "harness.cli", "--help")
    assert out.returncode == 0 and "serve" in out.stdout
    bad = run(sys.executable, "-m", "harness.cli", "fly")
    assert bad.returncode == 2 and "fly" in bad.stderr


def test_arena_serve_help_is_pyservers():
    out = run(*ARENA, "--help")
    assert out.returncode == 0 and "--graceful-timeout" in out.stdout and "arena serve" in out.stdout
