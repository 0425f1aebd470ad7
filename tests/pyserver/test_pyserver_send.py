"""A response larger than what the kernel takes at once, to a client that reads late,
arrives whole and the connection goes on (async mode sends what one send() takes and
waits for the rest; every mode must behave the same)."""
from __future__ import annotations

import time

from pyserver_client import Client, request
from workloads import contract


def test_a_large_response_read_late_arrives_whole(pyserver, mode):
    server = pyserver(mode)
    body = bytes(range(251)) * (contract.MAX_ECHO_BYTES // 251)
    with Client(server.url) as c:
        # A late reader: 1 MB is more than the kernel buffers on both sides hold before the
        # client reads (loopback's default receive buffer is 128 KiB), so the send is partial.
        c.send(request("POST", "/echo", body=body))
        time.sleep(0.3)
        resp = c.response("POST")
        assert resp.status == 200 and resp.body == body
        again = c.roundtrip(request("GET", "/hello"))
        assert (again.status, again.body) == (200, contract.HELLO_BODY)
