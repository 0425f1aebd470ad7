"""ServerConnection: one HTTP/1.1 connection, server side, without I/O.

Two state machines, one per side: the PEER side (the request we read) and
the OURS side (the response we write). Rules:

* every transition of either side is an entry of TRANSITIONS, below, and
  nowhere else; ``_move`` is the only code that changes a state;
* a move that is not in the table is a local error (RuntimeError) and leaves
  the states unchanged;
* a Request returned by the peer side moves both sides (our side goes from
  WAIT, "nothing to answer yet", to IDLE, "may answer").

Keep-alive, 100-continue and framing are flags and values, not states.
"""
from __future__ import annotations

import enum

from ._buffer import ReceiveBuffer
from ._limits import Limits
from ._readers import BODY_READERS, read_head
from ._writers import error_response, informational_head, response_head
from .events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    ProtocolError,
    Request,
    Response,
)


DEFAULT_LIMITS = Limits()


class Side(enum.Enum):
    PEER = "peer"   # the client: the request side
    OURS = "ours"   # us: the response side

    __hash__ = object.__hash__  # Enum's own __hash__ is Python code; members are singletons


class State(enum.Enum):
    WAIT = "wait"        # OURS only: no request to answer yet
    IDLE = "idle"        # PEER: waiting for a request head; OURS: may answer
    BODY = "body"        # PEER: reading the body; OURS: head sent, sending body
    DONE = "done"        # this cycle's message is complete
    CLOSED = "closed"    # PEER: EOF between requests; OURS: error response sent
    ERROR = "error"      # PEER: sent something we cannot parse

    __hash__ = object.__hash__


class Move(enum.Enum):
    """Transitions that are not driven by an event object."""

    NEXT_CYCLE = "start_next_cycle()"
    ERROR_RESPONSE = "error_response()"

    __hash__ = object.__hash__


TRANSITIONS: dict[Side, dict[State, dict[object, State]]] = {
    Side.PEER: {
        State.IDLE: {Request: State.BODY, ConnectionClosed: State.CLOSED,
                     ProtocolError: State.ERROR},
        State.BODY: {Data: State.BODY, EndOfMessage: State.DONE,
                     ProtocolError: State.ERROR},
        State.DONE: {Move.NEXT_CYCLE: State.IDLE},
        State.CLOSED: {},
        State.ERROR: {},
    },
    Side.OURS: {
        State.WAIT: {Request: State.IDLE, Move.ERROR_RESPONSE: State.CLOSED},
        State.IDLE: {InformationalResponse: State.IDLE, Response: State.BODY,
                     Move.ERROR_RESPONSE: State.CLOSED},
        State.BODY: {Data: State.BODY, EndOfMessage: State.DONE},
        State.DONE: {Move.NEXT_CYCLE: State.WAIT},
        State.CLOSED: {},
    },
}

_PEER = TRANSITIONS[Side.PEER]
_OURS = TRANSITIONS[Side.OURS]


