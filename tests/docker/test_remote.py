"""DOCKER_HOST is respected: the engine reached over TCP at another address
(127.0.0.2, forwarded to the local socket by this test) is treated as remote:
the server binds the address it is given, the URL names that host, no host pids
are claimed, and CPU and memory come from the engine's stats."""
from __future__ import annotations

import socket
import threading

import pytest

from harness import catalog
from harness.launch import docker as launcher
from harness.launch import engine as engines
from harness.verify import verify

SOCKET = "/var/run/docker.sock"


class _Forwarder(threading.Thread):
    """127.0.0.2:<port> -> the engine's unix socket, one pair of pumps per connection."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.2", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]

    def run(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX)
            engine.connect(SOCKET)
            for a, b in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.mark.timeout(120)
def test_engine_over_tcp_is_treated_as_remote(engine, images, monkeypatch, tmp_path):
    import os
    if os.environ.get("DOCKER_HOST") or not os.path.exists(SOCKET):
        pytest.skip("needs the local engine's socket to forward")
    forwarder = _Forwarder()
    forwarder.start()
    try:
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.2:{forwarder.port}")
        monkeypatch.delenv("ARENA_DOCKER_URL_HOST", raising=False)
        assert engines.engine_host() == "127.0.0.2"
        remote = engines.client()
        spec = catalog.get("go")
        with launcher.start(spec, host="127.0.0.2", cpus="1", memory="128m", log_dir=tmp_path,
                            engine=remote) as server:
            assert server.url.startswith("http://127.0.0.2:")
            assert server.pids() == [] and not server.local, "a remote engine's pids are not ours to read"
            report = verify("go", server.url, workloads=spec.workloads, with_upstream=False)
            assert report.ok, report.mismatches
            usage = server.engine_usage()
            assert usage["cpu_s"] > 0 and usage["mem_limit_mib"] == 128
            assert server.placement()["reported_gomaxprocs"] == 1
    finally:
        forwarder.listener.close()
