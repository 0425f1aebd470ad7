"""wsgi.input: the request body, read through the core's Data events."""
from __future__ import annotations

from pyserver.http1.events import Data, EndOfMessage


class Input:
    """A file-like body stream (read, readline, readlines, iteration).

    ``channel.body_event()`` blocks for the next Data or EndOfMessage; the
    first read of a request that expects ``100 Continue`` sends it first.
    """

    def __init__(self, channel):
        self._channel = channel
        self._buffer = b""
        self._done = False

    def _more(self) -> bool:
        if self._done:
            return False
        event = self._channel.body_event()
        if type(event) is Data:
            self._buffer += event.data
        elif type(event) is EndOfMessage:
            self._done = True
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._more():
                pass
            data, self._buffer = self._buffer, b""
            return data
        while len(self._buffer) < size and self._more():
            pass
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                end += 1
                break
            if size is not None and 0 <= size <= len(self._buffer) or not self._more():
                end = len(self._buffer)
                break
        if size is not None and size >= 0:
            end = min(end, size)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def drain(self) -> None:
        """Read and drop what the app left unread, so the next request can start."""
        while self._more():
            self._buffer = b""
        self._buffer = b""