class ServerConnection:
    """Feed bytes with receive_data(), pull events with next_event(), turn
    response events into bytes with send(). See docs/dev/http1-api.md."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits if limits is not None else DEFAULT_LIMITS
        self._buf = ReceiveBuffer()
        self._eof = False
        self._peer = State.IDLE
        self._ours = State.WAIT
        self._error: ProtocolError | None = None
        self._reset_cycle()

    def _reset_cycle(self) -> None:
        self._request: Request | None = None
        self._reader = None
        self._writer = None
        self._keep_alive = True
        self._expect_100 = False

    # -- states ---------------------------------------------------------------

    @property
    def states(self) -> dict[Side, State]:
        return {Side.PEER: self._peer, Side.OURS: self._ours}

    def _move(self, side: Side, key: object) -> None:
        # Subscripts, not dict.get: on free-threaded 3.13, get() locks the shared
        # table, and 256 threads convoy on that lock (docs/free-threading.md).
        if side is Side.PEER:
            try:
                self._peer = _PEER[self._peer][key]
            except KeyError:
                self._illegal(side, self._peer, key)
        else:
            try:
                self._ours = _OURS[self._ours][key]
            except KeyError:
                self._illegal(side, self._ours, key)

    @staticmethod
    def _illegal(side: Side, state: State, key: object):
        name = getattr(key, "__name__", key)
        raise RuntimeError(f"{name} is not allowed when the {side.value} side is {state.value}")

    # -- receiving --------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes from the peer; b"" means the peer closed its sending side."""
        if data:
            if self._eof:
                raise RuntimeError("received data after EOF")
            self._buf += data
        else:
            self._eof = True

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def next_event(self):
        peer = self._peer
        if peer is State.BODY:
            try:
                event = self._reader(self._buf)
                if event is None:
                    if not self._eof:
                        return NEED_DATA
                    event = self._reader.at_eof()
            except ProtocolError as err:
                self._fail(err)
            # Data keeps the peer in BODY (see TRANSITIONS); only the end moves it.
            if type(event) is EndOfMessage:
                self._move(Side.PEER, EndOfMessage)
                self._reader = None
            self._expect_100 = False
            return event
        if peer is State.IDLE:
            try:
                parsed = read_head(self._buf, self.limits)
                if parsed is None:
                    if not self._eof:
                        return NEED_DATA
                    if self._buf:
                        raise ProtocolError(400, "truncated head (EOF before the empty line)")
                    self._move(Side.PEER, ConnectionClosed)
                    return ConnectionClosed()
                request, framing = parsed
                reader = BODY_READERS[framing.kind](framing, self.limits)
            except ProtocolError as err:
                self._fail(err)
            self._move(Side.PEER, Request)
            self._move(Side.OURS, Request)
            self._request = request
            self._reader = reader
            self._begin_cycle(framing)
            return request
        if peer is State.DONE:
            return PAUSED
        if peer is State.CLOSED:
            return ConnectionClosed()
        raise self._error  # State.ERROR

    def _fail(self, err: ProtocolError):
        self._move(Side.PEER, ProtocolError)
        self._error = err
        self._keep_alive = False
        raise err

    def _begin_cycle(self, framing) -> None:
        tokens = framing.connection
        if self._request.http_version == b"1.1":
            self._keep_alive = b"close" not in tokens
            self._expect_100 = framing.expect_continue
        else:  # RFC 9110 §10.1.1: Expect is for HTTP/1.1 requests only
            self._keep_alive = b"keep-alive" in tokens and b"close" not in tokens

    # -- sending ---------------------------------------------------------------

    def send(self, event) -> bytes:
        kind = type(event)
        if kind not in _OURS[self._ours]:
            self._illegal(Side.OURS, self._ours, kind)
        out = self._render(kind, event)  # a ValueError here leaves the state unchanged
        self._move(Side.OURS, kind)
        return out

    def _render(self, kind, event) -> bytes:
        if kind is Data:
            return self._writer.data(event.data)
        if kind is EndOfMessage:
            out = self._writer.end(event.trailers)
            self._writer = None
            return out
        if kind is Response:
            request = self._request
            plan = response_head(event.status, event.headers, event.reason,
                                 method=request.method, http_version=request.http_version,
                                 keep_alive=self._keep_alive and not self._expect_100
                                 and self._peer is not State.ERROR)
            self._keep_alive = plan.keep_alive
            self._writer = plan.writer
            self._expect_100 = False
            return plan.head
        if kind is InformationalResponse:
            out = informational_head(event.status, event.headers, event.reason)
            if event.status == 100:
                self._expect_100 = False
            return out
        raise RuntimeError(f"cannot send {kind.__name__}")  # pragma: no cover

    def error_response(self, err: ProtocolError) -> bytes:
        """A complete response for ``err`` (Connection: close). Returns b"" if
        a response has already been started: then just close."""
        if Move.ERROR_RESPONSE not in _OURS[self._ours]:
            return b""
        self._move(Side.OURS, Move.ERROR_RESPONSE)
        self._keep_alive = False
        return error_response(err.status, err.reason)

    # -- the cycle ---------------------------------------------------------------

    @property
    def expects_continue(self) -> bool:
        return self._expect_100

    @property
    def keep_alive(self) -> bool:
        return self._keep_alive and self._peer is not State.ERROR and self._ours is not State.CLOSED

    @property
    def request_complete(self) -> bool:
        return self._peer is State.DONE

    @property
    def response_complete(self) -> bool:
        return self._ours is State.DONE

    def start_next_cycle(self) -> None:
        if not self.keep_alive:
            raise RuntimeError("start_next_cycle() on a connection that is not keep-alive")
        if self._peer is not State.DONE or self._ours is not State.DONE:
            raise RuntimeError(
                f"start_next_cycle() needs both sides done (peer {self._peer.value}, "
                f"ours {self._ours.value})")
        self._move(Side.PEER, Move.NEXT_CYCLE)
        self._move(Side.OURS, Move.NEXT_CYCLE)
        self._reset_cycle()


__all__ = ["ServerConnection", "Side", "State", "Move", "TRANSITIONS"]
