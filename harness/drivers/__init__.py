"""Load generators, by name: each builds its tool's argv and parses its machine-readable
output only, and returns one LoadOutcome.

    outcome = drivers.get("wrk").drive(LoadJob(url=server.url, target="/hello",
                                               duration_s=10, connections=64, cpus="0"))

- wrk.py: closed loop, saturation (connections);
- vegeta.py: open loop, a fixed rate, latency from each request's scheduled send time;
- locust.py: user scenarios, optionally master/worker.

Any failure of a driver (bad arguments, a tool missing, killed at its deadline,
unreadable output) is a DriverError. Nothing here imports a driver until it is
asked for.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from harness.drivers.outcome import LoadOutcome

DRIVERS = ("wrk", "vegeta", "locust")


class DriverError(RuntimeError):
    """A load tool could not run the load or its output could not be read; says why,
    with the tool's output tail where there is one."""


@dataclass(frozen=True)
class LoadJob:
    """One load run, as every driver reads it (each uses what its loop needs)."""

    url: str                        # the server's base URL
    target: str                     # path and query of the request
    duration_s: float
    connections: int | None = None  # closed loop: wrk connections, locust users
    rate: float | None = None       # open loop: requests per second (vegeta)
    method: str = "GET"
    body: bytes | None = None
    wait_s: float = 0.0             # the workload's known wait per request
    cpus: str | None = None         # taskset list for the tool
    work_dir: Path | None = None    # raw/ of the run (a temporary folder if None)
    scenario: str = "endpoint"      # locust only
    locust_workers: int = 0         # locust only


class Driver(Protocol):
    """What a driver module provides (PEP 544: a module can satisfy a protocol)."""

    def drive(self, job: LoadJob) -> LoadOutcome: ...


def get(name: str) -> Driver:
    """The driver called ``name``; an unknown name is a ValueError listing the known ones."""
    if name not in DRIVERS:
        raise ValueError(f"unknown driver {name!r}; known: {', '.join(DRIVERS)}")
    return importlib.import_module(f"harness.drivers.{name}")


__all__ = ["DRIVERS", "Driver", "DriverError", "LoadJob", "LoadOutcome", "get"]
