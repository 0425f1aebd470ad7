"""forked: single-threaded worker processes; each serves ready requests inline.

The master (pyserver.arbiter) supervises; a worker is the reactor with a
pool of one, the loop's own thread, so keep-alive costs no thread.
"""
from __future__ import annotations

from pyserver.channel import on_readable
from pyserver.modes import Mode
from pyserver.modes.reactor import Reactor


def serve(listener, server, worker) -> None:
    handler = server.handler(multithread=False, multiprocess=True)
    reactor: Reactor

    def inline(channel) -> None:
        reactor.finish(channel, on_readable(channel, handler))

    reactor = Reactor(listener, server.config, inline, exclusive=True,
                      heartbeat=worker.notify, should_stop=lambda: not worker.alive)
    worker.ready()
    reactor.run()


MODE = Mode(serve)
