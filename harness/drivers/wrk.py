"""wrk, closed loop: -t threads keep -c connections busy for -d seconds.

wrk's text output is never parsed. ``wrk_report.lua`` (next to this file) runs in
wrk's ``done()`` hook and writes one JSON object to the file named by the
``ARENA_WRK_OUT`` environment variable.

Latency: wrk 4.x "corrects" its histogram for coordinated omission before printing
and before ``done()`` sees it (src/wrk.c: ``stats_correct(latency, E)`` with
E = runtime_us / (requests / connections)). The Lua hook reads the microsecond
buckets through LuaJIT's FFI and undoes that correction exactly, so ``latency`` is
the raw distribution of measured request times (``latency_kind == "raw"``). If the
FFI is unavailable it falls back to wrk's corrected numbers and says
``latency_kind == "co-corrected"``. wrk's corrected p99 and mean are always kept
in the outcome's ``extra`` (``corrected_p99_ms``, ``corrected_mean_ms``). A closed loop still under-samples slow periods (that is what
the correction tried to paper over); open-loop latency belongs to vegeta.

Share of connections served (``extra["served_share"]``, Little's law): the time spent in completed requests
divided by (connections x duration). 1.0 means every connection always had a
request in flight that completed; uWSGI keeping 16 threads on 16 of 256 keep-alive
connections shows as ~0.06 even though its p99 looks fine.

wrk's own CPU time comes from the child's resource usage (os.wait4), so a run in
which the generator saturated its core(s) can be flagged as generator-bound.
The full report (histogram included) stays in the work folder as wrk-report.json; the
row keeps the raw latencies as a compact log-linear histogram (``extra["latency_histogram"]``,
harness/drivers/histogram.py), built from the report's histogram (exact below 1 ms,
floored to 3 significant digits above: <= 0.1%).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.drivers import DriverError, LoadJob, histogram
from harness.drivers.outcome import LoadOutcome
from harness.drivers.process import Command, cpus_of, run_bounded, work_folder

REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
# wrk's per-request timeout in a run: long enough that a queue behind few workers
# (gunicorn sync at 256 connections and 50 ms waits queues for seconds) is measured,
# not cut into errors
RUN_TIMEOUT_S = 10


# ------------------------------------------------------------------ pure parts


def build_argv(
    url: str,
    *,
    threads: int = 1,
    connections: int,
    duration_s: int,
    timeout_s: int = 2,
    script: Path | str = REPORT_SCRIPT,
    cpus: str | Sequence[int] | None = None,
    headers: Sequence[str] = (),
    wrk: str = "wrk",
) -> list[str]:
    """The wrk command line (with a ``taskset -c`` prefix when ``cpus`` is given)."""
    for name, value in (("threads", threads), ("connections", connections), ("duration_s", duration_s),
                        ("timeout_s", timeout_s)):
        if int(value) != value or value < 1:
            raise DriverError(f"wrk: {name} must be a positive integer (wrk takes whole units), "
                              f"got {value!r}")
    if connections < threads:
        raise DriverError(f"wrk needs connections >= threads, got {connections} < {threads}")
    argv = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
            "--timeout", f"{timeout_s}s", "-s", str(script)]
    for h in headers:
        argv += ["-H", h]
    argv.append(url)
    if cpus is not None:
        cpu_list = cpus if isinstance(cpus, str) else ",".join(str(c) for c in cpus)
        argv = ["taskset", "-c", cpu_list, *argv]
    return argv


def _ms(us: Any) -> float | None:
    return None if us is None else float(us) / 1000


def parse_report(
    report: str | Mapping[str, Any],
    *,
    argv: Sequence[str] = (),
    threads: int = 1,
    connections: int | None = None,
    generator_cpu_s: float | None = None,
    generator_cpus: int = 1,
) -> LoadOutcome:
    """The JSON written by wrk_report.lua -> LoadOutcome (pure). Latencies in ms."""
    d = json.loads(report) if isinstance(report, str) else dict(report)
    missing = [k for k in ("requests", "duration_us", "bytes", "errors", "latency_kind", "latency") if k not in d]
    if missing:
        raise DriverError(f"wrk report lacks {', '.join(missing)}")
    kind = d["latency_kind"]
    if kind not in ("raw", "co-corrected"):
        raise DriverError(f"wrk report: unknown latency_kind {kind!r}")
    conns = connections if connections is not None else d.get("connections")
    if conns is None:
        raise DriverError("wrk report: connections unknown (neither passed nor in the report)")
    requests, duration_us = int(d["requests"]), int(d["duration_us"])
    errors = {k: int((d.get("errors") or {}).get(k, 0))
              for k in ("connect", "read", "write", "status", "timeout")}
    lat, cor = d["latency"] or {}, d.get("latency_corrected") or {}
    pct, cor_pct = lat.get("percentiles") or {}, cor.get("percentiles") or {}
    return LoadOutcome(
        driver="wrk", loop="closed", requests=requests, errors_connect=errors["connect"],
        errors_read=errors["read"], errors_write=errors["write"], errors_timeout=errors["timeout"],
        errors_status=errors["status"],  # answers with status > 399
        duration_s=duration_us / 1e6, rps=requests / (duration_us / 1e6) if duration_us else 0.0,
        latency_p50_ms=_ms(pct.get("p50")), latency_p90_ms=_ms(pct.get("p90")),
        latency_p99_ms=_ms(pct.get("p99")), latency_p999_ms=_ms(pct.get("p99_9")),
        latency_max_ms=_ms(lat.get("max")), latency_kind=kind,
        generator_cpu_s=generator_cpu_s, generator_cpus=generator_cpus,
        extra={"served_share": served_share(lat.get("sum_us"), kind=kind, connections=int(conns),
                                            threads=int(threads), duration_us=duration_us),
               "argv": " ".join(argv), "corrected_p99_ms": _ms(cor_pct.get("p99")),
               "corrected_mean_ms": _ms(cor.get("mean")), "corrected_count": d.get("corrected_count"),
               "latency_count": lat.get("count"), "latency_min_ms": _ms(lat.get("min")),
               "latency_mean_ms": _ms(lat.get("mean")), "raw_unavailable": d.get("raw_unavailable"),
               "latency_histogram": _histogram(d.get("histogram"), kind)})


def _histogram(pairs: Sequence[Sequence[float]] | None, kind: str) -> str:
    """The row's log-linear histogram from the report's [[µs, count], ...] (raw latency only:
    wrk's corrected one holds requests that were never sent)."""
    if kind != "raw" or not pairs:
        return ""
    return histogram.encode(histogram.counts([v for v, _ in pairs], [int(c) for _, c in pairs]))


def served_share(sum_us: float | None, *, kind: str, connections: int, threads: int,
                 duration_us: int) -> float | None:
    """Time in completed requests / (open connections x duration), from raw latencies
    (Little's law). wrk opens connections // threads per thread."""
    if kind != "raw" or sum_us is None or not duration_us:
        return None
    return float(sum_us) / ((connections // threads) * threads * duration_us)


# ------------------------------------------------------------------ running wrk


def run_wrk(
    url: str,
    *,
    connections: int,
    duration_s: int,
    threads: int = 1,
    timeout_s: int = 2,
    cpus: str | None = None,
    headers: Sequence[str] = (),
    wrk: str = "wrk",
    work_dir: str | os.PathLike[str] | None = None,
    grace_s: float = 30.0,
) -> LoadOutcome:
    """Run wrk once against ``url`` (full URL with path) and return its outcome.

    The run is bounded: wrk's process group is killed if it has not finished
    ``duration_s + timeout_s + grace_s`` seconds after it started.
    """
    argv = build_argv(url, threads=threads, connections=connections, duration_s=duration_s,
                      timeout_s=timeout_s, cpus=cpus, headers=headers, wrk=wrk)
    with work_folder(work_dir, "wrk") as wd:
        out_json = wd / "wrk-report.json"
        out_json.unlink(missing_ok=True)
        env = dict(os.environ, ARENA_WRK_OUT=str(out_json), ARENA_WRK_CONNECTIONS=str(connections))
        command = Command(argv, stdout=wd / "wrk-stdout.txt", stderr=wd / "wrk-stderr.txt")
        done = run_bounded([command], tool="wrk", limit_s=duration_s + timeout_s + grace_s, env=env)
        if not out_json.exists():
            raise DriverError(f"wrk wrote no report ({out_json}): {' '.join(argv)}\n"
                              f"{command.output_tail()}")
        outcome = parse_report(out_json.read_text(), argv=argv, threads=threads,
                               connections=connections, generator_cpu_s=done.cpu_s,
                               generator_cpus=max(1, min(cpus_of(cpus), threads)))
    outcome.extra["wall_s"] = done.wall_s
    return outcome


def drive(job: LoadJob) -> LoadOutcome:
    """``job`` as a wrk run: GET only, one thread per connection up to the tool's CPUs."""
    if job.method != "GET":
        raise DriverError(f"wrk drives GET only; {job.method} {job.target} needs vegeta")
    connections = job.connections or 1
    threads = max(1, min(cpus_of(job.cpus), connections))
    return run_wrk(job.url + job.target, connections=connections, threads=threads,
                   duration_s=max(1, round(job.duration_s)), cpus=job.cpus,
                   work_dir=job.work_dir, timeout_s=RUN_TIMEOUT_S)
