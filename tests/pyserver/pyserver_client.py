"""A raw HTTP/1.x client for the pyserver tests: bytes on a socket, responses
parsed by their own framing (so pipelined answers and close-delimited bodies
are seen exactly as sent). Everything has a timeout."""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT = 10.0


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def request(method: str, target: str, *, headers=(), body: bytes = b"", version: str = "1.1",
            host: bool = True, length: bool | None = None) -> bytes:
    """Raw request bytes. Content-Length is added for a body unless headers frame it."""
    lines = [f"{method} {target} HTTP/{version}"]
    names = {name.lower() for name, _ in headers}
    if host and "host" not in names:
        lines.append("Host: test")
    lines += [f"{name}: {value}" for name, value in headers]
    if length is None:
        length = bool(body) and "transfer-encoding" not in names and "content-length" not in names
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*pieces: bytes, trailers: str = "", ext: str = "") -> bytes:
    out = b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext.encode(), p) for p in pieces if p)
    return out + b"0\r\n" + trailers.encode("latin-1") + b"\r\n"


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    chunked: bool = False
    close_delimited: bool = False
    informational: list["Response"] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n == name.lower()]
        return ",".join(values) if values else None

    def header_names(self) -> list[str]:
        return [n for n, _ in self.headers]


class Closed(Exception):
    """The server closed the connection before (the rest of) a response."""


class Client:
    def __init__(self, url: str, timeout: float = TIMEOUT):
        self.sock = socket.create_connection(address(url), timeout=timeout)
        self.rfile = self.sock.makefile("rb")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        try:
            self.rfile.close()
        finally:
            self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _line(self) -> bytes:
        line = self.rfile.readline(65537)
        if not line:
            raise Closed("connection closed")
        if not line.endswith(b"\r\n"):
            raise Closed(f"line cut short: {line!r}")
        return line[:-2]

    def _head(self) -> Response:
        version, status, *reason = self._line().decode("latin-1").split(" ", 2)
        headers = []
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.lower(), value.strip()))
        return Response(version, int(status), reason[0] if reason else "", headers)

    def response(self, method: str = "GET", *, expect_continue: bool = False) -> Response:
        """The next final response (1xx answers are collected in .informational)."""
        informational = []
        while True:
            resp = self._head()
            if resp.status >= 200:
                break
            informational.append(resp)
            if expect_continue:
                resp.informational = informational
                return resp
        resp.informational = informational
        te = (resp.header("transfer-encoding") or "").lower()
        if method == "HEAD" or resp.status in (204, 304):
            return resp
        if te == "chunked":
            resp.chunked = True
            parts = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():   # trailers
                        pass
                    break
                parts.append(self._exact(size))
                if self._line() != b"":
                    raise Closed("chunk not followed by CRLF")
            resp.body = b"".join(parts)
        elif resp.header("content-length") is not None:
            resp.body = self._exact(int(resp.header("content-length")))
        else:
            resp.close_delimited = True
            resp.body = self.rfile.read()
        return resp

    def _exact(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) != n:
            raise Closed(f"body cut short: {len(data)} of {n} bytes")
        return data

    def roundtrip(self, data: bytes, method: str = "GET") -> Response:
        self.send(data)
        return self.response(method)

    def is_closed(self, timeout: float = 5.0) -> bool:
        """True once the server has closed the connection (EOF or reset) within timeout;
        False if it is still open then, or if unexpected bytes arrive."""
        self.sock.settimeout(timeout)
        try:
            extra = self.rfile.read1(65536) if self.rfile.peek else b""
        except socket.timeout:
            return False
        except ConnectionError:
            return True
        finally:
            self.sock.settimeout(TIMEOUT)
        return extra == b""


def get(url: str, target: str, **kw) -> Response:
    with Client(url) as c:
        return c.roundtrip(request("GET", target, headers=[("Connection", "close")], **kw))


def wait_for(predicate, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Poll predicate() until true; fail after timeout. For side effects that have no
    signal of their own (a file an app writes, a process count), never for readiness."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
