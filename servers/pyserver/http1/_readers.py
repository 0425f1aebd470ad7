"""Readers: bytes in the receive buffer -> events.

* ``read_head`` parses a request head (request line + field section) into a
  Request plus the framing it declares;
* body readers, one class per framing, chosen from ``BODY_READERS`` by the
  framing name, turn body bytes into Data / EndOfMessage.

Each reader returns an event, or None when it needs more bytes. Bad input
raises ProtocolError(status, reason); reasons are our own words and never
echo the peer's bytes.
"""
from __future__ import annotations

from ._abnf import chunk_line_re, field_section_re, request_line_re, token_re, version_re
from ._buffer import ReceiveBuffer
from ._limits import Limits
from ._targets import check_host_field, check_target
from .events import Data, EndOfMessage, Headers, ProtocolError, Request

MAX_CONTENT_LENGTH = 2**63 - 1
MAX_CHUNK_SIZE = 2**63 - 1
END = EndOfMessage()  # events are immutable values: one shared end without trailers


# -- field sections (heads and trailers) ----------------------------------

def _diagnose_fields(lines: list[bytes]) -> ProtocolError:
    """Name what is wrong with a field section that failed the grammar."""
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            return ProtocolError(400, "obsolete line folding (obs-fold) in field section")
        name, colon, _ = line.partition(b":")
        if not colon:
            return ProtocolError(400, "field line without a colon")
        if name.rstrip(b" \t") != name and token_re.fullmatch(name.rstrip(b" \t")):
            return ProtocolError(400, "whitespace between field name and colon")
        if not token_re.fullmatch(name):
            return ProtocolError(400, "invalid character in field name")
        if b"\r" in line:
            return ProtocolError(400, "bare CR in field section")
    return ProtocolError(400, "invalid character in field value")


def _split_lines(block: bytes) -> list[bytes]:
    """Split a section on its line ends (CRLF, or bare LF), dropping them."""
    lines = [line[:-1] if line[-1:] == b"\r" else line for line in block.split(b"\n")]
    if lines and not lines[-1]:
        lines.pop()  # block ends with a line end: the last piece is empty
    return lines


# Fields the core itself interprets; parse_fields hands them over separately
# so that framing does not scan every header again.
SPECIAL_FIELDS = frozenset([b"content-length", b"transfer-encoding", b"host", b"connection",
                            b"expect"])


def parse_fields(block: bytes, limits: Limits) -> tuple[Headers, list[tuple[bytes, bytes]]]:
    """Parse a field section (every line with its line end, without the
    empty line) into ((lower-cased name, stripped value), ...) and the list
    of those among them whose names are in SPECIAL_FIELDS."""
    if not block:
        return (), []
    if field_section_re.fullmatch(block) is None:
        raise _diagnose_fields(_split_lines(block))
    # Valid: CR occurs only right before LF, so splitting on LF and stripping
    # CR with the OWS handles CRLF and bare LF alike.
    lines = block.split(b"\n")
    lines.pop()
    if len(lines) > limits.max_header_fields:
        raise ProtocolError(431, "too many header fields")
    if len(block) > limits.max_header_field_size and \
            max(map(len, _split_lines(block))) > limits.max_header_field_size:
        raise ProtocolError(431, "header field too large")
    out = []
    special = []
    for line in lines:
        name, _, value = line.partition(b":")
        field = (name.lower(), value.strip(b" \t\r"))
        out.append(field)
        if field[0] in SPECIAL_FIELDS:
            special.append(field)
    return tuple(out), special


def check_incomplete_section(buf: ReceiveBuffer, start: int, limits: Limits) -> None:
    """The section starting at ``start`` has no end yet: fail early if what
    has arrived already exceeds the limits."""
    n = len(buf)
    most = start + limits.max_header_fields * (limits.max_header_field_size + 2) + 2
    if n > most:
        raise ProtocolError(431, "header section too large")
    last_lf = buf.rfind(b"\n", start)
    if n - (last_lf + 1 if last_lf >= 0 else start) > limits.max_header_field_size + 1:
        raise ProtocolError(431, "header field too large")


# -- request head -----------------------------------------------------------

class Framing:
    """What the head says about the body (``kind`` names a BODY_READERS
    entry, ``length`` for content-length) and about the connection
    (``connection``: the lower-cased Connection tokens; ``expect_continue``)."""

    __slots__ = ("kind", "length", "connection", "expect_continue")

    def __init__(self, kind: str, length: int, connection, expect_continue: bool) -> None:
        self.kind = kind
        self.length = length
        self.connection = connection
        self.expect_continue = expect_continue


