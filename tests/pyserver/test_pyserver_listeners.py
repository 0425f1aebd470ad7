"""pyserver.listeners: a socket per worker slot on one port, or one shared socket;
a port another server listens on is refused even with SO_REUSEPORT."""
from __future__ import annotations

import socket

import pytest

from pyserver import config, listeners


def settings(port: int = 0, **changes) -> config.Config:
    return config.resolve({"mode": "forked", "app": "a:b", "workers": 2,
                           "bind": ("127.0.0.1", port), **changes})


@pytest.fixture
def per_worker():
    opened = listeners.open_listeners(settings())
    yield opened
    opened.close()


def test_each_slot_has_its_own_socket_on_the_same_port(per_worker):
    first, second = per_worker.for_slot(0), per_worker.for_slot(1)
    assert first is not second
    assert first.getsockname() == second.getsockname()
    assert per_worker.for_slot(1) is second             # opened once, then held
    assert per_worker.others(1) == [first]


def test_a_released_slot_socket_stops_listening(per_worker):
    port = per_worker.for_slot(0).getsockname()[1]
    released = per_worker.for_slot(1)
    per_worker.keep_slots(1)
    assert released.fileno() == -1
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass                                            # slot 0 still listens
    assert per_worker.others(0) == []


def test_shared_gives_every_slot_the_one_socket():
    shared = listeners.open_listeners(settings(listener="shared"))
    try:
        assert shared.for_slot(0) is shared.for_slot(3)
        assert shared.others(0) == []
        shared.keep_slots(0)
        assert shared.for_slot(0).fileno() != -1        # never closed by a slot
    finally:
        shared.close()


def test_a_port_in_use_is_refused_despite_reuse_port(per_worker):
    port = per_worker.for_slot(0).getsockname()[1]
    with pytest.raises(OSError):
        listeners.open_listeners(settings(port))


def test_one_process_gets_a_plain_socket():
    alone = listeners.open_listeners(settings(mode="threaded", workers=1))
    try:
        sock = alone.for_slot(0)
        assert not sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
    finally:
        alone.close()
