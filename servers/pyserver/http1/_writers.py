"""Writers: events we send -> bytes.

``response_head`` decides a response's framing (RFC 9112 §6.1-6.3 from the
server's side) and keep-alive, and renders the head; the body writer for that
framing, chosen from ``BODY_WRITERS``, renders Data and EndOfMessage.
Misuse by the caller (bad header bytes, too much body) raises ValueError.
"""
from __future__ import annotations

from http import HTTPStatus

from ._abnf import token_re
from .events import Headers

REASONS = {s.value: s.phrase.encode("ascii") for s in HTTPStatus}
NO_BODY_STATUSES = frozenset(range(100, 200)) | {204, 304}

_valid_names: set[bytes] = set()  # field names already checked against token


def render_head(start_line: bytes, headers: Headers) -> bytes:
    parts = [start_line]
    for name, value in headers:
        if name not in _valid_names:
            if type(name) is not bytes or not token_re.fullmatch(name):
                raise ValueError(f"invalid header name {name!r}")
            if len(_valid_names) < 1024:
                _valid_names.add(name)
        parts.append(name + b": " + value)
    parts.append(b"")
    parts.append(b"")
    out = b"\r\n".join(parts)
    # A CR, LF or NUL inside a value would split the response (header injection).
    n = len(parts) - 1
    if out.count(b"\n") != n or out.count(b"\r") != n or b"\0" in out:
        raise ValueError("CR, LF or NUL in a header value or reason")
    return out


STATUS_LINES = {status: b"HTTP/1.1 %d %s" % (status, reason) for status, reason in REASONS.items()}


def status_line(status: int, reason: bytes) -> bytes:
    if not reason and status in STATUS_LINES:   # not .get(): docs/free-threading.md
        return STATUS_LINES[status]
    return b"HTTP/1.1 %d %s" % (status, reason)


def informational_head(status: int, headers: Headers, reason: bytes) -> bytes:
    if not 100 <= status <= 199:
        raise ValueError(f"InformationalResponse status must be 1xx, not {status}")
    return render_head(status_line(status, reason), headers)


class ResponsePlan:
    """The head bytes of a response, its body writer and whether the
    connection stays open after it."""

    __slots__ = ("head", "writer", "keep_alive")

    def __init__(self, head: bytes, writer, keep_alive: bool) -> None:
        self.head = head
        self.writer = writer
        self.keep_alive = keep_alive


def response_head(status: int, headers: Headers, reason: bytes, *, method: bytes,
                   http_version: bytes, keep_alive: bool) -> ResponsePlan:
    """Frame a response to a request with ``method`` and ``http_version``.

    Content-Length from ``headers`` if present; else chunked for HTTP/1.1;
    else close-delimited. HEAD, 1xx, 204 and 304 have no body. Connection
    and Transfer-Encoding headers from the caller are replaced by our own.
    """
    if not 200 <= status <= 999:
        raise ValueError(f"Response status must be 200..999, not {status}")
    out = []
    length = None
    for name, value in headers:
        lname = name.lower()
        if lname == b"connection":
            if b"close" in [t.strip(b" \t").lower() for t in value.split(b",")]:
                keep_alive = False
            continue
        if lname == b"transfer-encoding":
            continue
        if lname == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise ValueError(f"invalid or conflicting Content-Length {value!r}")
            if length is not None:
                continue
            length = int(value)
            if status == 204:  # RFC 9110 §8.6: MUST NOT send CL in 1xx/204
                continue
        out.append((name, value))
    if method == b"HEAD" or status in NO_BODY_STATUSES:
        writer = NoBodyWriter()
    elif length is not None:
        writer = ContentLengthWriter(length)
    elif http_version == b"1.1":
        writer = ChunkedWriter()
        out.append((b"Transfer-Encoding", b"chunked"))
    else:
        writer = CloseDelimitedWriter()
        keep_alive = False
    if not keep_alive:
        out.append((b"Connection", b"close"))
    elif http_version == b"1.0":
        out.append((b"Connection", b"keep-alive"))
    return ResponsePlan(render_head(status_line(status, reason), out), writer, keep_alive)


class ContentLengthWriter:
    __slots__ = ("remaining",)

    def __init__(self, length: int) -> None:
        self.remaining = length

    def data(self, data: bytes) -> bytes:
        if len(data) > self.remaining:
            raise ValueError("more body data than the declared Content-Length")
        self.remaining -= len(data)
        return data

    def end(self, trailers: Headers) -> bytes:
        if self.remaining:
            raise ValueError("less body data than the declared Content-Length")
        if trailers:
            raise ValueError("trailers need a chunked response")
        return b""


class ChunkedWriter:
    __slots__ = ()

    def data(self, data: bytes) -> bytes:
        if not data:
            return b""  # an empty chunk would end the body
        return b"%x\r\n%s\r\n" % (len(data), data)

    def end(self, trailers: Headers) -> bytes:
        if not trailers:
            return b"0\r\n\r\n"
        return render_head(b"0", trailers)


class CloseDelimitedWriter:
    __slots__ = ()

    def data(self, data: bytes) -> bytes:
        return data

    def end(self, trailers: Headers) -> bytes:
        if trailers:
            raise ValueError("trailers need a chunked response")
        return b""


class NoBodyWriter:
    """HEAD responses and 1xx/204/304: the body is not sent."""

    __slots__ = ()

    def data(self, data: bytes) -> bytes:
        return b""

    def end(self, trailers: Headers) -> bytes:
        return b""


def error_response(status: int, reason: str) -> bytes:
    phrase = REASONS.get(status, b"Error")
    body = phrase + (b": " + reason.encode("ascii", "replace") if reason else b"") + b"\n"
    return render_head(status_line(status, phrase), (
        (b"Content-Type", b"text/plain; charset=utf-8"),
        (b"Content-Length", b"%d" % len(body)),
        (b"Connection", b"close"),
    )) + body
