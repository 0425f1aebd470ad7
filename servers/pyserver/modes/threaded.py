"""threaded: the reactor waits for sockets, a bounded pool of OS threads serves requests."""
from __future__ import annotations

import queue
import sysconfig
import threading

from pyserver.channel import on_readable
from pyserver.modes import Mode
from pyserver.modes.handoff import Handoff
from pyserver.modes.reactor import Reactor


def serve(listener, server, worker) -> None:
    handler = server.handler(multithread=True, multiprocess=server.config.workers > 1)
    ready = _ready_queue()
    reactor = Reactor(listener, server.config, ready.put, exclusive=worker.supervised,
                      heartbeat=worker.notify, should_stop=lambda: not worker.alive)

    def work() -> None:
        while True:
            channel = ready.get()
            if channel is None:
                return
            reactor.finish(channel, on_readable(channel, handler))

    threads = [threading.Thread(target=work, name=f"pyserver-{i}", daemon=True)
               for i in range(server.config.threads)]
    for thread in threads:
        thread.start()
    worker.ready()
    try:
        reactor.run()
    finally:
        for _ in threads:
            ready.put(None)
        for thread in threads:
            thread.join(timeout=1.0)
        if isinstance(ready, Handoff) and not any(thread.is_alive() for thread in threads):
            ready.close()   # else a late worker has yet to read its stop record


def _ready_queue():
    """How readable channels reach the workers: a pipe on a free-threaded build, where
    a SimpleQueue's lock convoys (handoff.py), a SimpleQueue on the standard build,
    where it is the faster of the two (docs/free-threading.md)."""
    return Handoff() if sysconfig.get_config_var("Py_GIL_DISABLED") else queue.SimpleQueue()


MODE = Mode(serve)