def read_head(buf: ReceiveBuffer, limits: Limits) -> tuple[Request, Framing] | None:
    buf.skip_empty_lines()
    if not buf:
        return None
    fields_end, section_end = buf.find_section_end()
    if section_end < 0:
        line_end = buf.find(b"\n")
        if line_end < 0:
            if len(buf) > limits.max_request_line + 1:
                raise ProtocolError(414, "request line too long")
        else:
            if line_end > limits.max_request_line + 1:
                raise ProtocolError(414, "request line too long")
            check_incomplete_section(buf, line_end + 1, limits)
        return None
    head = buf.take(section_end)
    line_end = head.find(b"\n")
    line = head[:line_end - 1] if head[line_end - 1:line_end] == b"\r" else head[:line_end]
    if len(line) > limits.max_request_line:
        raise ProtocolError(414, "request line too long")
    m = request_line_re.fullmatch(line)
    if m is None:
        raise _diagnose_request_line(line)
    method, target, version = m.groups()
    if version != b"1.1" and version != b"1.0":
        raise ProtocolError(505, "HTTP version not supported")
    check_target(method, target)
    headers, special = parse_fields(head[line_end + 1:fields_end], limits)
    return Request(method, target, version, headers), framing_of(version, special)


def _diagnose_request_line(line: bytes) -> ProtocolError:
    if b"\r" in line:
        return ProtocolError(400, "bare CR in request line")
    parts = line.split(b" ")
    if len(parts) == 3 and token_re.fullmatch(parts[0]) and parts[1] \
            and not version_re.fullmatch(parts[2]):
        return ProtocolError(400, "malformed HTTP version")
    return ProtocolError(400, "malformed request line")


def framing_of(version: bytes, fields: list[tuple[bytes, bytes]]) -> Framing:
    """RFC 9112 §6: the request's body length, with the smuggling defences.
    ``fields`` are the request's SPECIAL_FIELDS, in order."""
    cl = te = conn = None
    hosts = 0
    expect = False
    for name, value in fields:
        if name == b"content-length":
            if cl is not None and value != cl:
                raise ProtocolError(400, "conflicting content-length fields")
            cl = value
        elif name == b"transfer-encoding":
            te = value if te is None else te + b"," + value
        elif name == b"host":
            hosts += 1
            check_host_field(value)
        elif name == b"connection":
            conn = value if conn is None else conn + b"," + value
        elif name == b"expect":
            expect = value.lower() == b"100-continue"
    if conn is None:
        tokens = ()
    elif b"," in conn:
        tokens = {t.strip(b" \t") for t in conn.lower().split(b",")}
    else:
        tokens = (conn.lower(),)
    if hosts > 1:
        raise ProtocolError(400, "more than one host field")
    if hosts == 0 and version == b"1.1":
        raise ProtocolError(400, "missing host field")
    if te is not None:
        if cl is not None:
            raise ProtocolError(400, "both content-length and transfer-encoding")
        if version == b"1.0":
            # RFC 9112 §6.1: TE in HTTP/1.0 means the framing is faulty.
            raise ProtocolError(400, "transfer-encoding in an HTTP/1.0 request")
        codings = [c.strip(b" \t").lower() for c in te.split(b",")]
        codings = [c for c in codings if c]  # list rule: empty elements are ignored
        if not codings or codings[-1] != b"chunked":
            # RFC 9112 §6.3: chunked not final in a request -> 400.
            raise ProtocolError(400, "chunked is not the final transfer coding")
        if codings.count(b"chunked") > 1:
            raise ProtocolError(400, "chunked applied more than once")
        if len(codings) > 1:
            raise ProtocolError(501, "unsupported transfer coding")
        return Framing("chunked", 0, tokens, expect)
    if cl is not None:
        if not cl.isdigit():  # 1*DIGIT: no sign, no spaces, no list
            raise ProtocolError(400, "invalid content-length")
        length = int(cl)
        if length > MAX_CONTENT_LENGTH:
            raise ProtocolError(400, "content-length overflows")
        return Framing("content-length", length, tokens, expect)
    return Framing("content-length", 0, tokens, expect)


# -- bodies -------------------------------------------------------------------

