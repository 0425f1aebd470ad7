"""Theoretical ceilings for one measured point, the efficiency against them, and a verdict.

Pure arithmetic, no I/O (RESEARCH.md section 8):

- **Little's law** (I/O waits): throughput <= in-flight capacity / latency, where the
  in-flight capacity is the smaller of the client's connections and the server's
  concurrency slots (workers x threads for threads and processes; unbounded for
  greenlets, goroutines and event loops) and the latency is the least a request can
  take (the workload's known wait plus its known CPU time).
- **CPU (utilisation law)**: throughput <= usable cores / CPU service time. Usable
  cores are the cores the server was given, capped by how many can run the app's code
  at once: one per process for Python (the GIL) and Node (one event loop per
  process), every core for Go, and one per thread for Python whose GIL is off.
- **The generator's own ceiling**: a run that used share ``s`` of its cores to send
  ``X`` req/s could at most send about ``X / s`` (CPU cost per request assumed flat).
- **The offered rate** of an open-loop run: a server cannot answer more than is sent.

The limit of a point is the smallest ceiling that applies; ``kind`` names it (on a tie,
the first of cpu, littles-law, offered-rate, generator).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# A generator above 90% of the CPU it may use measured itself (Locust warns at 90%).
GENERATOR_BOUND_SHARE = 0.90
# Errors above 1% of attempts: the run did not measure a working server.
ERROR_SHARE = 0.01
# Efficiency at or above 0.9: the server reached the ceiling; the model, not the
# implementation, decided the number.
LIMIT_REACHED = 0.90
# Other processes used more than a tenth of the machine: the run is noisy.
NOISY_FOREIGN_SHARE = 0.10

# Concurrency models whose in-flight capacity is not a fixed number of slots.
UNBOUNDED_MODELS = frozenset({"async", "goroutines", "event-loop", "cluster"})
# Runtimes that execute application code on one core per process.
ONE_CORE_PER_PROCESS = frozenset({"python", "node"})

VERDICTS = ("server", "limit", "generator", "errors", "noisy", "")


@dataclass(frozen=True)
class Limit:
    """The smallest applicable ceiling in req/s (None: none is known) and which one it is."""

    rps: float | None
    kind: str               # "littles-law" | "cpu" | "generator" | "offered-rate" | ""
    detail: str = ""


def concurrency_slots(model: str, workers: int, threads: int) -> float:
    """Requests a server can hold in flight at once (math.inf for greenlets, goroutines, loops)."""
    if model in UNBOUNDED_MODELS:
        return math.inf
    if workers < 1 or threads < 1:
        raise ValueError(f"workers and threads must be >= 1, got {workers} x {threads}")
    return float(workers * threads)


def cpu_parallelism(runtime: str, workers: int, cores: int, *, gil_enabled: bool = True,
                    threads: int = 1) -> int:
    """Cores that can run application code at once: one per process for Python and Node.

    Python without the GIL (free-threaded CPython, PEP 703, with ``gil_enabled`` read back
    False from the running server) runs every thread at once: workers x threads, up to the
    cores. https://docs.python.org/3.13/howto/free-threading-python.html
    """
    if cores < 1:
        raise ValueError(f"cores must be >= 1, got {cores}")
    if runtime == "python" and not gil_enabled:
        return max(1, min(workers * threads, cores))
    if runtime in ONE_CORE_PER_PROCESS:
        return max(1, min(workers, cores))
    return cores


def littles_law(in_flight: float, latency_s: float) -> float | None:
    """in-flight capacity / latency (None when the latency is not positive or capacity unbounded)."""
    if latency_s <= 0 or math.isinf(in_flight) or in_flight <= 0:
        return None
    return in_flight / latency_s


def cpu_ceiling(cores: float, service_s: float) -> float | None:
    """cores / CPU service time per request (None without a positive service time)."""
    if service_s <= 0 or cores <= 0:
        return None
    return cores / service_s


def generator_ceiling(achieved_rps: float, generator_share: float | None) -> float | None:
    """What the generator could have sent at 100% of its CPUs: achieved / share used."""
    if generator_share is None or generator_share <= 0 or achieved_rps <= 0:
        return None
    return achieved_rps / min(generator_share, 1.0)


def limit(*, model: str, runtime: str, workers: int, threads: int, cores: int,
          connections: int | None = None, rate: float | None = None,
          wait_s: float = 0.0, cpu_service_s: float = 0.0,
          generator_rps: float | None = None, gil_enabled: bool = True) -> Limit:
    """The smallest ceiling that applies to one point.

    ``wait_s`` is the workload's known wait per request (``/io?ms=50`` -> 0.05),
    ``cpu_service_s`` its known CPU time per request (calibrated kernel time), both 0
    when unknown (``/hello``). ``connections`` is the closed loop's client count,
    ``rate`` the open loop's offered req/s, ``generator_rps`` the generator's ceiling,
    ``gil_enabled`` the GIL state the running server reported (False only on a
    free-threaded build that kept it off).
    """
    candidates: list[Limit] = []
    slots = concurrency_slots(model, workers, threads)
    in_flight = min(slots, connections) if connections else slots
    latency = wait_s + cpu_service_s
    usable = cpu_parallelism(runtime, workers, cores, gil_enabled=gil_enabled, threads=threads)
    cpu = cpu_ceiling(usable, cpu_service_s)
    if cpu is not None:
        candidates.append(Limit(cpu, "cpu", f"{usable} core(s) / {cpu_service_s * 1e3:g} ms of CPU"))
    little = littles_law(in_flight, latency)
    if little is not None:
        who = "connections" if connections is not None and connections <= slots else "slots"
        candidates.append(Limit(little, "littles-law",
                                f"{in_flight:g} in flight ({who}) / {latency * 1e3:g} ms"))
    if rate is not None and rate > 0:
        candidates.append(Limit(float(rate), "offered-rate", f"{rate:g} req/s offered"))
    if generator_rps is not None and generator_rps > 0:
        candidates.append(Limit(generator_rps, "generator",
                                f"generator ceiling {generator_rps:.0f} req/s"))
    if not candidates:
        return Limit(None, "", "no known service time")
    return min(candidates, key=lambda c: c.rps)


def efficiency(achieved_rps: float, limit_rps: float | None) -> float | None:
    """achieved / limit (None without a limit)."""
    if limit_rps is None or limit_rps <= 0:
        return None
    return achieved_rps / limit_rps


def error_share(errors: int, requests: int) -> float:
    """Errors as a share of attempts (answered requests plus socket errors)."""
    attempts = requests + errors
    return errors / attempts if attempts else 0.0


def verdict(*, status: str = "ok", error_share: float = 0.0,
            generator_share: float | None = None, foreign_share: float | None = None,
            efficiency: float | None = None) -> str:
    """What limited the run, most damning first.

    "errors" (above ERROR_SHARE), "generator" (more than GENERATOR_BOUND_SHARE of
    the generator's CPUs was busy: it measured itself, or a neighbour starved it; the
    caller passes the larger of the two shares), "noisy" (other processes
    used more than NOISY_FOREIGN_SHARE of the machine), "limit" (efficiency >=
    LIMIT_REACHED: the theoretical ceiling was reached), else "server". A run that did
    not measure (status other than "ok") has no verdict ("").
    """
    if status != "ok":
        return ""
    if error_share > ERROR_SHARE:
        return "errors"
    if generator_share is not None and generator_share > GENERATOR_BOUND_SHARE:
        return "generator"
    if foreign_share is not None and foreign_share > NOISY_FOREIGN_SHARE:
        return "noisy"
    if efficiency is not None and efficiency >= LIMIT_REACHED:
        return "limit"
    return "server"
