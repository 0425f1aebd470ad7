"""The receive buffer: bytes from the peer that were not parsed yet.

Two operations matter and both stay linear in the bytes received, however
the peer splits them:

* find the end of a field section (the first empty line). A search that
  fails remembers how far it looked, so the next search, after more bytes
  arrive, starts just before that point instead of at the beginning
  (otherwise a head sent byte by byte would cost O(n^2));
* take the first N bytes. A bytearray deletes from its front in O(1)
  (CPython moves its start pointer), so taking costs only the copy out.
"""
from __future__ import annotations


class ReceiveBuffer:
    __slots__ = ("_data", "_scanned")

    def __init__(self) -> None:
        self._data = bytearray()
        self._scanned = 0  # a failed section search covered data[:_scanned]

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __iadd__(self, data: bytes) -> "ReceiveBuffer":
        self._data += data
        return self

    def take(self, n: int) -> bytes:
        """Remove and return the first ``n`` bytes (fewer if fewer are held)."""
        data = self._data
        out = bytes(data[:n])
        del data[:n]
        self._scanned = 0
        return out

    def take_all(self) -> bytes:
        out = bytes(self._data)
        self._data.clear()
        self._scanned = 0
        return out

    def skip(self, n: int) -> None:
        del self._data[:n]
        self._scanned = 0

    def startswith(self, prefix: bytes) -> bool:
        return self._data.startswith(prefix)

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        return self._data.find(sub, start, len(self._data) if end is None else end)

    def rfind(self, sub: bytes, start: int = 0) -> int:
        return self._data.rfind(sub, start)

    def peek(self, n: int) -> bytes:
        return bytes(self._data[:n])

    def skip_empty_lines(self) -> None:
        """Drop CRLF / LF empty lines before a request line (RFC 9112 §2.2:
        a server SHOULD ignore at least one empty line before the request-line)."""
        data = self._data
        i = 0
        n = len(data)
        while i < n:
            if data[i] == 10:          # LF
                i += 1
            elif data[i] == 13 and i + 1 < n and data[i + 1] == 10:  # CRLF
                i += 2
            else:
                break
        if i:
            del data[:i]
            self._scanned = 0

    def find_section_end(self) -> tuple[int, int]:
        """Find the empty line that ends a field section starting at offset 0.

        Returns ``(fields_end, section_end)``: the offset where the empty line
        starts and the offset just after it, or ``(-1, -1)`` if it has not
        arrived yet. Line ends are CRLF or bare LF, so the empty line is the
        first LF that is followed by LF or CRLF, or the section starts empty.
        """
        data = self._data
        if data[:2] == b"\r\n":
            return 0, 2
        if data[:1] == b"\n":
            return 0, 1
        start = self._scanned - 2 if self._scanned > 2 else 0
        i = data.find(b"\n\r\n", start)
        j = data.find(b"\n\n", start, i + 2 if i >= 0 else len(data))
        if j >= 0:
            return j + 1, j + 2
        if i >= 0:
            return i + 1, i + 3
        self._scanned = len(data)
        return -1, -1
