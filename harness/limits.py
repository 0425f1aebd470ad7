"""Theoretical ceilings for one measured point, the efficiency against them, and a verdict.

Pure arithmetic, no I/O. Little's law, L = lambda W (https://loadtest.help/knowledge/littles-law.html),
and the utilisation law, U = X S (https://www.informit.com/articles/article.aspx?p=170721&seqNum=2):

- **Little's law** (I/O waits): throughput <= in-flight capacity / latency, where the
  in-flight capacity is the smaller of the client's connections and the server's
  concurrency slots (unbounded for greenlets, goroutines and event loops; for threads
  and processes, what the running server showed: see :func:`observed_slots`) and the
  latency is the least a request can take (the workload's known wait plus its known
  CPU time). Slots that cannot be read back are unknown, and so is this ceiling.
- **The interactive response-time law** (closed loop with think time, locust):
  throughput <= N / (Z + R) for N users thinking Z seconds between requests that take
  at least R (Denning & Buzen, "The Operational Analysis of Queueing Network Models",
  ACM Computing Surveys 10(3), 1978, https://doi.org/10.1145/356733.356735).
- **CPU (utilisation law)**: throughput <= usable cores / CPU service time. Usable
  cores are the cores the server was given, capped by how many can run the app's code
  at once: one per process for Python (the GIL) and Node (one event loop per
  process), every core for Go, and one per thread for Python whose GIL is read back off;
  minus the cores' worth the load generator used on them when it shared the server's cores.
- **The load path's ceiling** (``/hello``): what nginx returning the same bytes did on
  the same placement, driven by the same generator at the same connections, measured in
  the same campaign (harness/launch/ceiling.py). Where it is measured it replaces the
  generator's ceiling, which is an extrapolation.
- **The generator's own ceiling**: a run that used share ``s`` of its cores to send
  ``X`` req/s could at most send about ``X / s`` (CPU cost per request assumed flat).
- **The offered rate** of an open-loop run: a server cannot answer more than is sent.

The limit of a point is the smallest ceiling that applies; ``kind`` names it (on a tie,
the first of cpu, littles-law, interactive, offered-rate, load-path, generator). ``kind`` is
"unknown-slots" (and ``rps`` None) when Little's law would apply but the server's
slots could not be read back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

# A generator above 90% of the CPU it may use measured itself (Locust warns at 90%).
GENERATOR_BOUND_SHARE = 0.90
# Errors above 1% of attempts: the run did not measure a working server.
ERROR_SHARE = 0.01
# Efficiency at or above 0.9: the server reached the ceiling; the model, not the
# implementation, decided the number.
LIMIT_REACHED = 0.90
# Other processes used more than a tenth of the machine: the run is noisy.
NOISY_FOREIGN_SHARE = 0.10
# On a CPU-bound point with at least one connection per worker process, every worker
# should carry about 1/N of the workers' CPU. Under half of that even share a worker sat
# idle while a core waited: pyserver's shared listening socket gave its idler worker 1% of
# the CPU against gunicorn sync's 50% (docs/pyserver-forked-balance.md), far outside the
# few points repeats move. The run then measured the balancing, not the model.
IDLE_WORKER_FRACTION = 0.5
# Workloads whose requests are CPU-bound: where an idle worker leaves a core unused.
CPU_BOUND_WORKLOADS = frozenset({"cpu"})
# Measured against computed figures (a rate against its ceiling, CPU against the cores,
# requests against rate x duration) may disagree by the edges of the measuring window:
# a 4 s run at c256 and 50 ms counts up to 256 requests started before the window
# (1.25% of 5,120 req/s), so 5% is the slack before "above" means impossible.
WINDOW_SLACK = 0.05
# Latency of a closed-loop run in which some connections were never answered: its
# percentiles describe only the requests that completed (row.latency_kind).
SERVED_ONLY_LATENCY = "served-only"

# Concurrency models whose in-flight capacity is not a fixed number of slots.
UNBOUNDED_MODELS = frozenset({"async", "goroutines", "event-loop", "cluster"})
# Runtimes that execute application code on one core per process.
ONE_CORE_PER_PROCESS = frozenset({"python", "node"})

VERDICTS = ("server", "limit", "generator", "errors", "noisy", "imbalance", "")


@dataclass(frozen=True)
class Limit:
    """The smallest applicable ceiling in req/s (None: none is known) and which one it is."""

    rps: float | None
    kind: str               # "littles-law" | "cpu" | "interactive" | "load-path" | "generator"
                            # | "offered-rate" | "unknown-slots" | ""
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


@dataclass(frozen=True)
class Slots:
    """A server's in-flight capacity as it ran (None: unknown) and where the figure came from."""

    count: float | None
    source: str


def _int(value: object) -> int | None:
    try:
        n = int(str(value))
    except ValueError:
        return None
    return n if n >= 1 else None


