"""One measured point: launch -> ready -> verify -> warm up -> measure -> stop -> one row.

    result = run_point(RunSpec(campaign="c", run_id="go.io.wrk.c64.r1", server="go",
                               workload="io", load=LoadSpec(driver="wrk", connections=64)),
                       raw_dir=Path("results/c/raw/go.io.wrk.c64.r1"))

- The server starts natively (own process group, pinned to ``server_cpus`` with
  taskset, output teed to ``raw_dir/<server>.log``), sized for that many cores;
  or, with ``launcher="docker"``, in its family's container (``--cpuset-cpus``
  from ``server_cpus``, ``--memory`` from ``memory``, the host network, logs in
  ``raw_dir/<server>.docker.log``), removed afterwards.
- It is verified against the workload contract first (a user's own app, ``point.app``:
  a GET of its path must answer 2xx); a server that fails gives a row with status
  ``not-verified`` and nothing is measured.
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
  bottleneck verdict (harness/limits.py); harness/row.py builds it.
"""
from __future__ import annotations

import datetime as _dt
import http.client
import json
import os
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from harness import catalog, drivers, launch
from harness import row as rows
from harness.drivers import DRIVERS, DriverError, LoadJob, LoadOutcome
from harness.launch import LaunchError, RunningServer
from harness.measure import balance, parallelism, resources
from harness.measure.host import git_sha
from harness.row import Measured
from harness.specs import RunSpec, ServerSpec, WorkloadSpec
from harness.verify import health, verify

WARMUP_CONNECTIONS = 4      # an open-loop point's warm-up (see _drive)


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


def _drive(url: str, wl: WorkloadSpec, point: RunSpec, *, duration_s: float, work_dir: Path | None,
           warmup: bool = False) -> LoadOutcome:
    """Run the point's driver once for ``duration_s``.

    A warm-up of a locust point uses wrk at its users; of a vegeta point, wrk at
    WARMUP_CONNECTIONS (GET workloads): offered at the point's rate, a warm-up would
    leave a server past its capacity with seconds of queued requests to work off
    first (a 20 req/s server offered 4,000/s for 1 s), while a few closed-loop
    connections warm the same code path and queue nothing.
    """
    load = point.load
    driver = "wrk" if warmup and load.driver != "wrk" and wl.method == "GET" else load.driver
    connections = WARMUP_CONNECTIONS if warmup and load.driver == "vegeta" else load.connections
    job = LoadJob(url=url, target=wl.target, duration_s=duration_s, connections=connections,
                  rate=load.rate, method=wl.method, body=wl.body, wait_s=wl.wait_s,
                  cpus=point.load_cpus, work_dir=work_dir, scenario=point.scenario,
                  locust_workers=point.locust_workers)
    return drivers.get(driver).drive(job)


def run_point(point: RunSpec, *, raw_dir: Path, spec: ServerSpec | None = None,
              note: Callable[[str], None] = lambda _msg: None) -> Measured:
    """Run one point and return its row; never raises for a server or driver failure.

    KeyboardInterrupt still propagates, after the server is stopped.
    """
    spec = spec or catalog.get(point.server)
    if point.app:       # a user's app: the server is pointed at it, ready when its path answers
        spec = catalog.serving(spec, point.app, point.path, os.getcwd())
    wl = catalog.workload_for(point)
    if point.load.driver not in DRIVERS:
        raise ValueError(f"unknown driver {point.load.driver!r}; known: {', '.join(DRIVERS)}")
    if point.load.duration_s <= 0 or point.load.warmup_s < 0:
        raise ValueError("duration must be > 0 and warm-up >= 0")
    if not point.app and wl.name not in spec.workloads:
        raise ValueError(f"server {spec.name} does not serve workload {wl.name} "
                         f"(it serves: {', '.join(spec.workloads)})")
    raw_dir.mkdir(parents=True, exist_ok=True)
    started_at = _now()
    sha = git_sha()
    row = lambda status, **kw: rows.build(point, spec, wl, started_at=started_at,  # noqa: E731
                                          sha=sha, status=status, **kw)
    upstream: RunningServer | None = None
    server: RunningServer | None = None
    try:
        try:
            server, upstream = _start(point, spec, wl, raw_dir)
        except LaunchError as exc:
            return row("failed", failure=f"launch: {str(exc).splitlines()[0]}")
        note(f"{spec.name} ready at {server.url}")
        report = health(spec.name, server.url, point.path) if point.app else \
            verify(spec.name, server.url, workloads=spec.workloads, with_upstream=upstream is not None)
        if not report.ok:
            (raw_dir / "verify.txt").write_text("\n".join(map(str, report.mismatches)) + "\n")
            return row("not-verified", failure=f"{len(report.mismatches)} mismatch(es); "
                                                 f"first: {report.mismatches[0]}")
        try:
            outcome, usage, seen, engine = _measure(server, upstream, point, spec, wl, raw_dir)
        except (DriverError, OSError) as exc:
            why = f"driver: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if not server.alive():
                why = f"server exited with code {server.returncode} during the run; " + why
            (raw_dir / "error.txt").write_text(traceback.format_exc())
            return row("failed", failure=why)
        _write_outcome(raw_dir, outcome, usage, seen, engine)
        # a remote engine's processes are not in this machine's /proc: its stats stand in
        remote = engine if engine is not None and not server.local else None
        if not server.alive():
            return row("failed", failure=f"server exited with code {server.returncode} during the run",
                       outcome=outcome, usage=usage, seen=seen, remote=remote)
        return row("ok", outcome=outcome, usage=usage, seen=seen, remote=remote)
    finally:
        if server is not None:
            server.stop()
        if upstream is not None:
            upstream.stop()


