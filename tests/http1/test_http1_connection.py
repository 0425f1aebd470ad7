"""The state table, EOF handling, limits and the receive buffer."""
from __future__ import annotations

import dataclasses
import time

import pytest

from pyserver.http1 import Limits, ServerConnection
from pyserver.http1._buffer import ReceiveBuffer
from pyserver.http1._connection import TRANSITIONS, Side, State
from pyserver.http1.events import (
    NEED_DATA, PAUSED, ConnectionClosed, EndOfMessage, ProtocolError, Request, Response,
)


def test_table_covers_every_state_and_leads_only_to_known_states():
    peer_states = set(TRANSITIONS[Side.PEER])
    ours_states = set(TRANSITIONS[Side.OURS])
    assert peer_states == set(State) - {State.WAIT}
    assert ours_states == set(State) - {State.ERROR}
    for side, states in TRANSITIONS.items():
        for state, moves in states.items():
            for new in moves.values():
                assert new in states, (side, state, new)


def test_states_through_a_cycle():
    conn = ServerConnection()
    assert conn.states == {Side.PEER: State.IDLE, Side.OURS: State.WAIT}
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    conn.next_event()
    assert conn.states == {Side.PEER: State.BODY, Side.OURS: State.IDLE}
    conn.next_event()
    assert conn.states == {Side.PEER: State.DONE, Side.OURS: State.IDLE}
    conn.send(Response(200, ((b"Content-Length", b"0"),)))
    assert conn.states[Side.OURS] is State.BODY
    conn.send(EndOfMessage())
    assert conn.states[Side.OURS] is State.DONE
    conn.start_next_cycle()
    assert conn.states == {Side.PEER: State.IDLE, Side.OURS: State.WAIT}


def test_eof_between_requests_is_connection_closed_and_stays_so():
    conn = ServerConnection()
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"\r\n")  # an empty line before a request line is ignored
    conn.receive_data(b"")
    assert conn.next_event() == ConnectionClosed()
    assert conn.next_event() == ConnectionClosed()
    assert conn.states[Side.PEER] is State.CLOSED
    with pytest.raises(RuntimeError):
        conn.receive_data(b"GET")


def test_eof_after_request_pauses_then_closes():
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    conn.receive_data(b"")
    assert type(conn.next_event()) is Request
    assert conn.next_event() == EndOfMessage()
    assert conn.next_event() is PAUSED
    conn.send(Response(200, ((b"Content-Length", b"0"),)))
    conn.send(EndOfMessage())
    assert conn.keep_alive  # EOF alone does not stop pipelined requests being served
    conn.start_next_cycle()
    assert conn.next_event() == ConnectionClosed()


def test_error_is_raised_again():
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/9.9\r\nHost: h\r\n\r\n")
    with pytest.raises(ProtocolError) as first:
        conn.next_event()
    with pytest.raises(ProtocolError) as second:
        conn.next_event()
    assert first.value is second.value
    assert str(first.value) == "505 HTTP version not supported"
    assert conn.states[Side.PEER] is State.ERROR


def test_limits_are_frozen_with_documented_defaults():
    limits = Limits()
    assert (limits.max_request_line, limits.max_header_fields, limits.max_header_field_size,
            limits.max_body) == (8190, 100, 8190, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_body = 1


def test_default_limits_accept_a_large_head():
    conn = ServerConnection()
    head = b"GET /" + b"a" * 8000 + b" HTTP/1.1\r\nHost: h\r\n" + b"X-Big: " + b"b" * 8000 + b"\r\n" \
        + b"".join(b"X-%d: v\r\n" % i for i in range(97)) + b"\r\n"
    conn.receive_data(head)
    req = conn.next_event()
    assert len(req.headers) == 99


@pytest.mark.parametrize("data,expected", [
    (b"", (-1, -1)),
    (b"\r\n", (0, 2)),
    (b"\n", (0, 1)),
    (b"A: 1\r\n\r\n", (6, 8)),
    (b"A: 1\n\n", (5, 6)),
    (b"A: 1\n\r\n", (5, 7)),
    (b"A: 1\r\n\n", (6, 7)),
    (b"A: 1\r\nB: 2\n\nC\r\n\r\n", (11, 12)),
    (b"A: 1\r\r\n", (-1, -1)),
    (b"A: 1\r\nB", (-1, -1)),
])
def test_find_section_end(data, expected):
    buf = ReceiveBuffer()
    buf += data
    assert buf.find_section_end() == expected
    # the same answer when the bytes arrive one at a time
    buf = ReceiveBuffer()
    found = (-1, -1)
    for i in range(len(data)):
        buf += data[i:i + 1]
        found = buf.find_section_end()
        if found != (-1, -1):
            break
    assert found == expected


def test_byte_by_byte_head_is_linear():
    """A 400 kB head fed one byte at a time: the failed searches resume where
    they stopped, so this takes well under a second (quadratic would not)."""
    limits = Limits(max_header_fields=100_000)
    head = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: 0123456789\r\n" * 24_000 + b"\r\n"
    conn = ServerConnection(limits)
    start = time.perf_counter()
    event = NEED_DATA
    for i in range(len(head)):
        conn.receive_data(head[i:i + 1])
        event = conn.next_event()
    assert type(event) is Request
    assert time.perf_counter() - start < 5
