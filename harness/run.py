"""One measured point: launch -> ready -> verify -> warm up -> measure -> stop -> one row.

    result = run_point(Point(campaign="c", run_id="go.io.wrk.c64.r1", server="go",
                             workload="io", load=LoadSpec(driver="wrk", connections=64)),
                       raw_dir=Path("results/c/raw/go.io.wrk.c64.r1"))

- The server starts natively (own process group, pinned to ``server_cpus`` with
  taskset, output teed to ``raw_dir/<server>.log``), sized for that many cores;
  or, with ``launcher="docker"``, in its family's container (``--cpuset-cpus``
  from ``server_cpus``, ``--memory`` from ``memory``, the host network, logs in
  ``raw_dir/<server>.docker.log``), removed afterwards.
- It is verified against the workload contract first; a server that fails gives a
  row with status ``not-verified`` and nothing is measured.
- A warm-up (the same driver and load, not recorded; wrk for locust, and wrk at a
  few connections for vegeta, so an overloaded point queues nothing) precedes the
  measurement. The effective parallelism is read back after warm-up.
- While the driver runs pinned to ``load_cpus``, /proc is sampled for the server
  tree's CPU and RSS and the machine's busy time. A container's processes are
  sampled the same way through their host pids, so both launchers' rows compare;
  the engine's stats are kept beside them in raw/, and are the row's CPU and
  memory when the engine is remote (no host pids to read).
- The server is stopped whatever happens (Ctrl-C included). A server that died
  during the measurement, a driver that failed, or a launch that failed give a row
  with status ``failed`` and the reason.
- The row carries the theoretical limit, the efficiency against it and the
  bottleneck verdict (harness/limits.py).
"""
from __future__ import annotations

import datetime as _dt
import http.client
import json
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from harness import catalog, limits, servers
from harness.drivers import locust as locust_driver
from harness.drivers import vegeta as vegeta_driver
from harness.drivers import wrk as wrk_driver
from harness.drivers.outcome import LoadOutcome
from harness.launch.native import LaunchError, RunningServer
from harness.measure import parallelism, resources
from harness.measure.host import git_sha
from harness.specs import SCHEMA_VERSION, LoadSpec, RunResult, ServerSpec
from harness.verify import verify
from workloads import contract

DRIVERS = ("wrk", "vegeta", "locust")
ECHO_BYTES = 1024
# wrk's per-request timeout: long enough that a queue behind few workers (gunicorn sync
# at 256 connections and 50 ms waits queues for seconds) is measured, not cut into errors
WRK_TIMEOUT_S = 10
WARMUP_CONNECTIONS = 4      # an open-loop point's warm-up (see _drive)
# vegeta's per-request timeout: a request of a fixed-rate schedule still unanswered
# after 3 s (60x the 50 ms wait) is one the server has fallen behind on; waiting longer
# only lengthens every run past a model's knee
VEGETA_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Workload:
    """A workload as the load tools see it: one request, and what is known of its cost."""

    name: str
    target: str            # path and query
    method: str = "GET"
    body: bytes | None = None
    wait_s: float = 0.0    # known wait per request (I/O)
    cpu_n: int = 0         # kernel iterations per request


