"""(Served as fixture_apps:app with tests/fixtureapps on PYTHONPATH, see tests/pyserver/conftest.py.)

One router app with an endpoint per server behaviour under test.

Side effects the tests check after the fact (close() called, a request
started) are written to files under $FIXTURE_DIR, named by a token the test
chooses, so tests running against one shared server never see each other's.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from time import sleep as bound_sleep   # bound at import: yields only if patched before
from urllib.parse import parse_qs

DIR = os.environ.get("FIXTURE_DIR") or tempfile.gettempdir()
FILE_BYTES = bytes(range(256)) * 300  # 76,800 bytes: more than one sendfile/recv round


def _mark(token: str, what: str) -> None:
    if token:
        with open(os.path.join(DIR, f"{token}.{what}"), "a") as f:
            f.write(what + "\n")


def _q(environ) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


class Recorded:
    """An iterable whose close() is recorded, and which may sleep between pieces."""

    def __init__(self, pieces, token: str, delay: float = 0.0):
        self.pieces, self.token, self.delay = pieces, token, delay

    def __iter__(self):
        for i, piece in enumerate(self.pieces):
            if i and self.delay:
                time.sleep(self.delay)
            yield piece

    def close(self):
        _mark(self.token, "closed")


def stream(environ, start_response):
    """Pieces from write() and from iteration, no Content-Length: chunked on 1.1,
    close-delimited on 1.0."""
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written-1;")
    write(b"written-2;")

    def pieces():
        yield b"yielded-1;"
        yield b""               # empty pieces are allowed and send nothing
        yield b"yielded-2;"
    return Recorded(pieces(), _q(environ).get("token", ""))


def slow_stream(environ, start_response):
    """Many pieces with pauses: the test disconnects in the middle."""
    q = _q(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Recorded([b"x" * 1024] * int(q.get("n", "400")), q.get("token", ""),
                    delay=float(q.get("delay", "0.01")))


def file(environ, start_response):
    path = os.path.join(DIR, "fixture-file.bin")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(FILE_BYTES)
        os.replace(tmp, path)
    headers = [("Content-Type", "application/octet-stream")]
    length = _q(environ).get("length", "1")
    if length == "1":
        headers.append(("Content-Length", str(len(FILE_BYTES))))
    elif length != "0":         # a prefix of the file: the server must stop there
        headers.append(("Content-Length", length))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](open(path, "rb"), 8192)


def boom(environ, start_response):
    raise RuntimeError("boom: an app bug (this traceback belongs in the server's stderr)")


def boom_late(environ, start_response):
    token = _q(environ).get("token", "")
    start_response("200 OK", [("Content-Type", "text/plain")])

    def pieces():
        yield b"first piece;"
        raise RuntimeError("boom after the response started")
    return Recorded(pieces(), token)


def exc_info_replaced(environ, start_response):
    """start_response again with exc_info before anything was sent: the 2nd status wins."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("changed my mind")
    except ValueError:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
    return [b"unavailable"]


def hop_by_hop(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")])
    return [b"should not be sent"]


def environ_types(environ, start_response):
    """The environ as JSON: each key's type name and (for str/bool/int/tuple) value."""
    out = {}
    for key, value in environ.items():
        shown = value if isinstance(value, (str, bool, int, tuple)) else None
        out[key] = [type(value).__name__, shown]
    for name in ("read", "readline", "readlines", "__iter__"):
        out[f"input.{name}"] = [str(callable(getattr(environ["wsgi.input"], name, None))), None]
    for name in ("write", "writelines", "flush"):
        out[f"errors.{name}"] = [str(callable(getattr(environ["wsgi.errors"], name, None))), None]
    try:
        import gevent.monkey
        out["patched.socket"] = ["bool", gevent.monkey.is_module_patched("socket")]
    except ImportError:
        out["patched.socket"] = ["bool", False]
    body = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def body_reads(environ, start_response):
    """Read the body the way ?op= says and answer with what each call returned."""
    stream_ = environ["wsgi.input"]
    op = _q(environ).get("op", "read")
    if op == "read":
        got = [stream_.read()]
    elif op == "read3":
        got = []
        while True:
            part = stream_.read(3)
            got.append(part)
            if not part:
                break
    elif op == "readline":
        got = []
        while True:
            line = stream_.readline()
            got.append(line)
            if not line:
                break
    elif op == "readline2":
        got = [stream_.readline(2), stream_.readline(2), stream_.readline()]
    elif op == "readlines":
        got = stream_.readlines()
    elif op == "readlines-hint":
        got = stream_.readlines(1)
    elif op == "iter":
        got = list(stream_)
    elif op == "none":
        got = []
    else:
        raise ValueError(op)
    body = json.dumps([g.decode("latin-1") for g in got]).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def sleep(environ, start_response):
    """Mark that the request started, then wait ms milliseconds (blocking)."""
    q = _q(environ)
    _mark(q.get("token", ""), "started")
    ms = int(q.get("ms", "0"))
    time.sleep(ms / 1000)
    body = json.dumps({"ms": ms}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def bound(environ, start_response):
    """Wait with a sleep bound when the app was imported (``from time import sleep``)."""
    ms = int(_q(environ).get("ms", "0"))
    bound_sleep(ms / 1000)
    body = json.dumps({"ms": ms}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


class _BadClose:
    def __iter__(self):
        yield b"fine"

    def close(self):
        raise RuntimeError("close() failed (an app bug, logged by the server)")


def misbehave(environ, start_response):
    """PEP 3333 misuse the server must catch: ?kind= says which."""
    kind = _q(environ).get("kind", "")
    if kind == "str-body":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["not bytes"]
    if kind == "twice":
        start_response("200 OK", [("Content-Type", "text/plain")])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"twice"]
    if kind == "no-start":
        return [b"never started"]
    if kind == "bad-status":
        start_response("OK", [("Content-Type", "text/plain")])
        return [b"bad status"]
    if kind == "bad-header":
        start_response("200 OK", [("Content-Type", "text/plain\r\nX-Injected: 1")])
        return [b"injected"]
    if kind == "cl-long":       # declares 5, gives 13
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"Hello, World!"]
    if kind == "cl-short":      # declares 20, gives 13
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "20")])
        return [b"Hello, World!"]
    if kind == "close-raises":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _BadClose()
    raise ValueError(kind)


def pid(environ, start_response):
    """Spin the CPU for ?spin_ms= milliseconds, then answer with the serving process's pid:
    the tests count which worker served what. ?token= marks that it started."""
    q = _q(environ)
    _mark(q.get("token", ""), "started")
    end = time.process_time() + int(q.get("spin_ms", "0")) / 1000
    while time.process_time() < end:
        pass
    body = json.dumps({"pid": os.getpid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]


ROUTES = {
    "/stream": stream, "/slow-stream": slow_stream, "/file": file, "/boom": boom,
    "/boom-late": boom_late, "/exc-info": exc_info_replaced, "/hop-by-hop": hop_by_hop,
    "/environ": environ_types, "/body": body_reads, "/sleep": sleep, "/hello": hello,
    "/bound-sleep": bound, "/misbehave": misbehave, "/pid": pid,
}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    handler = ROUTES.get(path)
    if handler is None and path.startswith("/environ/"):
        handler = environ_types
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not Found"]
    return handler(environ, start_response)
