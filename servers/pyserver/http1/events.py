"""Events of the sans-I/O HTTP/1.1 core: small frozen values, compared by value.

Header names are lower-cased bytes; values are bytes with surrounding
whitespace stripped; order is kept.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Request:
    method: bytes          # e.g. b"GET"
    target: bytes          # request-target as sent, e.g. b"/io?ms=5"
    http_version: bytes    # b"1.1" or b"1.0"
    headers: Headers


@dataclass(frozen=True)
class InformationalResponse:
    status: int            # 100..199 (we only send 100 Continue)
    headers: Headers = ()
    reason: bytes = b""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers
    reason: bytes = b""


@dataclass(frozen=True)
class Data:
    data: bytes


@dataclass(frozen=True)
class EndOfMessage:
    trailers: Headers = ()


@dataclass(frozen=True)
class ConnectionClosed:
    """The peer closed its side cleanly between requests."""


class Sentinel(enum.Enum):
    NEED_DATA = "need more bytes before the next event"
    PAUSED = "this cycle is done; call start_next_cycle() after the response"


NEED_DATA = Sentinel.NEED_DATA
PAUSED = Sentinel.PAUSED


@dataclass
class ProtocolError(Exception):
    """The request cannot be served; answer ``status`` and close the connection."""

    status: int            # 400, 413, 414, 431, 501, 505
    reason: str = field(default="")

    def __str__(self) -> str:
        return f"{self.status} {self.reason}"