def workload(name: str, *, io_ms: int = 50, cpu_n: int = 80_000) -> Workload:
    """The request for a contract workload with its parameters; unknown name = error."""
    if name not in contract.WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; the contract has: {', '.join(contract.WORKLOADS)}")
    if io_ms < 0 or cpu_n < 0:
        raise ValueError("io_ms and cpu_n must be >= 0")
    return {
        "hello": Workload("hello", "/hello"),
        "json": Workload("json", "/json"),
        "io": Workload("io", f"/io?ms={io_ms}", wait_s=io_ms / 1000),
        "cpu": Workload("cpu", f"/cpu?n={cpu_n}", cpu_n=cpu_n),
        "mixed": Workload("mixed", f"/mixed?ms={io_ms}&n={cpu_n}", wait_s=io_ms / 1000, cpu_n=cpu_n),
        "upstream": Workload("upstream", f"/upstream?ms={io_ms}", wait_s=io_ms / 1000),
        "echo": Workload("echo", "/echo", method="POST", body=bytes(range(256)) * (ECHO_BYTES // 256)),
    }[name]


@dataclass(frozen=True)
class Point:
    """Everything one run needs; the sweep makes these, `arena run` makes one."""

    campaign: str
    run_id: str
    server: str
    workload: str
    load: LoadSpec
    repeat: int = 1
    order: int = 1
    io_ms: int = 50
    cpu_n: int = 80_000
    cpu_service_s: float | None = None      # calibrated kernel CPU time at cpu_n, this runtime
    server_cpus: str | None = "1"
    load_cpus: str | None = "0"
    scenario: str = "endpoint"              # locust only
    locust_workers: int = 0                 # locust only
    timeout_s: float = 60.0                 # server start-up
    launcher: str = "native"                # "native" | "docker" (servers.LAUNCHERS)
    memory: str | None = None               # container memory limit ("512m"); docker only


@dataclass
class Measured:
    """A run's row plus what did not fit in it (for raw/)."""

    result: RunResult
    outcome: LoadOutcome | None = None
    usage: resources.Usage | None = None
    parallelism: dict = field(default_factory=dict)
    limit: limits.Limit | None = None


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _wait_drained(url: str, path: str, timeout: float = 60.0) -> None:
    """Wait until the server answers a fresh request after the warm-up.

    A server far below the offered concurrency keeps working through requests the
    warm-up left queued after the load tool stopped; measured at once, that backlog
    would bleed into the measurement (seen: a one-worker forked server at 256
    connections answered nothing in a 3 s run). Bounded; never fatal.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()


def _drive(url: str, wl: Workload, point: Point, *, duration_s: float, work_dir: Path | None,
           warmup: bool = False) -> LoadOutcome:
    """Run the point's driver once for ``duration_s``.

    A warm-up of a locust point uses wrk at its users; of a vegeta point, wrk at
    WARMUP_CONNECTIONS (GET workloads): offered at the point's rate, a warm-up would
    leave a server past its capacity with seconds of queued requests to work off
    first (a 20 req/s server offered 4,000/s for 1 s), while a few closed-loop
    connections warm the same code path and queue nothing.
    """
    load = point.load
    cpus = point.load_cpus
    ncpu = wrk_driver.count_cpus(cpus)
    driver = "wrk" if warmup and load.driver != "wrk" and wl.method == "GET" else load.driver
    if driver == "wrk":
        if wl.method != "GET":
            raise ValueError(f"wrk drives GET only; {wl.name} needs vegeta")
        conns = WARMUP_CONNECTIONS if warmup and load.driver == "vegeta" else load.connections or 1
        threads = max(1, min(ncpu, conns))
        r = wrk_driver.run_wrk(url + wl.target, connections=conns, threads=threads,
                               duration_s=max(1, round(duration_s)), cpus=cpus, work_dir=work_dir,
                               timeout_s=WRK_TIMEOUT_S)
        lat = r.latency
        ms = lambda us: None if us is None else us / 1000  # noqa: E731
        return LoadOutcome(
            driver="wrk", loop="closed", requests=r.requests, errors_connect=r.errors.connect,
            errors_read=r.errors.read, errors_write=r.errors.write, errors_timeout=r.errors.timeout,
            errors_status=r.errors.status, duration_s=r.duration_us / 1e6, rps=r.rps,
            latency_p50_ms=ms(lat.p50_us), latency_p90_ms=ms(lat.p90_us), latency_p99_ms=ms(lat.p99_us),
            latency_p999_ms=ms(lat.p99_9_us), latency_max_ms=ms(lat.max_us),
            latency_kind=r.latency_kind, generator_cpu_s=r.wrk_cpu_s,
            generator_cpus=max(1, min(ncpu, threads)),
            extra={"served_share": r.served_share, "argv": " ".join(r.argv),
                   "corrected_p99_ms": ms(r.latency_corrected.p99_us)})
    if driver == "vegeta":
        if not load.rate:
            raise ValueError("vegeta needs a rate (--rate)")
        return vegeta_driver.run_vegeta(url + wl.target, rate=max(1, round(load.rate)),
                                        duration_s=duration_s, method=wl.method, body=wl.body,
                                        cpus=cpus, work_dir=work_dir,
                                        timeout_s=max(VEGETA_TIMEOUT_S, wl.wait_s * 10 + 2))
    if driver == "locust":
        return locust_driver.run_locust(url, scenario=point.scenario, users=load.connections or 1,
                                        duration_s=max(1, round(duration_s)),
                                        workers=point.locust_workers, cpus=cpus, target=wl.target,
                                        work_dir=work_dir)
    raise ValueError(f"unknown driver {driver!r}; known: {', '.join(DRIVERS)}")


def _row(point: Point, spec: ServerSpec, wl: Workload, *, started_at: str, sha: str,
         status: str, failure: str = "", outcome: LoadOutcome | None = None,
         usage: resources.Usage | None = None, seen: dict | None = None,
         remote: dict | None = None) -> Measured:
    """The row of a run. ``remote``: the engine's CPU seconds and memory peak of a
    server on another machine, which /proc here cannot see."""
    cores = catalog.cpu_count(point.server_cpus)
    sized = catalog.sizing(spec, cores)
    o = outcome
    server_cpu_s = remote["cpu_s"] if remote else usage.server_cpu_s if usage else 0.0
    gen_share = o.generator_share if o else None
    foreign = usage.foreign_share(o.generator_cpu_s or 0.0) if (usage and o) else None
    lim = None
    eff = None
    verdict = ""
    if o is not None:
        lim = limits.limit(model=spec.model, runtime=spec.runtime, workers=sized.workers,
                           threads=sized.threads, cores=cores,
                           connections=point.load.connections if o.loop == "closed" else None,
                           rate=point.load.rate if o.loop == "open" else None,
                           wait_s=wl.wait_s, cpu_service_s=point.cpu_service_s or 0.0,
                           generator_rps=limits.generator_ceiling(o.rps, gen_share),
                           gil_enabled=(seen or {}).get("gil_enabled") is not False)  # as read back
        eff = limits.efficiency(o.rps, lim.rps)
        # the generator could not send more if it used > 90% of its cores, or if its
        # (server-free) cores had no idle time left because a neighbour took them
        starved = usage.watched_busy_share if usage else None
        busiest = max((s for s in (gen_share, starved) if s is not None), default=None)
        verdict = limits.verdict(status=status, error_share=limits.error_share(o.errors, o.requests),
                                 generator_share=busiest, foreign_share=foreign, efficiency=eff)
    result = RunResult(
        schema=SCHEMA_VERSION, campaign=point.campaign, run_id=point.run_id, repeat=point.repeat,
        order=point.order, started_at=started_at, git_sha=sha, server=spec.name,
        runtime=spec.runtime, model=spec.model, workers=sized.workers, threads=sized.threads,
        parallelism=json.dumps(seen or {}, sort_keys=True), launcher=point.launcher,
        workload=wl.name, target=wl.target, driver=point.load.driver,
        connections=point.load.connections if point.load.driver != "vegeta" else None,
        rate=point.load.rate if point.load.driver == "vegeta" else None,
        duration_s=point.load.duration_s, server_cpus=point.server_cpus or "",
        load_cpus=point.load_cpus or "", status=status, failure=failure[:500],
        requests=o.requests if o else 0, errors_connect=o.errors_connect if o else 0,
        errors_read=o.errors_read if o else 0, errors_write=o.errors_write if o else 0,
        errors_timeout=o.errors_timeout if o else 0, errors_status=o.errors_status if o else 0,
        rps=o.rps if o else 0.0,
        latency_p50_ms=o.latency_p50_ms if o else None, latency_p90_ms=o.latency_p90_ms if o else None,
        latency_p99_ms=o.latency_p99_ms if o else None,
        latency_p999_ms=o.latency_p999_ms if o else None,
        latency_max_ms=o.latency_max_ms if o else None, latency_kind=o.latency_kind if o else "",
        server_cpu_s=server_cpu_s,
        server_rss_peak_mib=remote["mem_peak_mib"] if remote else usage.server_rss_peak_mib if usage else 0.0,
        generator_cpu_s=(o.generator_cpu_s or 0.0) if o else 0.0,
        generator_cpu_share=gen_share if gen_share is not None else 0.0,
        foreign_cpu_share=foreign if foreign is not None else 0.0,
        cpu_us_per_request=(server_cpu_s / o.requests * 1e6) if (usage and o and o.requests) else None,
        limit_rps=lim.rps if lim else None, limit_kind=lim.kind if lim else "",
        efficiency=eff, bottleneck=verdict)
    return Measured(result=result, outcome=o, usage=usage, parallelism=seen or {}, limit=lim)


def run_point(point: Point, *, raw_dir: Path, spec: ServerSpec | None = None,
              note: Callable[[str], None] = lambda _msg: None) -> Measured:
    """Run one point and return its row; never raises for a server or driver failure.

    KeyboardInterrupt still propagates, after the server is stopped.
    """
    spec = spec or catalog.get(point.server)
    wl = workload(point.workload, io_ms=point.io_ms, cpu_n=point.cpu_n)
    if point.load.driver not in DRIVERS:
        raise ValueError(f"unknown driver {point.load.driver!r}; known: {', '.join(DRIVERS)}")
    if point.load.duration_s <= 0 or point.load.warmup_s < 0:
        raise ValueError("duration must be > 0 and warm-up >= 0")
    if wl.name not in spec.workloads:
        raise ValueError(f"server {spec.name} does not serve workload {wl.name} "
                         f"(it serves: {', '.join(spec.workloads)})")
    raw_dir.mkdir(parents=True, exist_ok=True)
    started_at = _now()
    sha = git_sha()
    row = lambda status, **kw: _row(point, spec, wl, started_at=started_at, sha=sha,  # noqa: E731
                                    status=status, **kw)
    launch = servers.launcher(point.launcher)
    docker = point.launcher == "docker"
    upstream: RunningServer | None = None
    server: RunningServer | None = None
    try:
        try:
            if wl.name == "upstream":
                upstream = launch.start_upstream(log_dir=raw_dir, cpus=point.server_cpus)
            # the server reaches the upstream on its own loopback (containers use the host network)
            server = launch.start(spec, cpus=point.server_cpus, log_dir=raw_dir,
                                  upstream=f"127.0.0.1:{urlsplit(upstream.url).port}" if upstream else None,
                                  timeout=point.timeout_s,
                                  **({"memory": point.memory} if point.memory else {}))
        except LaunchError as exc:
            return row("failed", failure=f"launch: {str(exc).splitlines()[0]}")
        note(f"{spec.name} ready at {server.url}")
        report = verify(spec.name, server.url, workloads=spec.workloads,
                        with_upstream=upstream is not None)
        if not report.ok:
            (raw_dir / "verify.txt").write_text("\n".join(map(str, report.mismatches)) + "\n")
            return row("not-verified", failure=f"{len(report.mismatches)} mismatch(es); "
                                                 f"first: {report.mismatches[0]}")
        try:
            if point.load.warmup_s > 0:
                _drive(server.url, wl, point, duration_s=point.load.warmup_s, work_dir=raw_dir / "warmup",
                       warmup=True)
                _wait_drained(server.url, spec.health)
            seen = parallelism.observe(server.pids(), url=server.url, ready_line=server.ready_line)
            if docker:
                seen.update(server.parallelism())     # the engine's placement, the runtime's view
                engine_before = server.resources()
            load_set = resources.parse_cpus(point.load_cpus)
            server_set = resources.parse_cpus(point.server_cpus)
            # the generator's cores are watched only when the server is not on them too
            sampler = resources.Sampler(server.pids, watch_cpus=load_set if not load_set & server_set
                                        else frozenset()).start()
            try:
                outcome = _drive(server.url, wl, point, duration_s=point.load.duration_s,
                                 work_dir=raw_dir)
            finally:
                usage = sampler.stop()
            engine = _engine_usage(engine_before, server.resources()) if docker else None
        except (wrk_driver.WrkError, vegeta_driver.VegetaError, locust_driver.LocustError,
                OSError, ValueError) as exc:
            alive = server.alive()
            why = f"driver: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if not alive:
                why = f"server exited with code {server.returncode} during the run; " + why
            (raw_dir / "error.txt").write_text(traceback.format_exc())
            return row("failed", failure=why)
        _write_outcome(raw_dir, outcome, usage, seen, engine)
        remote = engine if docker and not server.pids() else None
        if not server.alive():
            return row("failed", failure=f"server exited with code {server.returncode} during the run",
                       outcome=outcome, usage=usage, seen=seen, remote=remote)
        return row("ok", outcome=outcome, usage=usage, seen=seen, remote=remote)
    finally:
        if server is not None:
            server.stop()
        if upstream is not None:
            upstream.stop()


def _engine_usage(before: dict, after: dict) -> dict:
    """The engine's stats over the measurement: CPU seconds used, memory now and at peak."""
    return {"cpu_s": max(0.0, after["cpu_s"] - before["cpu_s"]), "mem_mib": after["mem_mib"],
            "mem_peak_mib": after["mem_peak_mib"], "mem_limit_mib": after["mem_limit_mib"]}


def _write_outcome(raw_dir: Path, outcome: LoadOutcome, usage: resources.Usage, seen: dict,
                   engine: dict | None = None) -> None:
    data = {"outcome": {k: v for k, v in outcome.__dict__.items() if k != "extra"},
            "extra": outcome.extra, "usage": usage.__dict__, "parallelism": seen}
    if engine is not None:
        data["engine_stats"] = engine
    (raw_dir / "outcome.json").write_text(json.dumps(data, indent=2, default=str) + "\n")


def with_rate(point: Point, rate: float) -> Point:
    return replace(point, load=replace(point.load, rate=rate))
