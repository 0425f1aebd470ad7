"""async: one thread, gevent's event loop, one greenlet per connection.

gevent's monkey-patching happens here, when the mode starts, never at import
of any other pyserver module: a blocking call in the app (time.sleep, socket
I/O) then yields to the other connections, as in Node.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import time

from pyserver.channel import CLOSE, NO_DEADLINE, Channel, limits_from, serve_buffered
from pyserver.modes import Mode

# gevent is an optional extra (it does not build on free-threaded CPython): say so when
# the mode is chosen, before anything listens. find_spec, not import: patching comes first.
if importlib.util.find_spec("gevent") is None:
    raise ValueError("--mode async needs gevent, which is not installed: "
                     "pip install 'concurrency-arena[async]' (or gevent)")


def prepare() -> None:
    """Patch the standard library for gevent: before the app is imported."""
    from gevent import monkey
    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


class GeventChannel(Channel):
    """A Channel whose socket calls cost one request what they must (profiled with
    py-spy on /io at 256 connections, docs/http1.md):

    * a response goes out with one send() on the raw non-blocking socket; gevent's
      sendall runs only for what the kernel did not take (its own sendall asks for
      SO_SNDBUF with a getsockopt on every call, and loops in Python);
    * ``wait_readable`` parks on the socket's own read watcher before a keep-alive
      recv: the client's next request is rarely there yet, and a recv that fails
      with EAGAIN costs a syscall and an exception before gevent waits anyway.
    """

    __slots__ = ("raw_send", "raw_recv")

    def __init__(self, sock, peer, limits, io_timeout: float):
        super().__init__(sock, peer, limits, io_timeout)
        self.raw_send = sock._sock.send     # gevent keeps the real socket non-blocking
        self.raw_recv = sock._sock.recv

    def send_bytes(self, data: bytes) -> None:
        try:
            sent = self.raw_send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            self.deadline = time.monotonic() + self.io_timeout
            self.sock.sendall(memoryview(data)[sent:])
            self.deadline = NO_DEADLINE     # the app's own time is not a stall

    def wait_readable(self) -> None:
        sock = self.sock
        sock._wait(sock._read_event)

    def receive(self, refresh: bool = True) -> bool:
        """One recv into the core, waiting for bytes if none are there; False at EOF."""
        try:
            data = self.raw_recv(65536)
        except BlockingIOError:
            if refresh:
                self.deadline = time.monotonic() + self.io_timeout
            data = self.sock.recv(65536)
            if refresh:
                self.deadline = NO_DEADLINE
        self.conn.receive_data(data)
        return bool(data)


def serve(listener, server, worker) -> None:
    prepare()
    import gevent
    import gevent.socket
    from gevent.pool import Pool

    config = server.config
    handler = server.handler(multithread=True, multiprocess=config.workers > 1)
    limits = limits_from(config)
    # The listener was made before patching: wrap its file descriptor cooperatively.
    gsock = gevent.socket.socket(listener.family, listener.type, fileno=os.dup(listener.fileno()))
    listener.close()
    pool = Pool(config.connections)
    stopping = [False]

    idle: set = set()   # greenlets waiting for a request: closed at once on stop
    live: dict = {}     # greenlet -> its channel, for the deadline sweep

    def connection(sock, peer) -> None:
        # No socket timeouts: gevent would arm a libev timer for every wait. Deadlines
        # (idle, mid-head, each read or write) are checked by one sweeping greenlet.
        channel = GeventChannel(sock, peer, limits, io_timeout=config.timeout)
        me = gevent.getcurrent()
        live[me] = channel
        try:
            while not stopping[0]:
                channel.park(time.monotonic(), config.keepalive, config.header_timeout)
                idle.add(me)
                try:
                    channel.wait_readable()
                    channel.receive(refresh=False)
                except OSError:     # the client is gone
                    return
                finally:
                    idle.discard(me)
                if serve_buffered(channel, handler) is CLOSE or not config.keepalive:
                    return
        finally:
            live.pop(me, None)
            channel.close()

    def sweep() -> None:
        while True:
            gevent.sleep(0.5)
            now = time.monotonic()
            for greenlet, channel in list(live.items()):
                if now > channel.deadline:
                    greenlet.kill(block=False)

    def accept_loop() -> None:
        while not stopping[0]:
            pool.wait_available()
            try:
                sock, peer = gsock.accept()
            except OSError:
                if stopping[0]:
                    return
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pool.spawn(connection, sock, peer)

    def stop() -> None:
        stopping[0] = True
        gsock.close()
        for greenlet in list(idle):
            greenlet.kill(block=False)

    def heartbeat() -> None:
        while worker.alive:
            worker.notify()
            gevent.sleep(0.5)
        stop()

    acceptor = gevent.spawn(accept_loop)
    gevent.spawn(sweep)
    gevent.spawn(heartbeat)
    worker.ready()
    acceptor.join()
    pool.join(timeout=config.graceful_timeout)
    pool.kill(block=False)


# The app must be imported after patching (an app that did `from time import sleep`
# would otherwise keep the blocking one): under a master, each worker loads it.
MODE = Mode(serve, prepare, load_app_after_prepare=True)
