"""The /cpu kernel's N per runtime for a target CPU service time, measured before a sweep runs.

Points with ``cpu = "same-service-time"`` give every runtime the same CPU time per
request rather than the same N; the calibration (stored in campaign.json) says what
N that is here, and every /cpu or /mixed run's known service time comes from it.
"""
from __future__ import annotations

import http.client
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

from harness import catalog
from harness.measure import resources
from harness.specs import RunSpec, ServerSpec
from workloads import contract

METHOD = ("fastest of sequential /cpu?n=N minus fastest /cpu?n=0 at concurrency 1, "
          "server pinned to server_cpus")


class CalibrationError(ValueError):
    """No calibration for a runtime a run needs one for."""


# The free-threaded CPython build (PEP 703) is calibrated as a runtime of its own: its
# interpreter runs the same kernel at a different speed (3.13 turns the specializing
# interpreter off in that build, https://docs.python.org/3.13/howto/free-threading-python.html#single-threaded-performance),
# so a row judged by the standard build's service time would get the wrong CPU limit.
FREE_THREADED = "python-ft"


def calibrated_as(spec: ServerSpec) -> str:
    """The calibration a server's /cpu runs use: its runtime, or python-ft for an entry
    on the free-threaded build."""
    return FREE_THREADED if catalog.python_build(spec) == "free-threaded" else spec.runtime


def _fastest_latency(url: str, n: int, requests: int) -> float:
    """The fastest of ``requests`` sequential GET /cpu?n=N on one keep-alive connection.

    The minimum, as timeit takes it: interference (a neighbour's process, a stretch of
    hypervisor steal on a shared VM) only ever adds time, and a calibration taken
    during a few seconds of 20% steal set the campaign's CPU limits 25% low when it
    used the mean or the median.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times = []
    try:
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.request("GET", f"/cpu?n={n}")
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"/cpu?n={n} answered {resp.status}")
            times.append(time.perf_counter() - t0)
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        return min(times)
    finally:
        conn.close()


def calibrate_runtime(spec: ServerSpec, *, target_ms: float, cpus: str | None, requests: int,
                      log_dir: Path, start_n: int = 20_000) -> dict:
    """N of the /cpu kernel that costs ``target_ms`` on this runtime, at concurrency 1.

    The kernel's time is the fastest request at N minus the fastest at N = 0 (the
    request's own overhead cancels); N is rescaled from the measured cost per iteration
    until the kernel time is within 10% of the target (at most 4 rounds). The share of
    CPU time the hypervisor stole meanwhile is recorded beside it.
    """
    from harness.launch import native
    with native.start(spec, cpus=cpus, log_dir=log_dir) as server:
        t0, steal0 = time.monotonic(), resources.steal_s()
        _fastest_latency(server.url, 0, 5)           # warm the connection path
        base = _fastest_latency(server.url, 0, requests)
        n = start_n
        kernel = 0.0
        for _ in range(4):
            kernel = max(_fastest_latency(server.url, n, requests) - base, 1e-7)
            if abs(kernel * 1e3 - target_ms) <= 0.1 * target_ms:
                break
            n = max(1, min(contract.MAX_N, round(n * (target_ms / 1e3) / kernel)))
        steal = (resources.steal_s() - steal0) / ((os.cpu_count() or 1) * max(time.monotonic() - t0, 1e-9))
        return {"server": spec.name, "n": n, "service_ms": round(kernel * 1e3, 4),
                "us_per_iteration": kernel * 1e6 / n, "overhead_ms": round(base * 1e3, 4),
                "requests": requests, "steal_share": round(steal, 4)}


def calibrate(settings: dict, runtimes: Iterable[str], *, cpus: str | None, log_dir: Path,
              known: dict | None = None, note: Callable[[str], None] = print) -> dict:
    """Calibration for each runtime (reusing ``known`` ones): {"target_ms", "method", "runtimes"}.

    ``settings``: a sweep's [calibration] (target_ms, servers {runtime: server}, requests);
    ``runtimes`` as :func:`calibrated_as` names them.
    """
    known = known or {}
    out = {"target_ms": settings["target_ms"], "method": METHOD,
           "runtimes": dict(known.get("runtimes", {}))}
    for runtime in sorted(set(runtimes)):
        if runtime in out["runtimes"]:
            continue
        name = settings["servers"].get(runtime)
        if name is None:
            raise CalibrationError(f"calibration: no server for runtime {runtime}")
        note(f"calibrating /cpu for {runtime} on {name} (target {settings['target_ms']:g} ms)")
        out["runtimes"][runtime] = calibrate_runtime(
            catalog.get(name), target_ms=settings["target_ms"], cpus=cpus,
            requests=settings["requests"], log_dir=log_dir)
    return out


def resolve_cpu(run: RunSpec, runtime: str, calibration: dict) -> RunSpec:
    """The run with its /cpu N and known CPU seconds per request on ``runtime`` (as
    :func:`calibrated_as` names it)."""
    if run.workload not in ("cpu", "mixed"):
        return run
    cal = (calibration.get("runtimes") or {}).get(runtime)
    if run.calibrated:
        if cal is None:
            raise CalibrationError(f"no calibration for runtime {runtime}")
        return replace(run, cpu_n=int(cal["n"]), cpu_service_s=cal["service_ms"] / 1e3)
    if cal is None:
        return run
    return replace(run, cpu_service_s=cal["us_per_iteration"] * run.cpu_n / 1e6)
