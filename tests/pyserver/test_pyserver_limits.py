"""Server-side limits as users set them: --connections caps what one process
holds open (the rest wait in the backlog, they are not refused), --keepalive 0
closes after every response and says so."""
from __future__ import annotations

import socket

import pytest

from conftest import MODES
from pyserver_client import Client, request

ONE_PROCESS = {"threaded": [], "forked": ["--workers", "1"], "async": []}


@pytest.mark.parametrize("mode", MODES)
def test_connections_cap_holds_the_rest_in_the_backlog(own_pyserver, mode):
    server = own_pyserver(mode, "workloads.python.wsgi_app:app", "--connections", "2",
                          *ONE_PROCESS[mode])
    first, second = Client(server.url), Client(server.url)
    third = None
    try:
        for c in (first, second):
            assert c.roundtrip(request("GET", "/hello")).status == 200
        third = Client(server.url)                   # connects: the kernel's backlog holds it
        third.send(request("GET", "/hello"))
        third.sock.settimeout(0.5)
        with pytest.raises(socket.timeout):          # ... but no one serves it yet
            third.sock.recv(1, socket.MSG_PEEK)
        first.close()                                # a slot frees up
        third.sock.settimeout(5.0)
        assert third.response().status == 200
    finally:
        for c in (first, second, third):
            if c is not None:
                c.close()


@pytest.mark.parametrize("mode", MODES)
def test_keepalive_0_closes_after_every_response(own_pyserver, mode):
    server = own_pyserver(mode, "workloads.python.wsgi_app:app", "--keepalive", "0")
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/hello"))
        assert resp.status == 200 and resp.header("connection") == "close"
        assert c.is_closed(2.0)


@pytest.mark.parametrize("mode", ["threaded", "async"])
def test_timeout_bounds_io_stalls_not_the_apps_own_time(own_pyserver, mode):
    """--timeout cuts a stalled read or write; an app that takes longer than it (here
    /io?ms=2500 with --timeout 1) is not cut in threaded and async modes. (In forked
    mode a worker busy longer than --timeout is killed by the master, by design.)"""
    server = own_pyserver(mode, "workloads.python.wsgi_app:app", "--timeout", "1")
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/io?ms=2500"))
        assert (resp.status, resp.body) == (200, b'{"ms":2500}')
