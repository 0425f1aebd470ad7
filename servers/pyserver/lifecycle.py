"""Starting and stopping a server: bind, the READY line, signals, one process or a master."""
from __future__ import annotations

import os
import signal
import socket
import sys

from pyserver import modes
from pyserver.wsgi import WsgiHandler
from pyserver.wsgi.environ import base_environ


class Server:
    """What a mode needs: the config, the app, and how to learn it must stop."""

    TERM = signal.SIGTERM

    def __init__(self, config, app, address: tuple[str, int]):
        self.config = config
        self.app = app
        self.address = address
        self._stop = False
        self._stoppers: list = []

    def handler(self, *, multithread: bool, multiprocess: bool) -> WsgiHandler:
        base = base_environ(server_name=self.address[0], server_port=self.address[1],
                            multithread=multithread, multiprocess=multiprocess)
        return WsgiHandler(self.app, base, access_log=self.config.access_log)

    def stop_requested(self) -> bool:
        return self._stop

    def on_stop(self, stop) -> None:
        self._stoppers.append(stop)

    def request_stop(self, *_) -> None:
        self._stop = True
        for stop in self._stoppers:
            stop()


def bind(config) -> socket.socket:
    host, port = config.bind
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(config.backlog)
    return sock


def ready_line(config, address: tuple[str, int]) -> str:
    host = f"[{address[0]}]" if ":" in address[0] else address[0]
    return (f"READY mode={config.mode} pid={os.getpid()} address=http://{host}:{address[1]} "
            f"workers={config.workers} threads={config.threads} connections={config.connections}")


def announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(config, app) -> int:
    """Serve until stopped; the exit code."""
    mode = modes.load(config.mode)
    listener = bind(config)
    address = listener.getsockname()[:2]
    server = Server(config, app, address)
    line = ready_line(config, address)
    if config.mode == "forked" or config.workers > 1:
        from pyserver.arbiter import Arbiter
        arbiter = Arbiter(listener, lambda sock, worker: mode.serve(sock, server, worker),
                          workers=config.workers, timeout=config.timeout,
                          graceful_timeout=config.graceful_timeout,
                          on_ready=lambda: announce(line))
        return arbiter.run()
    signal.signal(signal.SIGTERM, server.request_stop)
    signal.signal(signal.SIGQUIT, signal.default_int_handler)
    announce(line)
    try:
        mode.serve(listener, server, None)
    except KeyboardInterrupt:   # SIGINT / SIGQUIT: stop now
        return 0
    return 0
