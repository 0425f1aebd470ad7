"""Concurrency modes by name, imported only when asked for (gevent only for async).

Each mode module defines ``MODE``, a :class:`Mode`: ``serve(listener, server,
worker)`` runs one process of the mode until ``worker.alive`` turns False.
``server`` is a pyserver.lifecycle.Server (config, app handler); ``worker`` is
what the process sees of its supervisor: the arbiter's WorkerContext under a
master, a pyserver.lifecycle.Standalone when the mode runs alone. Both have
``alive``, ``supervised``, ``notify()`` and ``ready()``, so a mode never asks
which one it has.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

MODULES = {             # the mode names, listed once (config.py takes them from here)
    "threaded": "pyserver.modes.threaded",
    "forked": "pyserver.modes.forked",
    "async": "pyserver.modes.async_",
}
NAMES = tuple(MODULES)


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Mode:
    serve: Callable[..., None]          # serve(listener, server, worker)
    prepare: Callable[[], None] = _nothing      # before the app is imported
    # Under a master, import the app in each worker after prepare(), not once in the
    # master before the fork (async: gevent must patch before the app's imports).
    load_app_after_prepare: bool = False


def load(name: str) -> Mode:
    try:
        module = MODULES[name]
    except KeyError:
        raise ValueError(f"unknown mode {name!r}; the modes are {', '.join(NAMES)}") from None
    return importlib.import_module(module).MODE
