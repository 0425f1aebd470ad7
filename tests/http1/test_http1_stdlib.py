"""Interop with the standard library: http.client talks to our core over a
socketpair; a small blocking loop (the simplest "mode") drives the core."""
from __future__ import annotations

import http.client
import socket
import threading

import pytest

from pyserver.http1 import ServerConnection
from pyserver.http1.events import (
    NEED_DATA, PAUSED, ConnectionClosed, Data, EndOfMessage, ProtocolError, Request, Response,
)


def serve(sock: socket.socket, log: list) -> None:
    """Echo server: answers each request with its method, target and body;
    `/chunked` answers without Content-Length; `/close` says Connection: close."""
    conn = ServerConnection()
    with sock:
        while True:
            try:
                event = conn.next_event()
            except ProtocolError as err:
                sock.sendall(conn.error_response(err))
                return
            if event is NEED_DATA:
                conn.receive_data(sock.recv(65536))
                continue
            if type(event) is ConnectionClosed:
                return
            assert type(event) is Request
            log.append(event)
            body = b""
            while True:
                e = conn.next_event()
                if e is NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif type(e) is Data:
                    body += e.data
                else:
                    assert type(e) is EndOfMessage
                    break
            payload = b"%s %s %s" % (event.method, event.target, body)
            headers = [(b"Content-Type", b"text/plain")]
            if event.target == b"/close":
                headers.append((b"Connection", b"close"))
            if event.target != b"/chunked":
                headers.append((b"Content-Length", b"%d" % len(payload)))
            out = conn.send(Response(200, tuple(headers)))
            out += conn.send(Data(payload[:3])) + conn.send(Data(payload[3:]))
            out += conn.send(EndOfMessage())
            sock.sendall(out)
            assert conn.next_event() is PAUSED
            if not conn.keep_alive:
                return
            conn.start_next_cycle()


@pytest.fixture
def client():
    a, b = socket.socketpair()
    log: list = []
    t = threading.Thread(target=serve, args=(b, log), daemon=True)
    t.start()
    c = http.client.HTTPConnection("localhost", timeout=10)
    c.sock = a
    c.log = log
    yield c
    c.close()
    t.join(10)
    assert not t.is_alive()


def test_keep_alive_requests_on_one_connection(client):
    for i in range(3):
        client.request("GET", f"/n/{i}?q=1")
        r = client.getresponse()
        assert r.status == 200 and r.reason == "OK"
        assert r.read() == f"GET /n/{i}?q=1 ".encode()
        assert not r.will_close
    assert [r.target for r in client.log] == [b"/n/0?q=1", b"/n/1?q=1", b"/n/2?q=1"]
    assert client.log[0].headers[0] == (b"host", b"localhost")


def test_post_with_length_and_chunked_request_body(client):
    client.request("POST", "/echo", body=b"x" * 100_000)
    assert client.getresponse().read() == b"POST /echo " + b"x" * 100_000
    client.request("PUT", "/up", body=iter([b"ab", b"", b"cd" * 5000]), encode_chunked=True)
    assert client.getresponse().read() == b"PUT /up ab" + b"cd" * 5000
    assert (b"transfer-encoding", b"chunked") in client.log[1].headers


def test_chunked_response_is_read_by_http_client(client):
    client.request("GET", "/chunked")
    r = client.getresponse()
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.read() == b"GET /chunked "
    client.request("GET", "/after")
    assert client.getresponse().read() == b"GET /after "


def test_head_response_has_no_body(client):
    client.request("HEAD", "/h")
    r = client.getresponse()
    assert r.getheader("Content-Length") == str(len(b"HEAD /h "))
    assert r.read() == b""
    client.request("GET", "/next")
    assert client.getresponse().read() == b"GET /next "


def test_connection_close(client):
    client.request("GET", "/close")
    r = client.getresponse()
    assert r.will_close
    assert r.read() == b"GET /close "


def test_bad_request_gets_error_response(client):
    client.putrequest("GET", "/", skip_host=True)  # HTTP/1.1 without Host
    client.endheaders()
    r = client.getresponse()
    assert r.status == 400
    assert r.getheader("Connection") == "close"
    assert b"missing host" in r.read()


def test_requests_written_by_http_client_parse():
    """The bytes http.client writes, fed straight to the core (no sockets)."""
    sent = []

    class Sink:
        def sendall(self, data):
            sent.append(bytes(data))

    c = http.client.HTTPConnection("example.com", 8080)
    c.sock = Sink()
    c.request("POST", "/form", body=b"a=1&b=2",
              headers={"Content-Type": "application/x-www-form-urlencoded", "X-Id": "7"})
    conn = ServerConnection()
    conn.receive_data(b"".join(sent))
    req = conn.next_event()
    assert req == Request(b"POST", b"/form", b"1.1", (
        (b"host", b"example.com:8080"), (b"accept-encoding", b"identity"),
        (b"content-length", b"7"), (b"content-type", b"application/x-www-form-urlencoded"),
        (b"x-id", b"7")))
    assert conn.next_event() == Data(b"a=1&b=2")
    assert conn.next_event() == EndOfMessage()