class ContentLengthReader:
    """Body of a known length: Data as bytes arrive, then EndOfMessage."""

    __slots__ = ("remaining",)

    def __init__(self, framing: Framing, limits: Limits) -> None:
        if limits.max_body is not None and framing.length > limits.max_body:
            raise ProtocolError(413, "content-length exceeds the body limit")
        self.remaining = framing.length

    def __call__(self, buf: ReceiveBuffer) -> Data | EndOfMessage | None:
        if not self.remaining:
            return END
        if not buf:
            return None
        data = buf.take(self.remaining)
        self.remaining -= len(data)
        return Data(data)

    def at_eof(self) -> EndOfMessage:
        if self.remaining:
            raise ProtocolError(400, "truncated body (fewer bytes than content-length)")
        return END


class ChunkedReader:
    """RFC 9112 §7.1 chunked body: chunk lines, chunk data, trailers.

    Phases: "size" (expect a chunk line), "data" (``remaining`` bytes of the
    current chunk), "crlf" (the CRLF after chunk data), "trailers".
    Chunk extensions are validated and ignored. Chunk framing lines must end
    in CRLF (no bare LF, unlike field sections).
    """

    __slots__ = ("phase", "remaining", "total", "limits")

    def __init__(self, framing: Framing, limits: Limits) -> None:
        self.phase = "size"
        self.remaining = 0
        self.total = 0
        self.limits = limits

    def __call__(self, buf: ReceiveBuffer) -> Data | EndOfMessage | None:
        while True:
            phase = self.phase
            if phase == "data":
                if not buf:
                    return None
                data = buf.take(self.remaining)
                self.remaining -= len(data)
                if not self.remaining:
                    self.phase = "crlf"
                return Data(data)
            if phase == "crlf":
                if len(buf) < 2:
                    if buf and not buf.startswith(b"\r"):
                        raise ProtocolError(400, "chunk data not followed by CRLF")
                    return None
                if not buf.startswith(b"\r\n"):
                    raise ProtocolError(400, "chunk data not followed by CRLF")
                buf.skip(2)
                self.phase = "size"
                continue
            if phase == "size":
                data = self._read_chunks(buf)
                if data is not None:
                    return data
                if self.phase == "size":
                    return None
                continue
            # phase == "trailers": trailer-section CRLF, parsed like a head's fields
            fields_end, section_end = buf.find_section_end()
            if section_end < 0:
                check_incomplete_section(buf, 0, self.limits)
                return None
            if not fields_end:
                buf.skip(section_end)
                return END
            block = buf.take(section_end)[:fields_end]
            return EndOfMessage(parse_fields(block, self.limits)[0])

    def _read_chunks(self, buf: ReceiveBuffer) -> Data | None:
        """Phase "size": read chunk lines and every whole chunk already in
        the buffer; they become one Data. Leaves the phase at "size" (the
        next line has not arrived), "data" (a chunk arrived in part) or
        "trailers" (the last chunk was read)."""
        raw = buf._data
        limit = self.limits.max_header_field_size
        max_body = self.limits.max_body
        parts = []
        pos = 0
        while True:
            end = raw.find(b"\n", pos, pos + limit + 2)
            if end < 0:
                if len(raw) - pos > limit + 1:
                    raise ProtocolError(400, "chunk line too long")
                break
            if end == pos or raw[end - 1] != 13:
                raise ProtocolError(400, "bare LF in chunk line")
            m = chunk_line_re.fullmatch(raw, pos, end - 1)
            if m is None:
                raise ProtocolError(400, "invalid chunk line")
            size = int(m.group(1), 16)
            if size > MAX_CHUNK_SIZE:
                raise ProtocolError(400, "chunk size overflows")
            self.total += size
            if max_body is not None and self.total > max_body:
                raise ProtocolError(413, "chunked body exceeds the body limit")
            start = end + 1
            if not size:
                pos = start
                self.phase = "trailers"
                break
            stop = start + size
            if len(raw) < stop + 2:  # this chunk has arrived in part
                pos = start
                self.phase = "data"
                self.remaining = size
                break
            if raw[stop:stop + 2] != b"\r\n":
                raise ProtocolError(400, "chunk data not followed by CRLF")
            parts.append(raw[start:stop])
            pos = stop + 2
        if pos:
            buf.skip(pos)
        if not parts:
            return None
        return Data(bytes(parts[0]) if len(parts) == 1 else b"".join(parts))

    def at_eof(self) -> EndOfMessage:
        raise ProtocolError(400, "truncated body (chunked body did not end)")


BODY_READERS = {
    "content-length": ContentLengthReader,
    "chunked": ChunkedReader,
}
