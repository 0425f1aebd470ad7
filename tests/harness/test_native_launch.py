"""harness.launch.native with tiny real servers on 127.0.0.1 port 0."""

from __future__ import annotations

import os
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from harness.launch.native import LaunchError, ReadyHttp, ReadyLine, launch, process_tree

# A tiny HTTP server on port 0 that prints READY with its address. Optional argv[1]:
# "child" also spawns a long-sleeping child process (to check group stop), "ignore-term"
# ignores SIGTERM (to check the SIGKILL fallback).
SERVER = textwrap.dedent(
    """
    import http.server, os, signal, subprocess, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"hi"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass
    extra = sys.argv[1] if len(sys.argv) > 1 else ""
    if extra == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    host, port = srv.server_address
    print("starting up", flush=True)
    print("stderr line", file=sys.stderr, flush=True)
    if extra == "child":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print(f"CHILD pid={child.pid}", flush=True)
    print(f"READY mode=test pid={os.getpid()} address=http://{host}:{port} extra={extra}", flush=True)
    srv.serve_forever()
    """
)


def _alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


def test_ready_line_parsed_and_served(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with launch([sys.executable, "-c", SERVER], ready=ReadyLine(), log_path=log, timeout=20) as srv:
        assert srv.url.startswith("http://127.0.0.1:")
        assert srv.ready_line is not None and srv.ready_line.startswith("READY mode=test")
        assert srv.pid == srv.pgid == os.getpgid(srv.pid)
        assert srv.pid in srv.pids()
        assert _get(srv.url + "/hello") == b"hi"
        pid = srv.pid
    assert not _alive(pid)
    text = log.read_text()
    assert "starting up" in text and "stderr line" in text and "READY mode=test" in text


def test_stop_is_idempotent_and_returns_exit_code(tmp_path: Path) -> None:
    srv = launch([sys.executable, "-c", SERVER], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=20)
    code = srv.stop()
    assert code == -15  # SIGTERM, Python's default handler
    assert srv.stop() == code
    assert srv.pids() == []


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 1, reason="no CPUs?")
def test_cpu_pinning_observed(tmp_path: Path) -> None:
    cpu = max(os.sched_getaffinity(0))
    with launch(
        [sys.executable, "-c", SERVER], ready=ReadyLine(), log_path=tmp_path / "s.log", cpus=str(cpu), timeout=20
    ) as srv:
        assert os.sched_getaffinity(srv.pid) == {cpu}
        # taskset execs the server: the pid we hold is the server itself.
        assert f"pid={srv.pid} " in (srv.ready_line or "")


def test_cpus_as_list(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))[:2]
    with launch(
        [sys.executable, "-c", SERVER], ready=ReadyLine(), log_path=tmp_path / "s.log", cpus=cpus, timeout=20
    ) as srv:
        assert os.sched_getaffinity(srv.pid) == set(cpus)


def test_early_exit_raises_with_log_tail(tmp_path: Path) -> None:
    script = "import sys; print('configuring'); print('boom: bad option --frob', file=sys.stderr); sys.exit(3)"
    t0 = time.monotonic()
    with pytest.raises(LaunchError) as ei:
        launch([sys.executable, "-c", script], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=30)
    msg = str(ei.value)
    assert "exited with code 3" in msg
    assert "boom: bad option --frob" in msg and "configuring" in msg
    assert ei.value.log_tail.endswith("boom: bad option --frob")
    assert time.monotonic() - t0 < 25  # did not wait for the timeout (correctness, not speed)


def test_timeout_kills_group_and_raises(tmp_path: Path) -> None:
    script = "import time; print('never ready', flush=True); time.sleep(600)"
    with pytest.raises(LaunchError) as ei:
        launch([sys.executable, "-c", script], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=1.0)
    assert "within 1 s" in str(ei.value)
    assert "never ready" in str(ei.value)
    assert not _any_with_marker(tmp_path)


def _any_with_marker(tmp_path: Path) -> bool:
    """Is any live process's command line mentioning 'never ready' still around?"""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        if b"never ready" in cmd and _alive(int(name)):
            return True
    return False


def test_missing_executable_raises(tmp_path: Path) -> None:
    with pytest.raises(LaunchError):
        launch(["/nonexistent/server-binary"], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=5)


def test_stop_kills_the_whole_group(tmp_path: Path) -> None:
    srv = launch([sys.executable, "-c", SERVER, "child"], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=20)
    text = (tmp_path / "s.log").read_text()
    child = int(text.split("CHILD pid=")[1].split()[0])
    assert _alive(child)
    tree = srv.pids()
    assert srv.pid in tree and child in tree
    assert os.getpgid(child) == srv.pgid
    srv.stop()
    assert not _alive(srv.pid)
    assert not _alive(child)
    assert srv.pids() == []


def test_sigterm_ignored_falls_back_to_sigkill(tmp_path: Path) -> None:
    srv = launch(
        [sys.executable, "-c", SERVER, "ignore-term"], ready=ReadyLine(), log_path=tmp_path / "s.log", timeout=20
    )
    code = srv.stop(timeout=0.5)
    assert code == -9
    assert not _alive(srv.pid)


def test_ready_http_polls_until_answer(tmp_path: Path) -> None:
    # A server that binds a fixed free port after a short pause and prints nothing.
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    script = SERVER.replace('("127.0.0.1", 0)', f'("127.0.0.1", {port})').replace(
        "srv = http.server", "import time; time.sleep(0.3); srv = http.server"
    )
    with launch(
        [sys.executable, "-c", script],
        ready=ReadyHttp(f"http://127.0.0.1:{port}", path="/hello"),
        log_path=tmp_path / "s.log",
        timeout=20,
    ) as srv:
        assert srv.url == f"http://127.0.0.1:{port}"
        assert srv.ready_line is None
        assert _get(srv.url + "/hello") == b"hi"


def test_ready_http_early_exit(tmp_path: Path) -> None:
    with pytest.raises(LaunchError) as ei:
        launch(
            [sys.executable, "-c", "import sys; print('no port for you'); sys.exit(2)"],
            ready=ReadyHttp("http://127.0.0.1:9", path="/hello"),
            log_path=tmp_path / "s.log",
            timeout=20,
        )
    assert "exited with code 2" in str(ei.value) and "no port for you" in str(ei.value)


def test_custom_ready_pattern_and_env(tmp_path: Path) -> None:
    script = (
        "import os, time; print('listening on ' + os.environ['ARENA_X'], flush=True); time.sleep(600)"
    )
    env = dict(os.environ, ARENA_X="http://127.0.0.1:1234")
    with launch(
        [sys.executable, "-c", script],
        ready=ReadyLine(r"listening on (?P<url>\S+)"),
        log_path=tmp_path / "s.log",
        env=env,
        cwd=tmp_path,
        timeout=20,
    ) as srv:
        assert srv.url == "http://127.0.0.1:1234"


def test_process_tree_of_self_contains_self() -> None:
    assert os.getpid() in process_tree(os.getpid())
