"""`arena docker build|up|compose|cleanup`, run as a user would."""
from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

import pytest

from harness import catalog
from harness.launch import docker as launcher
from harness.launch import images as image_builds


def arena(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", "docker", *args], cwd=catalog.ROOT,
                          capture_output=True, text=True, timeout=kwargs.pop("timeout", 120), **kwargs)


def test_compose_prints_the_generated_file():
    out = arena("compose", "--cores", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout == image_builds.compose_file(2)
    assert arena("compose", "--cores", "0").returncode == 2


def test_build_refuses_an_unknown_family():
    out = arena("build", "python", "cobol")
    assert out.returncode == 2 and "unknown family cobol; known: python, go, node, upstream" in out.stderr


def test_no_engine_is_one_clear_error():
    out = arena("cleanup", env={"DOCKER_HOST": "tcp://127.0.0.1:9", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 1 and "no Docker engine answers at tcp://127.0.0.1:9" in out.stderr
    assert "Traceback" not in out.stderr


def test_build_reuses_the_images(engine, images):
    out = arena("build", "go", "upstream")
    assert out.returncode == 0, out.stderr
    assert images["go"] in out.stdout and images["upstream"] in out.stdout


@pytest.mark.timeout(120)
def test_up_serves_until_sigterm_and_removes_its_containers(engine, images, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "docker", "up", "go", "--cpus", "1",
                             "--memory", "128m", "--logs", str(tmp_path)], cwd=catalog.ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert " serving at http://" in line, line
        url = line.split(" serving at ")[1].split()[0]
        with urllib.request.urlopen(url + "/hello", timeout=10) as answer:
            assert answer.read() == b"Hello, World!"
        assert len(launcher.leftovers(engine)) >= 2, "the server and the upstream it calls"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cleanup_removes_leftovers(engine, images, tmp_path):
    server = launcher.run_container(images["go"], ["/app/bin/arena-go", "-addr", "127.0.0.1:0"],
                                    name="left", ready_line=True, log_path=tmp_path / "go.log",
                                    engine=engine)
    launcher._LIVE.discard(server)   # as if its run had been killed
    out = arena("cleanup")
    assert out.returncode == 0, out.stderr
    assert server.container_id[:10] in out.stdout
    assert not server.alive()
