"""Response side, as a table (after h11's test_io): a request, the events we
send, the exact bytes, and the keep-alive verdict."""
from __future__ import annotations

import pytest

from pyserver.http1 import ServerConnection
from pyserver.http1.events import (
    PAUSED, Data, EndOfMessage, InformationalResponse, ProtocolError, Request, Response,
)

GET11 = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
HEAD11 = b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n"
GET10 = b"GET / HTTP/1.0\r\n\r\n"
GET10KA = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
CLOSE11 = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
CL = (b"Content-Length", b"5")
CT = (b"Content-Type", b"text/plain")


def answered(request: bytes, events, read_request: bool = True):
    """Parse ``request`` (to EndOfMessage unless told not to), send ``events``;
    return (bytes sent, connection)."""
    conn = ServerConnection()
    conn.receive_data(request)
    assert type(conn.next_event()) is Request
    if read_request:
        while type(conn.next_event()) is not EndOfMessage:
            pass
    return b"".join(conn.send(e) for e in events), conn


CASES = [
    # (id, request, events, expected bytes, keep_alive)
    ("cl", GET11, [Response(200, (CT, CL)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", True),
    ("cl-in-pieces", GET11, [Response(200, (CL,)), Data(b"he"), Data(b""), Data(b"llo"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", True),
    ("chunked", GET11, [Response(200, (CT,)), Data(b"hello"), Data(b""), Data(b"world!"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", True),
    ("chunked-trailers", GET11, [Response(200, ()), Data(b"x"), EndOfMessage(((b"X-Sum", b"1"),))],
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Sum: 1\r\n\r\n", True),
    ("chunked-replaces-caller-te", GET11, [Response(200, ((b"Transfer-Encoding", b"chunked"),)), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", True),
    ("http10-close-delimited", GET10, [Response(200, (CT,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello", False),
    ("http10-cl-no-keepalive", GET10, [Response(200, (CL,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", False),
    ("http10-keepalive", GET10KA, [Response(200, (CL,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello", True),
    ("http10-keepalive-without-cl", GET10KA, [Response(200, ()), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", False),
    ("http10-keepalive-204", GET10KA, [Response(204, ()), EndOfMessage()],
     b"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n", True),
    ("request-says-close", CLOSE11, [Response(200, (CL,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", False),
    ("response-says-close", GET11, [Response(200, (CL, (b"connection", b"Close"))), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", False),
    ("caller-connection-header-replaced", GET11, [Response(200, (CL, (b"Connection", b"keep-alive"))), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", True),
    ("head-keeps-cl-sends-no-body", HEAD11, [Response(200, (CL,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", True),
    ("head-without-cl-is-not-chunked", HEAD11, [Response(200, (CT,)), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", True),
    ("204-drops-cl-and-body", GET11, [Response(204, ((b"Content-Length", b"0"),)), Data(b"x"), EndOfMessage()],
     b"HTTP/1.1 204 No Content\r\n\r\n", True),
    ("304-keeps-cl-sends-no-body", GET11, [Response(304, (CL, (b"ETag", b'"a"'))), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"a\"\r\n\r\n", True),
    ("own-reason-and-unknown-status", GET11, [Response(299, (CL,), b"Fine Thanks"), Data(b"hello"), EndOfMessage()],
     b"HTTP/1.1 299 Fine Thanks\r\nContent-Length: 5\r\n\r\nhello", True),
    ("unknown-status-no-reason", GET11, [Response(599, ((b"Content-Length", b"0"),)), EndOfMessage()],
     b"HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n", True),
    ("header-case-kept", GET11, [Response(200, ((b"x-LoWeR", b"v"), (b"content-length", b"0"))), EndOfMessage()],
     b"HTTP/1.1 200 OK\r\nx-LoWeR: v\r\ncontent-length: 0\r\n\r\n", True),
]


@pytest.mark.parametrize("request_bytes,events,expected,keep_alive",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_response_bytes(request_bytes, events, expected, keep_alive):
    out, conn = answered(request_bytes, events)
    assert out == expected
    assert conn.keep_alive is keep_alive
    assert conn.response_complete and conn.request_complete


def test_100_continue():
    req = b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    conn = ServerConnection()
    conn.receive_data(req)
    assert type(conn.next_event()) is Request
    assert conn.expects_continue
    assert conn.next_event().name == "NEED_DATA"
    assert conn.send(InformationalResponse(100)) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert not conn.expects_continue
    conn.receive_data(b"abc")
    assert conn.next_event() == Data(b"abc")
    assert conn.next_event() == EndOfMessage()
    assert conn.send(Response(200, ((b"Content-Length", b"0"),))) == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    conn.send(EndOfMessage())
    assert conn.keep_alive


def test_expect_continue_answered_without_100_and_body_unread_closes():
    req = b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    conn = ServerConnection()
    conn.receive_data(req)
    conn.next_event()
    assert conn.expects_continue
    out = conn.send(Response(417, ((b"Content-Length", b"0"),)))
    assert out == b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    assert not conn.expects_continue
    conn.send(EndOfMessage())
    assert not conn.keep_alive
    with pytest.raises(RuntimeError):
        conn.start_next_cycle()


def test_expect_continue_cleared_by_body_arriving_and_ignored_on_http10():
    conn = ServerConnection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\na")
    conn.next_event()
    assert conn.expects_continue
    assert conn.next_event() == Data(b"a")
    assert not conn.expects_continue
    conn = ServerConnection()
    conn.receive_data(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
    conn.next_event()
    assert not conn.expects_continue


def test_start_next_cycle_with_pipelined_data():
    conn = ServerConnection()
    conn.receive_data(GET11 + b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HT")
    assert conn.next_event().target == b"/"
    assert conn.next_event() == EndOfMessage()
    assert conn.next_event() is PAUSED
    assert conn.next_event() is PAUSED  # pipelined bytes wait for the response
    assert conn.buffered == len(b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HT")
    with pytest.raises(RuntimeError):
        conn.start_next_cycle()  # the response is not complete yet
    conn.send(Response(200, ((b"Content-Length", b"0"),)))
    assert not conn.response_complete
    conn.send(EndOfMessage())
    assert conn.response_complete and conn.request_complete
    conn.start_next_cycle()
    assert not conn.response_complete and not conn.request_complete
    assert conn.next_event().target == b"/2"
    assert conn.next_event() == EndOfMessage()
    conn.send(Response(200, ((b"Content-Length", b"0"),)))
    conn.send(EndOfMessage())
    conn.start_next_cycle()
    assert conn.next_event().name == "NEED_DATA"
    conn.receive_data(b"TP/1.1\r\nHost: h\r\n\r\n")
    assert conn.next_event().target == b"/3"


def test_response_before_body_is_read_then_drain():
    conn = ServerConnection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab")
    conn.next_event()
    conn.send(Response(200, ((b"Content-Length", b"0"),)))
    conn.send(EndOfMessage())
    assert conn.response_complete and not conn.request_complete
    assert conn.next_event() == Data(b"ab")
    conn.receive_data(b"cd")
    assert conn.next_event() == Data(b"cd")
    assert conn.next_event() == EndOfMessage()
    conn.start_next_cycle()


@pytest.mark.parametrize("status,reason", [(400, "missing host field"), (413, ""), (414, "x"),
                                           (431, "too many header fields"), (501, "y"), (505, "z")])
def test_error_response_bytes(status, reason):
    conn = ServerConnection()
    out = conn.error_response(ProtocolError(status, reason))
    head, body = out.split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0].startswith(b"HTTP/1.1 %d " % status)
    assert b"Content-Type: text/plain; charset=utf-8" in lines
    assert b"Content-Length: %d" % len(body) in lines
    assert b"Connection: close" in lines
    assert reason.encode() in body
    assert not conn.keep_alive


def test_error_response_exact():
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/1.1\r\n\r\n")
    with pytest.raises(ProtocolError) as info:
        conn.next_event()
    assert conn.error_response(info.value) == (
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 32\r\nConnection: close\r\n\r\nBad Request: missing host field\n")
    assert conn.error_response(info.value) == b""  # only once


def test_error_response_after_response_started_is_empty():
    conn = ServerConnection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
    conn.next_event()
    conn.send(Response(200, ()))
    conn.receive_data(b"")
    conn.next_event()
    with pytest.raises(ProtocolError) as info:
        conn.next_event()
    assert conn.error_response(info.value) == b""
    assert not conn.keep_alive


@pytest.mark.parametrize("events,exc", [
    ([Response(200, (CL,)), Data(b"toolong")], ValueError),
    ([Response(200, (CL,)), Data(b"hi"), EndOfMessage()], ValueError),
    ([Response(200, (CL,)), Data(b"hello"), EndOfMessage(((b"X", b"1"),))], ValueError),
    ([Response(200, ((b"X-Bad", b"a\r\nSet-Cookie: x"),))], ValueError),
    ([Response(200, ((b"X Bad", b"a"),))], ValueError),
    ([Response(200, ((b"X-A", b"a\nb"),))], ValueError),
    ([Response(200, (), b"OK\r\nX: y")], ValueError),
    ([Response(200, ((b"Content-Length", b"-1"),))], ValueError),
    ([Response(200, ((b"Content-Length", b"1"), (b"Content-Length", b"2")))], ValueError),
    ([Response(100, ())], ValueError),
    ([InformationalResponse(200)], ValueError),
    ([Data(b"x")], RuntimeError),
    ([EndOfMessage()], RuntimeError),
    ([Response(200, (CL,)), Response(200, (CL,))], RuntimeError),
    ([Response(200, (CL,)), InformationalResponse(100)], RuntimeError),
    ([Response(200, ((b"Content-Length", b"0"),)), EndOfMessage(), Data(b"")], RuntimeError),
])
def test_local_errors(events, exc):
    conn = ServerConnection()
    conn.receive_data(GET11)
    conn.next_event()
    with pytest.raises(exc):
        for e in events:
            conn.send(e)


def test_value_error_leaves_state_unchanged():
    conn = ServerConnection()
    conn.receive_data(GET11)
    conn.next_event()
    with pytest.raises(ValueError):
        conn.send(Response(200, ((b"X", b"\n"),)))
    assert conn.send(Response(200, (CL,))) == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    with pytest.raises(ValueError):
        conn.send(Data(b"toolong"))
    assert conn.send(Data(b"hello")) == b"hello"
    conn.send(EndOfMessage())


def test_response_needs_a_request():
    conn = ServerConnection()
    with pytest.raises(RuntimeError):
        conn.send(Response(200, ()))
