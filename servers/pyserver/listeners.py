"""Listening sockets: one shared by every worker, or one per worker slot.

A *slot* is a worker's place under the master (0 .. workers-1): a replacement
(after a crash, a --timeout kill or SIGHUP) takes the slot of the worker it
replaces. With ``--listener per-worker`` every slot has its own SO_REUSEPORT
socket on the same address, and the kernel spreads new connections over them
by a hash of the 4-tuple; the master opens them and holds them across
respawns, so connections queued for a dead worker wait for its replacement
instead of being reset. Why this, and not one shared socket: see
docs/pyserver-forked-balance.md.
"""
from __future__ import annotations

import socket


def bind(config, *, reuse_port: bool, port: int | None = None) -> socket.socket:
    """A listening socket on ``config.bind`` (or on ``port`` of its host)."""
    host, configured = config.bind
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if reuse_port and port is None and configured:
        _refuse_if_taken(family, (host, configured))
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, configured if port is None else port))
        sock.listen(config.backlog)
    except OSError:
        sock.close()
        raise
    return sock


def _refuse_if_taken(family: int, address: tuple[str, int]) -> None:
    """EADDRINUSE if something listens on ``address`` already. With SO_REUSEPORT the
    bind itself would succeed beside another server of the same user (a stale one,
    say) and quietly share its connections; a plain bind tells."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


class SharedListener:
    """Every slot accepts from the one socket (the kernel wakes the waiters)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def for_slot(self, slot: int) -> socket.socket:
        return self.sock

    def others(self, slot: int) -> list[socket.socket]:
        return []

    def keep_slots(self, count: int) -> None:
        pass

    def close(self) -> None:
        _close(self.sock)


class PerWorkerListeners:
    """A SO_REUSEPORT socket per slot, opened by the master on first use and held
    by it until the slot is given up (SIGTTOU) or the server stops."""

    def __init__(self, config, first: socket.socket):
        self.config = config
        self.port = first.getsockname()[1]     # port 0 resolved by the first bind
        self.slots: dict[int, socket.socket] = {0: first}

    def for_slot(self, slot: int) -> socket.socket:
        sock = self.slots.get(slot)
        if sock is None:
            sock = self.slots[slot] = bind(self.config, reuse_port=True, port=self.port)
        return sock

    def others(self, slot: int) -> list[socket.socket]:
        """The sockets a worker of ``slot`` closes after the fork: a slot's socket must
        die with its last holder, and a worker must not keep its neighbours' alive."""
        return [sock for other, sock in self.slots.items() if other != slot]

    def keep_slots(self, count: int) -> None:
        """Give up the slots from ``count`` on (SIGTTOU), whether or not a worker
        still holds one. Connections still queued on a slot's socket are reset when
        its last holder closes it, unless net.ipv4.tcp_migrate_req=1 (Linux >= 5.14)
        moves them to a sibling socket."""
        for slot in [slot for slot in self.slots if slot >= count]:
            _close(self.slots.pop(slot))

    def close(self) -> None:
        self.keep_slots(0)


def open_listeners(config):
    """The listeners for ``config``: the first socket is bound now (a bad address fails
    before anything starts), the other slots' sockets when their worker is spawned."""
    per_worker = config.listener == "per-worker" and config.supervised
    first = bind(config, reuse_port=per_worker)
    return PerWorkerListeners(config, first) if per_worker else SharedListener(first)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
