"""HTTP/1.1 behaviour of the real server, as a behaviour-mixin x mode matrix
(waitress's test_functional shape): each *Behaviour class holds tests, each
mode class says which server they run against, and every pairing below is a
collected Test class. All servers are real processes on 127.0.0.1 port 0."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from conftest import WSGI_APP
from pyserver_client import Client, Closed, chunked, get, request
from workloads import contract

ECHO = bytes(range(256)) * 4


# -- modes ----------------------------------------------------------------------

class Mode:
    MODE = ""
    APP = WSGI_APP
    ARGS: tuple[str, ...] = ("--max-body", "65536", "--limit-request-line", "4096")
    MODE_ARGS: tuple[str, ...] = ()

    @pytest.fixture(autouse=True)
    def _server(self, pyserver):
        self.server = pyserver(self.MODE, self.APP, *self.ARGS, *self.MODE_ARGS)
        self.url = self.server.url

    def client(self, timeout: float = 10.0) -> Client:
        return Client(self.url, timeout)

    def still_serves(self) -> None:
        resp = get(self.url, "/hello")
        assert (resp.status, resp.body) == (200, contract.HELLO_BODY)


class Threaded(Mode):
    MODE = "threaded"


class Forked(Mode):
    MODE = "forked"


class Async(Mode):
    MODE = "async"


MODES = (Threaded, Forked, Async)


# -- behaviours -------------------------------------------------------------------

class KeepAliveBehaviour:
    def test_many_requests_on_one_connection(self):
        with self.client() as c:
            for target, body in [("/hello", contract.HELLO_BODY), ("/json", contract.JSON_BODY)] * 3:
                resp = c.roundtrip(request("GET", target))
                assert (resp.status, resp.body) == (200, body)
                assert resp.header("connection") is None
            assert not c.is_closed(0.2)

    def test_connection_close_is_honoured(self):
        with self.client() as c:
            resp = c.roundtrip(request("GET", "/hello", headers=[("Connection", "close")]))
            assert resp.status == 200 and resp.header("connection") == "close"
            assert c.is_closed()

    def test_body_left_unread_does_not_break_the_next_request(self):
        with self.client() as c:
            # /hello ignores its body; the server must skip it to find the next request
            resp = c.roundtrip(request("POST", "/hello", body=b"x" * 5000))
            assert resp.status == 404 or resp.status == 200
            resp = c.roundtrip(request("GET", "/json"))
            assert (resp.status, resp.body) == (200, contract.JSON_BODY)


class PipeliningBehaviour:
    def test_three_requests_in_one_write_answered_in_order(self):
        with self.client() as c:
            c.send(request("GET", "/hello") + request("POST", "/echo", body=ECHO)
                   + request("GET", "/io?ms=1"))
            answers = [c.response() for _ in range(3)]
        assert [(r.status, r.body) for r in answers] == [
            (200, contract.HELLO_BODY), (200, ECHO), (200, contract.io_body(1))]

    def test_pipelined_head_then_get(self):
        with self.client() as c:
            c.send(request("HEAD", "/hello") + request("GET", "/json") + request("GET", "/nope"))
            head, json_, nope = c.response("HEAD"), c.response(), c.response()
        assert (head.status, head.body, head.header("content-length")) == (200, b"", "13")
        assert (json_.status, json_.body) == (200, contract.JSON_BODY)
        assert (nope.status, nope.body) == (404, contract.NOT_FOUND_BODY)

    def test_pipelined_requests_after_close_are_not_answered(self):
        with self.client() as c:
            c.send(request("GET", "/hello", headers=[("Connection", "close")])
                   + request("GET", "/json"))
            assert c.response().status == 200
            assert c.is_closed()


class Http10Behaviour:
    def test_closes_by_default(self):
        with self.client() as c:
            resp = c.roundtrip(request("GET", "/hello", version="1.0", host=False))
            assert (resp.version, resp.status, resp.body) == ("HTTP/1.1", 200, contract.HELLO_BODY)
            assert resp.header("transfer-encoding") is None
            assert c.is_closed()

    def test_keep_alive_on_request(self):
        with self.client() as c:
            for _ in range(2):
                resp = c.roundtrip(request("GET", "/json", version="1.0",
                                           headers=[("Connection", "keep-alive")]))
                assert (resp.status, resp.body) == (200, contract.JSON_BODY)
                assert resp.header("connection").lower() == "keep-alive"
            assert not c.is_closed(0.2)


class HeadBehaviour:
    def test_head_has_no_body_and_the_connection_goes_on(self):
        with self.client() as c:
            head = c.roundtrip(request("HEAD", "/hello"), "HEAD")
            assert (head.status, head.header("content-length")) == (200, "13")
            resp = c.roundtrip(request("GET", "/hello"))   # would mis-parse had a body been sent
            assert (resp.status, resp.body) == (200, contract.HELLO_BODY)


class ExpectContinueBehaviour:
    def test_100_continue_before_the_body_is_sent(self):
        with self.client() as c:
            c.send(request("POST", "/echo", headers=[("Expect", "100-continue"),
                                                     ("Content-Length", str(len(ECHO)))]))
            interim = c.response(expect_continue=True)
            assert interim.status == 100
            c.send(ECHO)
            resp = c.response()
            assert (resp.status, resp.body) == (200, ECHO)
            resp = c.roundtrip(request("GET", "/hello"))
            assert resp.status == 200

    def test_no_100_when_the_app_does_not_read_and_then_close(self):
        with self.client() as c:
            c.send(request("GET", "/hello", headers=[("Expect", "100-continue"),
                                                     ("Content-Length", "100")]))
            resp = c.response()
            assert (resp.status, resp.informational) == (200, [])
            assert c.is_closed()


class ChunkedRequestBehaviour:
    def test_chunked_body_with_extensions_and_trailers(self):
        body = chunked(ECHO[:100], ECHO[100:700], ECHO[700:], ext=";name=value",
                       trailers="X-Checksum: 42\r\n")
        with self.client() as c:
            resp = c.roundtrip(request("POST", "/echo", body=body,
                                       headers=[("Transfer-Encoding", "chunked")]))
            assert (resp.status, resp.body) == (200, ECHO)
            resp = c.roundtrip(request("GET", "/hello"))
            assert resp.status == 200

    def test_chunked_body_arriving_in_pieces(self):
        body = chunked(ECHO[:10], ECHO[10:])
        with self.client() as c:
            c.send(request("POST", "/echo", headers=[("Transfer-Encoding", "chunked")]))
            for i in range(0, len(body), 97):
                c.send(body[i:i + 97])
            resp = c.response()
            assert (resp.status, resp.body) == (200, ECHO)


BAD = [
    ("cl-and-te", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("differing-cl", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Content-Length: 6\r\n\r\nhello!", 400),
    ("malformed-cl", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400),
    ("chunked-not-last", b"POST /echo HTTP/1.1\r\nHost: x\r\n"
                         b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
    ("unknown-coding", b"POST /echo HTTP/1.1\r\nHost: x\r\n"
                       b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("bad-chunk-size", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"zz\r\nhello\r\n0\r\n\r\n", 400),
    ("overflowing-chunk-size", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                               b"\r\n\r\nffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400),
    ("line-too-long", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("too-many-fields", b"GET /hello HTTP/1.1\r\nHost: x\r\n"
                        + b"".join(b"X-%d: y\r\n" % i for i in range(120)) + b"\r\n", 431),
    ("field-too-large", b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n",
     431),
    ("body-too-large", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n"
                       + b"z" * 70000, 413),
    ("http-2", b"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ("no-host", b"GET /hello HTTP/1.1\r\n\r\n", 400),
    ("obs-fold", b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n", 400),
    ("space-before-colon", b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", 400),
]


class BadInputBehaviour:
    @pytest.mark.parametrize("raw, status", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
    def test_bad_input_is_refused_and_closed(self, raw, status):
        with self.client() as c:
            try:
                c.send(raw)
            except ConnectionError:
                pass    # the server may refuse and close before reading everything we send
            resp = c.response()
            assert resp.status == status
            assert resp.header("connection") == "close"
            assert c.is_closed()
        self.still_serves()

    def test_truncated_body(self):
        with self.client() as c:
            c.send(request("POST", "/echo", headers=[("Content-Length", "100")]) + b"only 12 byte")
            c.sock.shutdown(socket.SHUT_WR)
            try:
                resp = c.response()
            except Closed:
                resp = None
            assert resp is None or resp.status == 400
            assert c.is_closed()
        self.still_serves()

    def test_bad_request_after_a_good_one_on_the_same_connection(self):
        with self.client() as c:
            assert c.roundtrip(request("GET", "/hello")).status == 200
            c.send(b"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n")
            assert c.response().status == 400
            assert c.is_closed()
        self.still_serves()


class IdleKeepAliveBehaviour:
    """1,000 idle keep-alive connections wait in the selector/loop, not on a thread
    (threaded mode runs with 2 threads here)."""
    IDLE = 1000
    ARGS = Mode.ARGS + ("--connections", "1100")

    def test_idle_keep_alive_clients_do_not_starve_new_ones(self):
        idle = []
        try:
            for _ in range(self.IDLE):
                c = self.client()
                idle.append(c)
                c.send(request("GET", "/hello"))
            for c in idle:
                assert c.response().status == 200
            t0 = time.monotonic()
            for _ in range(5):
                self.still_serves()
            assert time.monotonic() - t0 < 3.0
            for c in idle[:20]:   # the idle ones are still open and usable
                assert c.roundtrip(request("GET", "/json")).status == 200
        finally:
            for c in idle:
                c.close()


class ThreadedFewThreads(Threaded):
    MODE_ARGS = ("--threads", "2")


class TimeoutBehaviour:
    """--timeout 2: a request head must be complete 2 s after it starts; --keepalive 1."""
    ARGS = ("--timeout", "2", "--keepalive", "1", "--graceful-timeout", "1")

    def test_slowloris_is_cut_off_and_does_not_stop_others(self):
        slow = self.client()
        slow.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        stop = threading.Event()

        def dribble():
            for i in range(60):               # at most 60 x 0.1 s
                if stop.wait(0.1):
                    return
                try:
                    slow.sock.sendall(b"X-%d: y\r\n" % i)
                except OSError:
                    return
        t = threading.Thread(target=dribble, daemon=True)
        t0 = time.monotonic()
        t.start()
        try:
            for _ in range(5):
                start = time.monotonic()
                self.still_serves()
                assert time.monotonic() - start < 1.0
            closed_at = None
            slow.sock.settimeout(6.0)
            try:
                data = slow.sock.recv(65536)
                while data:          # a 408/400 answer may come first; then EOF
                    data = slow.sock.recv(65536)
            except (ConnectionError, socket.timeout):
                pass
            closed_at = time.monotonic() - t0
            assert closed_at < 5.0, f"slowloris kept for {closed_at:.1f} s"
        finally:
            stop.set()
            t.join(2)
            slow.close()

    def test_silent_connection_is_cut_off(self):
        with self.client() as c:
            t0 = time.monotonic()
            assert c.is_closed(6.0)
            assert time.monotonic() - t0 < 5.0

    def test_idle_keep_alive_is_cut_off(self):
        with self.client() as c:
            assert c.roundtrip(request("GET", "/hello")).status == 200
            t0 = time.monotonic()
            assert c.is_closed(5.0)
            assert 0.5 < time.monotonic() - t0 < 4.0


class ConcurrencyBehaviour:
    """Blocking waits inside the app overlap (the wait yields): 50 x /io?ms=200."""

    def test_blocking_waits_overlap(self):
        n, results = 50, []
        lock = threading.Lock()

        def one():
            try:
                resp = get(self.url, "/io?ms=200")
                ok = (resp.status, resp.body) == (200, contract.io_body(200))
            except OSError:
                ok = False
            with lock:
                results.append(ok)
        threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        elapsed = time.monotonic() - t0
        assert results == [True] * n
        assert elapsed < 5.0, f"{n} x 200 ms took {elapsed:.1f} s: the waits did not overlap"


# -- the matrix ---------------------------------------------------------------------

EVERY_MODE = [KeepAliveBehaviour, PipeliningBehaviour, Http10Behaviour, HeadBehaviour,
              ExpectContinueBehaviour, ChunkedRequestBehaviour, BadInputBehaviour,
              TimeoutBehaviour]


def _pair(behaviour, mode):
    name = f"Test{behaviour.__name__.removesuffix('Behaviour')}{mode.__name__}"
    attrs = {"ARGS": behaviour.ARGS} if "ARGS" in behaviour.__dict__ else {}
    globals()[name] = type(name, (behaviour, mode), attrs)


for _behaviour in EVERY_MODE:
    for _mode in MODES:
        _pair(_behaviour, _mode)
_pair(IdleKeepAliveBehaviour, ThreadedFewThreads)
_pair(IdleKeepAliveBehaviour, Forked)
_pair(IdleKeepAliveBehaviour, Async)
_pair(ConcurrencyBehaviour, Async)