def _start(point: RunSpec, spec: ServerSpec, wl: WorkloadSpec,
           raw_dir: Path) -> tuple[RunningServer, RunningServer | None]:
    """The point's server (and the upstream service its workload calls), ready, with its
    launcher. If the server does not start, the upstream is stopped before LaunchError."""
    launcher = launch.get(point.launcher)
    upstream = None
    if wl.name == "upstream":
        # the harness's own helper runs on the load side: its CPU is not the server's
        upstream = launcher.start_upstream(log_dir=raw_dir, cpus=point.load_cpus)
    try:
        server = launcher.start(spec, cpus=point.server_cpus, log_dir=raw_dir,
                                upstream=launch.upstream_address(upstream) if upstream else None,
                                timeout=point.timeout_s, memory=point.memory)
    except BaseException:
        if upstream is not None:
            upstream.stop()
        raise
    return server, upstream


def _measure(server: RunningServer, upstream: RunningServer | None, point: RunSpec,
             spec: ServerSpec, wl: WorkloadSpec,
             raw_dir: Path) -> tuple[LoadOutcome, resources.Usage, dict, dict | None]:
    """Warm up, then drive the measured load while /proc (and the engine, if any) watch.

    Returns the outcome, the sampled usage, the parallelism seen (the launcher's
    placement and how evenly the worker processes shared the work included) and the
    engine's usage over the measurement (None natively).
    """
    if point.load.warmup_s > 0:
        _drive(server.url, wl, point, duration_s=point.load.warmup_s, work_dir=raw_dir / "warmup",
               warmup=True)
        _wait_drained(server.url, spec.health)
    seen = parallelism.observe(server.pids(), url=server.url, ready_line=server.ready_line)
    seen.update(server.placement())     # the engine's placement, the runtime's view ({} natively)
    engine_before = server.engine_usage()
    # the generator's cores are watched, shared with the server or not (row.judge takes the
    # server's CPU on shared cores out of their busy time); the helper's CPU is the harness's
    sampler = resources.Sampler(server.pids, watch_cpus=point.load_placement.cpus,
                                helper_pids=upstream.pids if upstream else lambda: ()).start()
    meter = balance.BalanceMeter(server.pids).start()
    try:
        outcome = _drive(server.url, wl, point, duration_s=point.load.duration_s, work_dir=raw_dir)
    finally:
        usage = sampler.stop()
        shared = meter.stop()
    seen["balance"] = {"idlest_cpu_share": shared.idlest_cpu_share,
                       "workers": [{"cpu_s": round(w.cpu_s, 6), "connections_peak": w.connections_peak}
                                   for w in shared.workers]}
    engine_after = server.engine_usage()
    engine = _engine_usage(engine_before, engine_after) if engine_before is not None else None
    return outcome, usage, seen, engine


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


def with_rate(point: RunSpec, rate: float) -> RunSpec:
    return replace(point, load=replace(point.load, rate=rate))
