"""The request corpus and the replay helper (after gunicorn's tests/treq.py).

A case is ``requests/{valid,invalid}/NNN.http`` plus its sibling ``NNN.py``.

``NNN.http`` holds the raw bytes with visible escapes: real newlines in the
file are ignored, and ``\\r``, ``\\n``, ``\\t``, ``\\0``, ``\\xHH`` and ``\\\\``
stand for their bytes (Python bytes-literal escapes).

``NNN.py`` is run with ``Limits`` in scope and may set:

* valid cases: ``requests``, a list of dicts with ``method``, ``target``,
  ``version``, ``headers`` (lower-cased names, stripped values, in order),
  ``body`` and ``trailers``; the connection must then end cleanly at EOF
  (ConnectionClosed) unless ``closes = True`` (the last request is not
  keep-alive);
* invalid cases: ``status`` (400/413/414/431/501/505), optionally
  ``requests`` (the valid ones pipelined before the bad one) and
  ``reason`` (a substring of the ProtocolError's reason);
* both: ``limits``, a Limits for this case; ``eof = False`` to not send EOF
  after the bytes (the error must come from the bytes alone).

The replay feeds the bytes to a ServerConnection, answers every request with
an empty 200, and records the events; adjacent Data events are merged, so
every way of splitting the bytes must give the same transcript.
"""
from __future__ import annotations

import codecs
import random
import runpy
from dataclasses import dataclass, field
from pathlib import Path

from pyserver.http1 import Limits, ServerConnection
from pyserver.http1.events import (
    NEED_DATA, PAUSED, ConnectionClosed, Data, EndOfMessage, ProtocolError, Request, Response,
)

ROOT = Path(__file__).parent / "requests"


def decode_http(text: bytes) -> bytes:
    return codecs.escape_decode(text.replace(b"\n", b""))[0]


def encode_http(raw: bytes) -> str:
    """The inverse of decode_http, one visible line per line of the request."""
    out = []
    for b in raw:
        c = chr(b)
        if c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\\":
            out.append("\\\\")
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


@dataclass
class Case:
    name: str
    raw: bytes
    expected: dict = field(default_factory=dict)

    @property
    def limits(self) -> Limits:
        return self.expected.get("limits", Limits())


def load(kind: str) -> list[Case]:
    cases = []
    for path in sorted((ROOT / kind).glob("*.http")):
        expected = runpy.run_path(str(path.with_suffix(".py")), init_globals={"Limits": Limits})
        expected = {k: v for k, v in expected.items() if not k.startswith("__") and k != "Limits"}
        cases.append(Case(f"{kind}/{path.stem}", decode_http(path.read_bytes()), expected))
    return cases


# -- ways to split the bytes ---------------------------------------------------

def whole(raw: bytes, seed: int = 0) -> list[bytes]:
    return [raw]


def byte_by_byte(raw: bytes, seed: int = 0) -> list[bytes]:
    return [raw[i:i + 1] for i in range(len(raw))]


def line_by_line(raw: bytes, seed: int = 0) -> list[bytes]:
    return raw.splitlines(keepends=True)


def random_chunks(raw: bytes, seed: int = 0) -> list[bytes]:
    rnd = random.Random(seed)
    out, i = [], 0
    while i < len(raw):
        n = rnd.randint(1, 16)
        out.append(raw[i:i + n])
        i += n
    return out


SPLITS = {"whole": whole, "bytes": byte_by_byte, "lines": line_by_line,
          **{f"random{s}": (lambda raw, seed=0, s=s: random_chunks(raw, s)) for s in range(4)}}


# -- replay -------------------------------------------------------------------------

def replay(chunks: list[bytes], limits: Limits, eof: bool = True) -> list[object]:
    """Drive a connection with these chunks; return the transcript: events
    (Data merged), then the ProtocolError if one was raised, or the string
    "closes" if the connection could not go on after a request."""
    conn = ServerConnection(limits)
    pending = [c for c in chunks if c] + ([b""] if eof else [])
    out: list[object] = []
    while True:
        try:
            event = conn.next_event()
        except ProtocolError as err:
            out.append(err)
            return out
        if event is NEED_DATA:
            if not pending:
                out.append("need-data")
                return out
            conn.receive_data(pending.pop(0))
            continue
        if event is PAUSED:
            conn.send(Response(200, ((b"Content-Length", b"0"),)))
            conn.send(EndOfMessage())
            if not conn.keep_alive:
                out.append("closes")
                return out
            conn.start_next_cycle()
            continue
        if type(event) is Data and out and type(out[-1]) is Data:
            out[-1] = Data(out[-1].data + event.data)
        else:
            out.append(event)
        if type(event) is ConnectionClosed:
            return out


def transcript_of(requests: list[dict]) -> list[object]:
    """The events a list of expected request dicts stands for."""
    out: list[object] = []
    for r in requests:
        out.append(Request(r["method"], r["target"], r["version"], tuple(r.get("headers", ()))))
        if r.get("body"):
            out.append(Data(r["body"]))
        out.append(EndOfMessage(tuple(r.get("trailers", ()))))
    return out