def observed_slots(model: str, workers: int, threads: int, seen: dict | None) -> Slots:
    """The concurrency slots of a running server, from what it showed (``seen``: the
    row's parallelism, harness/measure/parallelism.observe), never from the catalog alone.

    In order: unbounded models need none; the server's own account (its READY line
    or /_arena/info: ``reported_workers`` x ``reported_threads``); the catalog's
    ``workers x threads`` where /proc confirms it, i.e. the tree has at least that
    many OS threads and at most one more per process (a master, an accept loop or a
    worker's main thread that serves nothing); else every OS thread of the tree (a
    blocking request holds a thread, so no more can be in flight: an upper bound,
    as for granian, whose catalog says 1 thread but which runs its own blocking
    pool). Nothing read back: unknown.
    """
    if model in UNBOUNDED_MODELS:
        return Slots(math.inf, "unbounded")
    seen = seen or {}
    rw, rt = _int(seen.get("reported_workers")), _int(seen.get("reported_threads"))
    if rw and rt:
        return Slots(float(rw * rt), f"{rw} x {rt} reported by the server")
    os_threads, processes = _int(seen.get("os_threads")), _int(seen.get("processes"))
    if not os_threads or not processes:
        return Slots(None, "no thread count read back")
    catalog_slots = concurrency_slots(model, workers, threads)
    if catalog_slots <= os_threads <= catalog_slots + processes:
        return Slots(catalog_slots, f"{workers} x {threads}, {os_threads} threads in /proc")
    return Slots(float(os_threads), f"{os_threads} threads in {processes} process(es) in /proc "
                                    f"(catalog: {workers} x {threads})")


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


def interactive_law(users: int, think_s: float, response_s: float) -> float | None:
    """N / (Z + R): the most a closed loop of N users thinking Z seconds can send."""
    if users < 1 or think_s + response_s <= 0:
        return None
    return users / (think_s + response_s)


@dataclass(frozen=True)
class PathCeiling:
    """The load path's measured ceiling for a run: req/s and the run that measured it."""

    rps: float
    run_id: str

    def as_limit(self) -> Limit:
        return Limit(self.rps, "load-path", f"the load path's measured ceiling {self.rps:,.0f} req/s "
                                            f"(nginx returning the same bytes, run {self.run_id})")


def limit(*, model: str, runtime: str, workers: int, threads: int, cores: int,
          seen: dict | None, connections: int | None = None, rate: float | None = None,
          wait_s: float = 0.0, cpu_service_s: float = 0.0, think_s: float | None = None,
          generator_cores: float = 0.0, generator_rps: float | None = None,
          path_ceiling: PathCeiling | None = None, measured_cpu_s: float | None = None) -> Limit:
    """The smallest ceiling that applies to one point.

    ``seen`` is the parallelism read back from the running server (its slots come
    from it). ``wait_s`` is the workload's known wait per request (``/io?ms=50`` ->
    0.05), ``cpu_service_s`` its known CPU time per request (calibrated kernel time),
    both 0 when unknown (``/hello``). ``connections`` is the closed loop's client
    count, ``rate`` the open loop's offered req/s. ``think_s`` (users' think time,
    locust) makes the interactive law the closed loop's ceiling in place of the
    generator's (``generator_rps``). ``generator_cores`` is the cores' worth of CPU
    the generator used on the server's cores (:func:`generator_cores_on`).
    ``path_ceiling``, where the campaign measured it, bounds the run in place of the
    generator's extrapolated ceiling. ``measured_cpu_s`` is the server CPU the run itself
    spent per request (None: too little CPU to say); where it is below ``cpu_service_s``
    the calibration overstated the work (taken in another process, on a busier moment of
    the VM), and the CPU ceiling uses the run's own figure: a request cannot have needed
    more CPU than the server spent on it. The GIL state comes from ``seen`` too (``gil_enabled`` False only on a free-threaded
    build that kept it off).
    """
    candidates: list[Limit] = []
    slots = observed_slots(model, workers, threads, seen)
    latency = wait_s + cpu_service_s
    gil_enabled = (seen or {}).get("gil_enabled") is not False    # as read back
    cpu = _cpu_candidate(runtime, workers, threads, cores, cpu_service_s, generator_cores,
                         gil_enabled, measured_cpu_s)
    if cpu is not None:
        candidates.append(cpu)
    if slots.count is not None:
        in_flight = min(slots.count, connections) if connections else slots.count
        little = littles_law(in_flight, latency)
        if little is not None:
            who = "connections" if connections is not None and connections <= slots.count \
                else f"slots: {slots.source}"
            candidates.append(Limit(little, "littles-law",
                                    f"{in_flight:g} in flight ({who}) / {latency * 1e3:g} ms"))
    if think_s is not None and connections:
        users = interactive_law(connections, think_s, latency)
        if users is not None:
            candidates.append(Limit(users, "interactive", f"{connections} users / ({think_s * 1e3:g} ms "
                                                          f"think + {latency * 1e3:g} ms response)"))
    if rate is not None and rate > 0:
        candidates.append(Limit(float(rate), "offered-rate", f"{rate:g} req/s offered"))
    if path_ceiling is not None and path_ceiling.rps > 0:
        candidates.append(path_ceiling.as_limit())
    elif think_s is None and generator_rps is not None and generator_rps > 0:
        candidates.append(Limit(generator_rps, "generator",
                                f"generator ceiling {generator_rps:.0f} req/s"))
    unknown = slots.count is None and latency > 0
    if unknown:     # the generator's ceiling is an extrapolation, not a bound on the server
        candidates = [c for c in candidates if c.kind != "generator"]
    if not candidates:
        return (Limit(None, "unknown-slots", f"Little's law needs the slots: {slots.source}") if unknown
                else Limit(None, "", "no known service time"))
    # a ceiling that is known still bounds the run when Little's law cannot be told
    best = min(candidates, key=lambda c: c.rps)
    return replace(best, detail=f"{best.detail}; Little's law unknown: {slots.source}") if unknown else best


