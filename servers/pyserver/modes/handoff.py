"""Readable channels from the reactor's thread to idle worker threads, through a pipe.

Idle workers wait in read(2) on one pipe, in the kernel, not on a Python lock.
With a queue.SimpleQueue, free-threaded CPython 3.13 lost a third of its /io
throughput to the queue's own lock: put() wakes a waiting worker while it still
holds the queue's per-object lock, and the woken worker, retaking that lock on
its way out of get(), spins on it with sched_yield (PyMutex, Python/lock.c).
See docs/free-threading.md for the measurements. A blocked reader of a pipe
holds nothing, so its wake-up costs no Python lock.

Each record is a socket's fd, 4 bytes: writes up to PIPE_BUF are atomic
(pipe(7), https://man7.org/linux/man-pages/man7/pipe.7.html), so a reader always
gets one whole record. An fd names one channel while it is in flight: it is not
closed, so not reused, until its worker hands the channel back to the reactor.
"""
from __future__ import annotations

import os

_RECORD = 4
_STOP = (1 << 32) - 1       # no fd: tells one worker to exit


class Handoff:
    def __init__(self):
        self._read_fd, self._write_fd = os.pipe()
        self._in_flight: dict = {}      # fd -> channel, from put to get

    def put(self, channel) -> None:
        """Hand a channel to one worker; None tells one worker to exit (as for a queue)."""
        if channel is None:
            os.write(self._write_fd, _STOP.to_bytes(_RECORD, "little"))
            return
        fd = channel.sock.fileno()
        self._in_flight[fd] = channel
        os.write(self._write_fd, fd.to_bytes(_RECORD, "little"))

    def get(self):
        """The next channel to serve, waiting for one; None when told to stop."""
        fd = int.from_bytes(os.read(self._read_fd, _RECORD), "little")
        if fd == _STOP:
            return None
        return self._in_flight.pop(fd)

    def close(self) -> None:
        os.close(self._read_fd)
        os.close(self._write_fd)
