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

from pyserver.channel import CLOSE, Channel, limits_from, serve_buffered

# The app must be imported after patching (an app that did `from time import sleep`
# would otherwise keep the blocking one): under a master, each worker loads it.
LOAD_APP_AFTER_PREPARE = True

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
        channel = Channel(sock, peer, limits, io_timeout=config.timeout)
        me = gevent.getcurrent()
        live[me] = channel
        try:
            while not stopping[0]:
                channel.park(time.monotonic(), config.keepalive, config.header_timeout)
                idle.add(me)
                try:
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

    acceptor = gevent.spawn(accept_loop)
    gevent.spawn(sweep)
    if worker:
        def heartbeat() -> None:
            while worker.alive:
                worker.notify()
                gevent.sleep(0.5)
            stop()
        gevent.spawn(heartbeat)
        worker.ready()
    else:
        gevent.signal_handler(server.TERM, stop)
        server.on_stop(stop)
    acceptor.join()
    pool.join(timeout=config.graceful_timeout)
    pool.kill(block=False)
