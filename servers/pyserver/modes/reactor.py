"""The epoll loop of the threaded and forked modes.

It accepts connections and waits for them to become readable; every idle
keep-alive connection and every slow client waits here, on no thread. A
readable connection is handed to ``dispatch`` (a thread pool in threaded
mode, the loop's own thread in forked mode), which calls ``finish`` when done.
Connections are registered EPOLLONESHOT, so exactly one thread owns a
connection between its wake-up and its re-arming.
"""
from __future__ import annotations

import select
import signal
import socket
import time

from pyserver.channel import CLOSE, Channel, limits_from

_READ = select.EPOLLIN | select.EPOLLONESHOT | select.EPOLLRDHUP


class Reactor:
    def __init__(self, listener: socket.socket, config, dispatch, *, exclusive: bool = False,
                 heartbeat=lambda: None, should_stop=lambda: False):
        self.listener = listener
        self.config = config
        self.dispatch = dispatch
        self.heartbeat = heartbeat
        self.should_stop = should_stop
        self.limits = limits_from(config)
        self.channels: dict[int, Channel] = {}
        self.epoll = select.epoll()
        self._listen_flags = select.EPOLLIN | (select.EPOLLEXCLUSIVE if exclusive else 0)
        self._listening = False
        self._stopping = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.epoll.register(self._wake_r.fileno(), select.EPOLLIN)
        listener.setblocking(False)
        self._listen(True)

    # -- called from any thread ------------------------------------------------

    def finish(self, channel: Channel, outcome: str) -> None:
        """A dispatched channel is done for now: re-arm it, or close it."""
        if outcome is CLOSE or self._stopping or not self.config.keepalive:
            self._close(channel)
            return
        now = time.monotonic()
        channel.park(now, self.config.keepalive, self.config.header_timeout)
        if now > channel.deadline:      # a head dribbled in too slowly (slowloris)
            self._close(channel)
            return
        channel.parked = True
        try:
            self.epoll.modify(channel.sock.fileno(), _READ)
        except (OSError, ValueError):   # closed meanwhile by the idle sweep
            self._close(channel)

    def stop(self) -> None:
        """Stop accepting; the loop ends once in-flight requests are done."""
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    # -- the loop's own thread -------------------------------------------------

    def run(self) -> None:
        signal_fd_set = False
        try:
            signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
            signal_fd_set = True
        except ValueError:
            pass    # not the main thread: stop() wakes the loop instead
        next_sweep = time.monotonic() + 1.0
        listen_fd, wake_fd = self.listener.fileno(), self._wake_r.fileno()
        deadline = None
        try:
            while True:
                if self.should_stop():
                    self._stopping = True
                if self._stopping:
                    if deadline is None:
                        deadline = time.monotonic() + self.config.graceful_timeout
                        self._listen(False)
                        # A worker's own socket must die now, not when it exits: the
                        # kernel would go on queueing connections that nobody accepts.
                        self.listener.close()
                    self._close_parked()
                    if not self.channels or time.monotonic() > deadline:
                        return
                for fd, _ in self.epoll.poll(1.0):
                    if fd == listen_fd:
                        self._accept()
                    elif fd == wake_fd:
                        try:
                            self._wake_r.recv(4096)
                        except OSError:
                            pass
                    else:
                        channel = self.channels.get(fd)
                        if channel is not None and channel.parked:
                            channel.parked = False
                            self.dispatch(channel)
                now = time.monotonic()
                if now >= next_sweep:
                    next_sweep = now + 1.0
                    self.heartbeat()
                    self._sweep(now)
        finally:
            if signal_fd_set:
                signal.set_wakeup_fd(-1)
            for channel in list(self.channels.values()):
                self._close(channel)
            self.epoll.close()

    def _listen(self, on: bool) -> None:
        try:
            if on and not self._listening and not self._stopping:
                self.epoll.register(self.listener.fileno(), self._listen_flags)
            elif not on and self._listening:
                self.epoll.unregister(self.listener.fileno())
        except (FileExistsError, FileNotFoundError):
            pass    # another thread got there first
        self._listening = on and not self._stopping

    def _accept(self) -> None:
        cap = self.config.connections
        while len(self.channels) < cap:
            try:
                sock, peer = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:     # e.g. EMFILE: try again on the next wake-up
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self.config.timeout)
            channel = Channel(sock, peer, self.limits)
            channel.park(time.monotonic(), self.config.keepalive, self.config.header_timeout)
            channel.parked = True
            self.channels[sock.fileno()] = channel
            self.epoll.register(sock.fileno(), _READ)
        self._listen(False)     # at the cap: leave further clients in the backlog

    def _sweep(self, now: float) -> None:
        """Cut off idle keep-alive connections and clients too slow to send a head."""
        for channel in list(self.channels.values()):
            if channel.parked and now > channel.deadline:
                self._close(channel)

    def _close_parked(self) -> None:
        for channel in list(self.channels.values()):
            if channel.parked:
                self._close(channel)

    def _close(self, channel: Channel) -> None:
        channel.parked = False
        try:
            fd = channel.sock.fileno()
        except OSError:
            fd = -1
        if fd >= 0 and self.channels.get(fd) is channel:
            del self.channels[fd]
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass
        channel.close()
        if not self._listening and not self._stopping and len(self.channels) < self.config.connections:
            self._listen(True)
