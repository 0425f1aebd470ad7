"""Concurrency modes by name, imported only when asked for (gevent only for async).

Each mode module has ``serve(listener, server, worker)``: run one process of
the mode until it is told to stop. ``server`` is a pyserver.lifecycle.Server
(config, app handler); ``worker`` is the arbiter's WorkerContext, or None
when the mode runs alone in the process.
"""
from __future__ import annotations

import importlib

MODES = {
    "threaded": "pyserver.modes.threaded",
    "forked": "pyserver.modes.forked",
    "async": "pyserver.modes.async_",
}


def load(name: str):
    try:
        return importlib.import_module(MODES[name])
    except KeyError:
        raise ValueError(f"unknown mode {name!r}; the modes are {', '.join(MODES)}") from None
