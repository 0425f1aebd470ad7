"""One request through a PEP 3333 application: start_response, write, close."""
from __future__ import annotations

import os
import sys
import time
import traceback
from email.utils import formatdate

from pyserver.http1.events import Data, EndOfMessage, ProtocolError, Request, Response
from pyserver.wsgi import environ as environ_mod
from pyserver.wsgi.input import Input

SERVER = b"pyserver"
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailers", "transfer-encoding", "upgrade"})
_ERROR_BODY = b"Internal Server Error"
_ZEROS = memoryview(bytes(65536))
_END = EndOfMessage()   # events are immutable: one end without trailers serves every response


class _DateHeader:
    """RFC 9110 Date, formatted once per second."""

    def __init__(self):
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True).encode()
        return self._value


class FileWrapper:
    """wsgi.file_wrapper: sent with os.sendfile when the socket and file allow it."""

    def __init__(self, filelike, blksize: int = 65536):
        self.filelike, self.blksize = filelike, blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        while True:
            data = self.filelike.read(self.blksize)
            if not data:
                return
            yield data


class AppError(Exception):
    """The app misused the WSGI API or failed after the response had started."""


class WsgiHandler:
    """Serves one request on a channel (see pyserver.channel.Channel)."""

    def __init__(self, app, base_environ: dict, *, access_log: bool = False,
                 keep_alive: bool = True):
        self.app = app
        self.keep_alive = keep_alive    # False: every response closes its connection
        self.base = base_environ
        self.access_log = access_log
        self.date = _DateHeader()

    def __call__(self, channel, request: Request) -> None:
        environ = environ_mod.build(self.base, request, channel.peer)
        body = Input(channel)
        environ["wsgi.input"] = body
        environ["wsgi.file_wrapper"] = FileWrapper
        response = _Response(self, channel, request)
        result = None
        try:
            result = self.app(environ, response.start_response)
            response.send_result(result)
        except (OSError, ProtocolError):
            raise                       # the client went away or sent a bad body: the channel answers
        except Exception:
            traceback.print_exc(file=sys.stderr)
            if response.head_sent:
                raise AppError("the app failed after its response had started") from None
            response.send_error()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    traceback.print_exc(file=sys.stderr)
        if channel.conn.keep_alive:
            body.drain()
        if self.access_log:
            print(f'{channel.peer[0] if channel.peer else "-"} "{environ["REQUEST_METHOD"]} '
                  f'{request.target.decode("latin-1")} {environ["SERVER_PROTOCOL"]}" '
                  f'{response.status_code} {response.sent}', file=sys.stderr, flush=True)


