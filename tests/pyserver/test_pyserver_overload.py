"""Work for clients that already left: a request that waited (in the listen
backlog, or for a thread) is dropped if its client reset the connection, and
answered if its client only shut down its writing side (HTTP/1.0 style), which
is legal and still waits for the answer. In every mode, with the server kept
busy by one CPU-bound request while the other clients arrive."""
from __future__ import annotations

import socket
import struct
import uuid

import pytest

from conftest import MODES
from pyserver_client import Client, address, get, request, wait_for

APPS = "fixture_apps:app"
ONE_AT_A_TIME = {"threaded": ["--threads", "1"], "forked": ["--workers", "1"], "async": []}


def busy(server, tmp_path, spin_ms: int = 1500) -> Client:
    """A client whose request keeps the server's only thread busy for spin_ms."""
    token = uuid.uuid4().hex
    client = Client(server.url, timeout=30)
    client.send(request("GET", f"/pid?spin_ms={spin_ms}&token={token}"))
    wait_for(lambda: (tmp_path / f"{token}.started").exists(), 10, what="the busy request")
    return client


def waiting_request(server, token: str, version: str = "1.1") -> socket.socket:
    sock = socket.create_connection(address(server.url), timeout=30)
    sock.sendall(request("GET", f"/sleep?ms=0&token={token}", version=version))
    return sock


@pytest.mark.parametrize("mode", MODES)
def test_a_reset_client_is_not_served(own_pyserver, tmp_path, mode):
    server = own_pyserver(mode, APPS, *ONE_AT_A_TIME[mode])
    blocker = busy(server, tmp_path)
    token = uuid.uuid4().hex
    gone = waiting_request(server, token)
    gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    gone.close()                                    # linger 0: the close is a reset
    assert get(server.url, "/hello").status == 200  # queued after it, so served after it
    assert blocker.response().status == 200
    assert not (tmp_path / f"{token}.started").exists()
    blocker.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_half_closed_client_is_answered(own_pyserver, tmp_path, mode):
    server = own_pyserver(mode, APPS, *ONE_AT_A_TIME[mode])
    blocker = busy(server, tmp_path)
    token = uuid.uuid4().hex
    waiting = waiting_request(server, token, version="1.0")
    waiting.shutdown(socket.SHUT_WR)                # done sending, still reading
    answer = b""
    while chunk := waiting.recv(65536):
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b'{"ms": 0}')
    assert (tmp_path / f"{token}.started").exists()
    assert blocker.response().status == 200
    blocker.close()
    waiting.close()