def _cpu_candidate(runtime: str, workers: int, threads: int, cores: int, service_s: float,
                   generator_cores: float, gil_enabled: bool, measured_s: float | None) -> Limit | None:
    usable = cpu_parallelism(runtime, workers, cores, gil_enabled=gil_enabled, threads=threads)
    detail = f"{usable} core(s)"
    if generator_cores > 0:
        usable = min(usable, max(cores - generator_cores, 0.0))
        detail = f"{usable:.2f} core(s) ({cores} less {generator_cores:.2f} the generator used on them)"
    of_cpu = f"{service_s * 1e3:g} ms of CPU"
    if service_s > 0 and measured_s is not None and 0 < measured_s < service_s:
        of_cpu = f"{measured_s * 1e3:.4g} ms of CPU (the run's own; calibrated {service_s * 1e3:g})"
        service_s = measured_s
    ceiling = cpu_ceiling(usable, service_s)
    if ceiling is None:
        return None
    return Limit(ceiling, "cpu", f"{detail} / {of_cpu}")


def generator_cores_on(generator_cpu_s: float | None, duration_s: float, load_cpus: frozenset[int],
                       server_cpus: frozenset[int]) -> float:
    """Cores' worth of CPU the generator took from the server's cores: its CPU seconds per
    second, the part of it on the cores both share (spread evenly over its own cores)."""
    shared = load_cpus & server_cpus
    if not shared or not generator_cpu_s or duration_s <= 0 or not load_cpus:
        return 0.0
    return generator_cpu_s / duration_s * len(shared) / len(load_cpus)


def efficiency(achieved_rps: float, limit_rps: float | None) -> float | None:
    """achieved / limit (None without a limit)."""
    if limit_rps is None or limit_rps <= 0:
        return None
    return achieved_rps / limit_rps


def error_share(errors: int, requests: int) -> float:
    """Errors as a share of attempts (answered requests plus socket errors)."""
    attempts = requests + errors
    return errors / attempts if attempts else 0.0


def worker_idled(*, workload: str, workers: int | None, connections: int | None,
                 idlest_share: float | None) -> bool:
    """True when a worker process of a multi-process server idled on a CPU-bound point
    that had work for all of them (IDLE_WORKER_FRACTION of its even share or less)."""
    if workload not in CPU_BOUND_WORKLOADS or idlest_share is None or not workers or workers < 2:
        return False
    if connections is None or connections < workers:
        return False
    return idlest_share < IDLE_WORKER_FRACTION / workers


def connections_unserved(*, connections: int | None, rps: float | None,
                         latency_max_ms: float | None) -> bool:
    """True when, in a closed loop, connections / rps (the mean time a request took,
    Little's law, counting the ones never answered) exceeds the slowest latency recorded:
    some connections waited the whole run without an answer, which no percentile shows."""
    if not connections or not rps or rps <= 0 or latency_max_ms is None:
        return False
    return connections / rps * 1000 > latency_max_ms * (1 + WINDOW_SLACK)


def verdict(*, status: str = "ok", error_share: float = 0.0,
            generator_share: float | None = None, foreign_share: float | None = None,
            efficiency: float | None = None, idle_worker: bool = False) -> str:
    """What limited the run, most damning first.

    "errors" (above ERROR_SHARE), "generator" (more than GENERATOR_BOUND_SHARE of
    the generator's CPUs was busy: it measured itself, or a neighbour starved it; the
    caller passes the larger of the two shares), "noisy" (other processes
    used more than NOISY_FOREIGN_SHARE of the machine), "imbalance" (a worker process
    idled while work queued on another: :func:`worker_idled`), "limit" (efficiency >=
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
    if idle_worker:
        return "imbalance"
    if efficiency is not None and efficiency >= LIMIT_REACHED:
        return "limit"
    return "server"
