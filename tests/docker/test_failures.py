"""A container that fails to start gives a clear error and leaves nothing
running: an exit before READY, a timeout, an OOM kill, Ctrl-C while waiting.
(The autouse fixture also checks, by container id, that nothing is left.)"""
from __future__ import annotations

import signal

import pytest

from harness.launch import docker as launcher
from harness.launch import LaunchError

LABELS = {"org.concurrency-arena.server": "failure-test"}


def _ours(engine):
    return engine.containers.list(all=True, filters={"label": "org.concurrency-arena.server=failure-test"})


def test_exit_before_ready_says_why(engine, images, tmp_path):
    with pytest.raises(LaunchError) as info:
        launcher.run_container(images["go"], ["/app/bin/arena-go", "-addr", "256.0.0.1:1"],
                               name="exits", ready_line=True, log_path=tmp_path / "exits.log",
                               timeout=30, engine=engine, labels=LABELS)
    message = str(info.value)
    assert "exited with code 1 before it was ready" in message
    assert "arena-go" in message and "256.0.0.1" in message, "the log tail explains it"
    assert not _ours(engine)


def test_timeout_removes_the_container(engine, images, tmp_path):
    sleeper = ["/opt/venv/bin/python", "-c", "import time; print('not ready', flush=True); time.sleep(60)"]
    with pytest.raises(LaunchError) as info:
        launcher.run_container(images["python"], sleeper, name="sleeps", ready_line=True,
                               log_path=tmp_path / "sleeps.log", timeout=2, engine=engine,
                               labels=LABELS)
    assert "not ready within 2 s" in str(info.value) and "not ready" in info.value.log_tail
    assert not _ours(engine)


def test_oom_kill_is_named(engine, images, tmp_path):
    hog = ["/opt/venv/bin/python", "-c", "x = bytearray(200 * 2**20); print('READY address=http://x')"]
    with pytest.raises(LaunchError) as info:
        launcher.run_container(images["python"], hog, name="hog", ready_line=True, memory="64m",
                               log_path=tmp_path / "hog.log", timeout=30, engine=engine,
                               labels=LABELS)
    assert "OOM-killed" in str(info.value) or "MemoryError" in str(info.value)
    assert not _ours(engine)


def test_missing_image_is_a_clear_error(engine, tmp_path):
    with pytest.raises(LaunchError, match="could not create a container from arena/nothing:here"):
        launcher.run_container("arena/nothing:here", ["x"], name="none", ready_line=True,
                               log_path=tmp_path / "none.log", engine=engine, labels=LABELS)


def test_ctrl_c_while_waiting_removes_the_container(engine, images, tmp_path):
    sleeper = ["/opt/venv/bin/python", "-c", "import time; time.sleep(60)"]

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            launcher.run_container(images["python"], sleeper, name="interrupted", ready_line=True,
                                   log_path=tmp_path / "interrupted.log", timeout=30,
                                   engine=engine, labels=LABELS)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not _ours(engine)


def test_stop_removes_and_keeps_the_log(engine, images, tmp_path):
    server = launcher.run_container(images["go"], ["/app/bin/arena-go", "-addr", "127.0.0.1:0"],
                                    name="stops", ready_line=True, log_path=tmp_path / "go.log",
                                    engine=engine, labels=LABELS)
    assert server.alive() and server.pids()
    assert server.stop() == 0, "SIGTERM is a graceful stop for arena-go"
    assert server.stop() == 0, "stop is idempotent"
    assert not server.alive() and not _ours(engine)
    assert "READY" in (tmp_path / "go.log").read_text()
