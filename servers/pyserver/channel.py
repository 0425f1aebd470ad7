"""One client connection: a socket, the sans-I/O core, and the loop that serves
every request whose head is already buffered. Shared by all modes: a mode only
decides who waits for the socket to become readable.
"""
from __future__ import annotations

import socket
import sys
import time
import traceback

from pyserver.http1 import Limits, ServerConnection
from pyserver.http1.events import NEED_DATA, InformationalResponse, ProtocolError, Request
from pyserver.wsgi.handler import AppError

NO_DEADLINE = float("inf")
TCP_CLOSE = 7      # include/net/tcp_states.h: what a socket becomes on a reset
PARK = "park"      # wait for more bytes, then call on_readable again
CLOSE = "close"    # the connection is finished


class Channel:
    __slots__ = ("sock", "peer", "conn", "can_sendfile", "deadline", "head_deadline",
                 "parked", "io_timeout", "__weakref__")

    def __init__(self, sock: socket.socket, peer, limits: Limits, io_timeout: float = 0.0):
        self.sock = sock
        self.peer = peer if isinstance(peer, tuple) else None
        self.conn = ServerConnection(limits)
        self.can_sendfile = hasattr(sock, "sendfile")
        self.deadline = 0.0          # when a parked channel is cut off
        self.head_deadline = None    # set while a request head is incomplete
        self.parked = False
        # Where the socket has no timeout of its own (async mode), each read and write
        # moves the deadline a sweeper enforces; 0 means the socket's timeout rules.
        self.io_timeout = io_timeout

    def send_bytes(self, data: bytes) -> None:
        if self.io_timeout:
            self.deadline = time.monotonic() + self.io_timeout
            self.sock.sendall(data)
            self.deadline = NO_DEADLINE     # the app's own time is not a stall
        else:
            self.sock.sendall(data)

    def sendfile(self, file, offset: int, count: int) -> int:
        if not self.io_timeout:
            return self.sock.sendfile(file, offset, count)
        self.deadline = time.monotonic() + self.io_timeout
        sent = self.sock.sendfile(file, offset, count)
        self.deadline = NO_DEADLINE
        return sent

    def receive(self, refresh: bool = True) -> bool:
        """One recv into the core; False at EOF. ``refresh=False`` keeps an idle deadline."""
        if self.io_timeout and refresh:
            self.deadline = time.monotonic() + self.io_timeout
        data = self.sock.recv(65536)
        if self.io_timeout:
            self.deadline = NO_DEADLINE
        self.conn.receive_data(data)
        return bool(data)

    def body_event(self):
        """The next body event of the current request, reading as needed (wsgi.input)."""
        conn = self.conn
        while True:
            event = conn.next_event()
            if event is not NEED_DATA:
                return event
            if conn.expects_continue:
                self.send_bytes(conn.send(InformationalResponse(100)))
            if not self.receive():
                event = conn.next_event()   # at EOF the core raises "truncated body"
                if event is NEED_DATA:
                    raise ProtocolError(400, "truncated body")
                return event

    def park(self, now: float, keepalive: float, header_timeout: float) -> None:
        """Note when a waiting channel must be cut off: idle, or mid-head (slowloris)."""
        if self.conn.buffered:
            if self.head_deadline is None:
                self.head_deadline = now + header_timeout
            self.deadline = self.head_deadline
        else:
            self.head_deadline = None
            self.deadline = now + keepalive

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def on_readable(channel: Channel, handler) -> str:
    """Read what arrived and serve every complete request; PARK or CLOSE."""
    try:
        channel.receive()
    except OSError:
        return CLOSE
    return serve_buffered(channel, handler)


def serve_buffered(channel: Channel, handler) -> str:
    """Serve every request whose head is already buffered; PARK or CLOSE."""
    conn = channel.conn
    try:
        event = conn.next_event()
        while type(event) is Request:
            channel.head_deadline = None
            if peer_reset(channel.sock):
                return CLOSE    # nobody to answer: do not spend a worker on it
            handler(channel, event)
            if not conn.keep_alive:
                return CLOSE
            conn.start_next_cycle()
            event = conn.next_event()
        return PARK if event is NEED_DATA else CLOSE
    except ProtocolError as error:
        try:
            channel.send_bytes(conn.error_response(error))
        except (OSError, RuntimeError):
            pass
        return CLOSE
    except (OSError, AppError):
        return CLOSE        # the client went away, timed out, or the app broke mid-response
    except Exception:       # a bug of ours: log it, drop this connection, keep serving
        traceback.print_exc(file=sys.stderr)
        return CLOSE


def peer_reset(sock) -> bool:
    """Did the client reset the connection? Then it is certainly gone.

    A request can wait long before it is served (in the listen backlog, or for a
    thread), and its client may give up meanwhile. A reset (RST) puts the socket in
    TCP_CLOSE and is certain. A FIN (the socket in CLOSE_WAIT) is not: a client that
    shut down only its writing side (HTTP/1.0 style, shutdown(SHUT_WR)) still waits
    for its answer, and one that closed entirely looks the same until it is sent
    something. So only a reset drops the work; see docs/pyserver-forked-balance.md.
    """
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == TCP_CLOSE
    except (OSError, IndexError):
        return False    # not TCP (a Unix socket), or no TCP_INFO here


def limits_from(config) -> Limits:
    return Limits(max_request_line=config.limit_request_line,
                  max_header_fields=config.limit_request_fields,
                  max_header_field_size=config.limit_request_field_size,
                  max_body=config.max_body)
