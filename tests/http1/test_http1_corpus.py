"""The request corpus, replayed under every way of splitting the bytes."""
from __future__ import annotations

import pytest

from http1_corpus import SPLITS, load, replay, transcript_of
from pyserver.http1.events import ConnectionClosed, Data, ProtocolError

VALID = load("valid")
INVALID = load("invalid")


def test_corpus_is_there():
    assert len(VALID) >= 20 and len(INVALID) >= 60


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("case", VALID, ids=lambda c: c.name)
def test_valid(case, split):
    exp = case.expected
    events = replay(SPLITS[split](case.raw), case.limits, exp.get("eof", True))
    tail = ["closes"] if exp.get("closes") else [ConnectionClosed()]
    assert events == transcript_of(exp["requests"]) + tail


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid(case, split):
    exp = case.expected
    events = replay(SPLITS[split](case.raw), case.limits, exp.get("eof", True))
    err = events[-1]
    assert isinstance(err, ProtocolError), events
    assert err.status == exp["status"], err
    assert exp.get("reason", "") in err.reason
    if "requests" in exp:
        assert events[:-1][:len(transcript_of(exp["requests"]))] == transcript_of(exp["requests"])
    # the same transcript however the bytes arrive, except for how much of
    # the bad request's body was handed out before the error was seen
    def frame(evs):
        return [e for e in evs if type(e) is not Data]
    assert frame(events) == frame(replay([case.raw], case.limits, exp.get("eof", True)))


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid_stays_dead(case):
    """After a ProtocolError the connection raises it again and answers with
    a complete error response that closes."""
    from pyserver.http1 import ServerConnection

    conn = ServerConnection(case.limits)
    conn.receive_data(case.raw)
    if case.expected.get("eof", True):
        conn.receive_data(b"")
    with pytest.raises(ProtocolError) as info:
        for _ in range(100):
            event = conn.next_event()
            if event.__class__.__name__ == "Sentinel" and event.name == "PAUSED":
                from pyserver.http1.events import EndOfMessage, Response
                conn.send(Response(200, ((b"Content-Length", b"0"),)))
                conn.send(EndOfMessage())
                conn.start_next_cycle()
    with pytest.raises(ProtocolError):
        conn.next_event()
    assert not conn.keep_alive
    out = conn.error_response(info.value)
    assert out.startswith(b"HTTP/1.1 %d " % case.expected["status"])
    assert b"\r\nConnection: close\r\n" in out
