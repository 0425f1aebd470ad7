"""Real pyserver processes on 127.0.0.1 port 0, started through the harness's
native launcher (own process group, READY line awaited, never a sleep) and
stopped by that group only.

``pyserver(mode, app, *args)`` returns a running server, shared by every test
that asks for the same (mode, app, args) in this session; ``own_pyserver``
starts one for a single test (for tests that signal or kill it)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from harness.launch.native import ReadyLine, RunningServer, launch
from pyserver.modes import NAMES as MODES

ROOT = Path(__file__).resolve().parents[2]
WSGI_APP = "workloads.python.wsgi_app:app"
FLASK_APP = "workloads.python.flask_app:app"


def server_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    paths = [str(ROOT / "tests" / "fixtureapps"), str(ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def server_argv(mode: str, app: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "pyserver", "--mode", mode, "--bind", "127.0.0.1:0",
            *args, app]


def start(log_dir: Path, mode: str, app: str, *args: str, env: dict | None = None) -> RunningServer:
    n = len(list(log_dir.glob("*.log")))
    log = log_dir / f"{n:03d}-{mode}-{app.replace(':', '_')}.log"
    return launch(server_argv(mode, app, *args), ready=ReadyLine(), log_path=log,
                  env=server_env(env), cwd=str(ROOT), timeout=30.0)


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """Where tests/fixtureapps write what the tests check afterwards (FIXTURE_DIR)."""
    return tmp_path_factory.mktemp("fixture-files")


@pytest.fixture(scope="session")
def pyserver(tmp_path_factory, fixture_dir):
    log_dir = tmp_path_factory.mktemp("pyserver-logs")
    running: dict[tuple, RunningServer] = {}

    def get(mode: str, app: str = WSGI_APP, *args: str) -> RunningServer:
        key = (mode, app, args)
        server = running.get(key)
        if server is None or not server.alive():
            server = running[key] = start(log_dir, mode, app, *args,
                                          env={"FIXTURE_DIR": str(fixture_dir)})
        return server

    yield get
    for server in running.values():
        server.stop(timeout=10.0)


@pytest.fixture
def own_pyserver(tmp_path):
    started: list[RunningServer] = []

    def start_own(mode: str, app: str = WSGI_APP, *args: str, env: dict | None = None):
        env = {"FIXTURE_DIR": str(tmp_path), **(env or {})}
        server = start(tmp_path, mode, app, *args, env=env)
        started.append(server)
        return server

    yield start_own
    for server in started:
        server.stop(timeout=10.0)


@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param
