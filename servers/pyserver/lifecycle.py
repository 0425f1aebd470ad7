"""Starting and stopping a server: bind, the READY line, signals, one process or a master."""
from __future__ import annotations

import importlib.util
import os
import signal
import sys
import sysconfig

from pyserver import modes
from pyserver.listeners import open_listeners
from pyserver.wsgi import WsgiHandler
from pyserver.wsgi.environ import base_environ


class Server:
    """What a mode needs: the config and the app."""

    def __init__(self, config, load_app, address: tuple[str, int]):
        self.config = config
        self._load_app = load_app
        self._app = None
        self.address = address

    @property
    def app(self):
        """The WSGI app, imported on first use (after the mode's prepare())."""
        if self._app is None:
            try:
                self._app = self._load_app()
            except ValueError as exc:   # in a worker: one line, and the master exits 2
                print(f"pyserver: error: {exc}", file=sys.stderr, flush=True)
                raise SystemExit(2) from None
        return self._app

    def handler(self, *, multithread: bool, multiprocess: bool) -> WsgiHandler:
        base = base_environ(server_name=self.address[0], server_port=self.address[1],
                            multithread=multithread, multiprocess=multiprocess)
        return WsgiHandler(self.app, base, access_log=self.config.access_log,
                           keep_alive=self.config.keepalive > 0)


class Standalone:
    """The worker context of a mode alone in its process: no master to tell it is
    ready or alive; SIGTERM (graceful) turns ``alive`` False, as a master would."""

    supervised = False

    def __init__(self):
        self.alive = True
        signal.signal(signal.SIGTERM, self._graceful)

    def _graceful(self, signum, frame) -> None:
        self.alive = False

    def notify(self) -> None:
        pass

    def ready(self) -> None:
        pass


def _check_findable(app: str) -> None:
    """The app's top-level package exists (found, not imported: patching comes first)."""
    top = app.partition(":")[0].split(".")[0]
    if "" not in sys.path:
        sys.path.insert(0, "")
    if importlib.util.find_spec(top) is None:
        raise ValueError(f"cannot import {top!r}: no module named {top!r}")


def gil_fields() -> str:
    """The GIL as this process has it after importing the app, read back, not assumed:
    an extension not marked free-threading safe re-enables it at import (PEP 703)."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)   # 3.13+; earlier, always on
    enabled = is_gil_enabled() if is_gil_enabled else True
    build = "free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "default"
    return f"gil_enabled={int(enabled)} python_build={build}"


def ready_line(config, address: tuple[str, int]) -> str:
    host = f"[{address[0]}]" if ":" in address[0] else address[0]
    return (f"READY mode={config.mode} pid={os.getpid()} address=http://{host}:{address[1]} "
            f"workers={config.workers} threads={config.threads} connections={config.connections} "
            f"{gil_fields()}")


def announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(config, load_app) -> int:
    """Serve until stopped; the exit code.

    The app is imported here, after the mode's prepare() (async patches first),
    so a bad app fails before anything listens; except for a mode that must
    import it after patching under a master, where each worker imports it.
    """
    mode = modes.load(config.mode)
    supervised = config.supervised
    if supervised and mode.load_app_after_prepare:
        _check_findable(config.app)     # workers import it; say now if they cannot
    else:
        mode.prepare()
        app = load_app()
        load_app = lambda: app  # noqa: E731 - already loaded
    listeners = open_listeners(config)
    address = listeners.for_slot(0).getsockname()[:2]
    server = Server(config, load_app, address)
    line = ready_line(config, address)
    if supervised:
        from pyserver.arbiter import Arbiter
        arbiter = Arbiter(listeners, lambda sock, worker: mode.serve(sock, server, worker),
                          workers=config.workers, timeout=config.timeout,
                          graceful_timeout=config.graceful_timeout,
                          on_ready=lambda: announce(line))
        return arbiter.run()
    worker = Standalone()
    signal.signal(signal.SIGQUIT, signal.default_int_handler)
    announce(line)
    try:
        mode.serve(listeners.for_slot(0), server, worker)
    except KeyboardInterrupt:   # SIGINT / SIGQUIT: stop now
        return 0
    return 0