class _Response:
    __slots__ = ("handler", "channel", "request", "status_code", "reason", "headers",
                 "head_sent", "has_length", "remaining", "sent")

    def __init__(self, handler: WsgiHandler, channel, request: Request):
        self.handler, self.channel, self.request = handler, channel, request
        self.status_code = 0
        self.reason = b""
        self.headers: list = []
        self.head_sent = False
        self.has_length = False
        self.remaining = -1     # bytes the app's Content-Length still allows; -1: no length
        self.sent = 0

    def start_response(self, status: str, headers: list, exc_info=None):
        if exc_info is not None:
            try:
                if self.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status_code:
            raise AssertionError("start_response called a second time without exc_info")
        if type(status) is not str or len(status) < 4 or not status[:3].isdigit() or status[3] != " ":
            raise AssertionError(f"status must be a str like '200 OK', not {status!r}")
        out = [(b"Date", self.handler.date()), (b"Server", SERVER)]
        if not self.handler.keep_alive:
            out.append((b"Connection", b"close"))
        length = -1
        for name, value in headers:
            if type(name) is not str or type(value) is not str:
                raise AssertionError(f"header names and values must be str: {(name, value)!r}")
            lname = name.lower()
            if lname in HOP_BY_HOP:
                raise AssertionError(f"hop-by-hop header {name!r} is the server's to set")
            if lname == "content-length":
                length = int(value) if value.isdigit() else -1
            elif lname in ("date", "server"):
                out = [h for h in out if h[0].lower() != lname.encode()]
            out.append((name.encode("latin-1"), value.encode("latin-1")))
        self.status_code = int(status[:3])
        self.reason = status[4:].encode("latin-1")
        self.headers, self.has_length, self.remaining = out, length >= 0, length
        return self.write

    def _fit(self, data: bytes) -> bytes:
        """PEP 3333: never send more than the app's own Content-Length."""
        if self.remaining < 0:
            return data
        data = data[:self.remaining]
        self.remaining -= len(data)
        return data

    def _head(self, extra: tuple = ()) -> bytes:
        if not self.status_code:
            raise AssertionError("the app returned or wrote before calling start_response")
        head = self.channel.conn.send(Response(self.status_code, tuple(self.headers) + extra,
                                               self.reason))
        self.head_sent = True
        return head

    def write(self, data: bytes) -> None:
        if type(data) is not bytes:
            raise AssertionError(f"the app must write bytes, not {type(data).__name__}")
        out = b"" if self.head_sent else self._head()
        data = self._fit(data)
        self.sent += len(data)
        self.channel.send_bytes(out + self.channel.conn.send(Data(data)))

    def send_result(self, result) -> None:
        conn = self.channel.conn
        if type(result) is list and not self.head_sent:
            # The common case: the whole body is known; one write, with a length.
            for part in result:
                if type(part) is not bytes:
                    raise AssertionError(f"the app must yield bytes, not {type(part).__name__}")
            data = self._fit(result[0] if len(result) == 1 else b"".join(result))
            extra = () if self.has_length else ((b"Content-Length", str(len(data)).encode()),)
            head = self._head(extra)
            self.sent = len(data)
            self.channel.send_bytes(head + conn.send(Data(data)) + conn.send(_END))
            return
        if type(result) is FileWrapper and self._sendfile(result):
            return
        for data in result:
            if type(data) is not bytes:
                raise AssertionError(f"the app must yield bytes, not {type(data).__name__}")
            if data:
                self.write(data)
        tail = b"" if self.head_sent else self._head(
            () if self.has_length else ((b"Content-Length", b"0"),))
        self.channel.send_bytes(tail + conn.send(_END))

    def _sendfile(self, wrapper: FileWrapper) -> bool:
        """Send a regular file with os.sendfile; False when it cannot be (send by iteration)."""
        try:
            fileno = wrapper.filelike.fileno()
            offset = wrapper.filelike.tell()
            size = os.fstat(fileno).st_size - offset
        except (AttributeError, OSError, ValueError):
            return False
        if not self.has_length or self.request.method == b"HEAD" or size <= 0 \
                or not self.channel.can_sendfile:
            return False
        count = min(size, self.remaining)       # never past the app's Content-Length
        self.channel.send_bytes(self._head())
        sent = self.channel.sendfile(wrapper.filelike, offset, count)
        self.sent = sent
        self.remaining -= sent
        # Tell the core what sendfile wrote, so it checks the declared length; zeros from
        # one shared buffer stand in for the bytes (the core only counts them).
        conn = self.channel.conn
        for start in range(0, sent, len(_ZEROS)):
            conn.send(Data(_ZEROS[:min(len(_ZEROS), sent - start)]))
        self.channel.send_bytes(conn.send(_END))
        return True

    def send_error(self) -> None:
        self.status_code, self.reason = 500, b"Internal Server Error"
        self.headers = [(b"Date", self.handler.date()), (b"Server", SERVER),
                        (b"Content-Type", b"text/plain"),
                        (b"Content-Length", str(len(_ERROR_BODY)).encode()),
                        (b"Connection", b"close")]
        conn = self.channel.conn
        self.sent = len(_ERROR_BODY)
        self.channel.send_bytes(self._head() + conn.send(Data(_ERROR_BODY)) + conn.send(_END))
