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
``latency_kind == "co-corrected"``. wrk's corrected view is always kept as
``latency_corrected``. A closed loop still under-samples slow periods (that is what
the correction tried to paper over); open-loop latency belongs to vegeta.

Share of connections served (Little's law): the time spent in completed requests
divided by (connections x duration). 1.0 means every connection always had a
request in flight that completed; uWSGI keeping 16 threads on 16 of 256 keep-alive
connections shows as ~0.06 even though its p99 looks fine.

wrk's own CPU time comes from the child's resource usage (os.wait4), so a run in
which the generator saturated its core(s) can be flagged as generator-bound.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.drivers.bounded import wait_bounded
from harness.specs import Placement

REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
PERCENTILES = ("p50", "p75", "p90", "p99", "p99_9", "p99_99")
GENERATOR_BOUND_SHARE = 0.90  # of the CPUs wrk may run on (Locust warns at 90% too)


class WrkError(RuntimeError):
    """wrk failed or wrote no report; the message includes its stderr/stdout tail."""


@dataclass(frozen=True)
class WrkErrors:
    connect: int = 0
    read: int = 0
    write: int = 0
    status: int = 0  # responses with status > 399
    timeout: int = 0

    @property
    def total(self) -> int:
        return self.connect + self.read + self.write + self.status + self.timeout

    @property
    def socket(self) -> int:
        return self.connect + self.read + self.write + self.timeout


@dataclass(frozen=True)
class Latency:
    """Latency summary in microseconds; percentiles use wrk's rank rule."""

    count: int | None
    min_us: float | None
    mean_us: float | None
    max_us: float | None
    stdev_us: float | None
    p50_us: float | None
    p75_us: float | None
    p90_us: float | None
    p99_us: float | None
    p99_9_us: float | None
    p99_99_us: float | None
    sum_us: float | None = None


@dataclass(frozen=True)
class WrkResult:
    argv: tuple[str, ...]
    url: str
    threads: int
    connections: int  # the -c value
    duration_s: int  # the -d value
    timeout_s: int  # the --timeout value
    requests: int
    duration_us: int  # measured by wrk
    bytes: int
    errors: WrkErrors
    latency_kind: str  # "raw" | "co-corrected"
    latency: Latency
    latency_corrected: Latency  # what wrk itself prints
    correction_interval_us: int | None
    histogram: tuple[tuple[int, int], ...]  # (value_us floored to 3 significant digits, count), raw
    thread_rate_stdev: float | None
    wrk_user_s: float | None
    wrk_sys_s: float | None
    wrk_cpus: int  # CPUs wrk was allowed to use
    wall_s: float | None
    raw_unavailable: str | None = None
    report: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def open_connections(self) -> int:
        """wrk opens connections // threads per thread."""
        return (self.connections // self.threads) * self.threads

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def served_share(self) -> float | None:
        """Time in completed requests / (connections x duration), from raw latencies (Little's law)."""
        if self.latency_kind != "raw" or self.latency.sum_us is None or not self.duration_us:
            return None
        return self.latency.sum_us / (self.open_connections * self.duration_us)

    @property
    def wrk_cpu_s(self) -> float | None:
        if self.wrk_user_s is None or self.wrk_sys_s is None:
            return None
        return self.wrk_user_s + self.wrk_sys_s

    @property
    def wrk_cpu_share(self) -> float | None:
        """wrk's CPU time as a share of the CPUs it could use over the run (1.0 = saturated)."""
        cpu = self.wrk_cpu_s
        if cpu is None or not self.duration_us:
            return None
        usable = min(self.wrk_cpus, self.threads) or 1
        return cpu / (usable * self.duration_us / 1e6)

    @property
    def generator_bound(self) -> bool:
        share = self.wrk_cpu_share
        return share is not None and share > GENERATOR_BOUND_SHARE


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
            raise ValueError(f"{name} must be a positive integer (wrk takes whole units), got {value!r}")
    if connections < threads:
        raise ValueError(f"wrk needs connections >= threads, got {connections} < {threads}")
    argv = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
            "--timeout", f"{timeout_s}s", "-s", str(script)]
    for h in headers:
        argv += ["-H", h]
    argv.append(url)
    if cpus is not None:
        argv = ["taskset", "-c", _cpu_list(cpus), *argv]
    return argv


def _cpu_list(cpus: str | Sequence[int]) -> str:
    return cpus if isinstance(cpus, str) else ",".join(str(c) for c in cpus)


def _opt_num(x: Any) -> float | None:
    return None if x is None else float(x)


def _latency(d: Mapping[str, Any] | None) -> Latency:
    d = d or {}
    p = d.get("percentiles") or {}
    count = d.get("count")
    return Latency(
        count=None if count is None else int(count),
        min_us=_opt_num(d.get("min")),
        mean_us=_opt_num(d.get("mean")),
        max_us=_opt_num(d.get("max")),
        stdev_us=_opt_num(d.get("stdev")),
        p50_us=_opt_num(p.get("p50")),
        p75_us=_opt_num(p.get("p75")),
        p90_us=_opt_num(p.get("p90")),
        p99_us=_opt_num(p.get("p99")),
        p99_9_us=_opt_num(p.get("p99_9")),
        p99_99_us=_opt_num(p.get("p99_99")),
        sum_us=_opt_num(d.get("sum_us")),
    )


def parse_report(
    report: str | Mapping[str, Any],
    *,
    argv: Sequence[str] = (),
    url: str = "",
    threads: int = 1,
    connections: int | None = None,
    duration_s: int = 0,
    timeout_s: int = 2,
    wrk_user_s: float | None = None,
    wrk_sys_s: float | None = None,
    wrk_cpus: int = 1,
    wall_s: float | None = None,
) -> WrkResult:
    """Turn the JSON written by wrk_report.lua into a WrkResult (pure)."""
    d = json.loads(report) if isinstance(report, str) else dict(report)
    missing = [k for k in ("requests", "duration_us", "bytes", "errors", "latency_kind", "latency") if k not in d]
    if missing:
        raise WrkError(f"wrk report lacks {', '.join(missing)}")
    kind = d["latency_kind"]
    if kind not in ("raw", "co-corrected"):
        raise WrkError(f"unknown latency_kind {kind!r}")
    e = d.get("errors") or {}
    conns = connections if connections is not None else d.get("connections")
    if conns is None:
        raise WrkError("connections unknown (neither passed nor in the report)")
    return WrkResult(
        argv=tuple(argv),
        url=url,
        threads=int(threads),
        connections=int(conns),
        duration_s=int(duration_s),
        timeout_s=int(timeout_s),
        requests=int(d["requests"]),
        duration_us=int(d["duration_us"]),
        bytes=int(d["bytes"]),
        errors=WrkErrors(**{k: int(e.get(k, 0)) for k in ("connect", "read", "write", "status", "timeout")}),
        latency_kind=kind,
        latency=_latency(d["latency"]),
        latency_corrected=_latency(d.get("latency_corrected")),
        correction_interval_us=None if d.get("correction_interval_us") is None else int(d["correction_interval_us"]),
        histogram=tuple((int(v), int(c)) for v, c in d.get("histogram") or ()),
        thread_rate_stdev=_opt_num((d.get("thread_rate") or {}).get("stdev")),
        wrk_user_s=wrk_user_s,
        wrk_sys_s=wrk_sys_s,
        wrk_cpus=int(wrk_cpus),
        wall_s=wall_s,
        raw_unavailable=d.get("raw_unavailable"),
        report=d,
    )


def result_row(r: WrkResult) -> dict[str, Any]:
    """A flat dict of a result (for CSV/JSON), histogram and report left out."""
    lat, cor = r.latency, r.latency_corrected
    return {
        "url": r.url, "threads": r.threads, "connections": r.connections, "duration_s": r.duration_s,
        "timeout_s": r.timeout_s, "requests": r.requests, "duration_us": r.duration_us, "rps": r.rps,
        "bytes": r.bytes, "errors_connect": r.errors.connect, "errors_read": r.errors.read,
        "errors_write": r.errors.write, "errors_status": r.errors.status, "errors_timeout": r.errors.timeout,
        "latency_kind": r.latency_kind, "lat_count": lat.count, "lat_min_us": lat.min_us,
        "lat_mean_us": lat.mean_us, "lat_max_us": lat.max_us, "lat_stdev_us": lat.stdev_us,
        "lat_p50_us": lat.p50_us, "lat_p90_us": lat.p90_us, "lat_p99_us": lat.p99_us,
        "lat_p99_9_us": lat.p99_9_us, "cor_p50_us": cor.p50_us, "cor_p99_us": cor.p99_us,
        "cor_p99_9_us": cor.p99_9_us, "served_share": r.served_share, "wrk_user_s": r.wrk_user_s,
        "wrk_sys_s": r.wrk_sys_s, "wrk_cpu_share": r.wrk_cpu_share, "generator_bound": r.generator_bound,
        "wall_s": r.wall_s, "argv": " ".join(r.argv),
    }


# ------------------------------------------------------------------ running wrk


def run_wrk(
    url: str,
    *,
    connections: int,
    duration_s: int,
    threads: int = 1,
    timeout_s: int = 2,
    cpus: str | Sequence[int] | None = None,
    headers: Sequence[str] = (),
    wrk: str = "wrk",
    work_dir: str | os.PathLike[str] | None = None,
    grace_s: float = 30.0,
) -> WrkResult:
    """Run wrk once against ``url`` (full URL with path) and return its result.

    The run is bounded: wrk's process group is killed if it has not finished
    ``duration_s + timeout_s + grace_s`` seconds after it started.
    """
    argv = build_argv(url, threads=threads, connections=connections, duration_s=duration_s,
                      timeout_s=timeout_s, cpus=cpus, headers=headers, wrk=wrk)
    tmp = None
    if work_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="arena-wrk-")
        work_dir = tmp.name
    wd = Path(work_dir)
    wd.mkdir(parents=True, exist_ok=True)
    out_json = wd / "wrk-report.json"
    out_json.unlink(missing_ok=True)
    env = dict(os.environ, ARENA_WRK_OUT=str(out_json), ARENA_WRK_CONNECTIONS=str(connections))
    try:
        limit = duration_s + timeout_s + grace_s
        with open(wd / "wrk-stdout.txt", "wb") as so, open(wd / "wrk-stderr.txt", "wb") as se:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=so, stderr=se, env=env,
                                        start_new_session=True)
            except OSError as e:
                raise WrkError(f"cannot start {' '.join(argv)}: {e}") from e
            done = wait_bounded([proc], limit)
        stdout = (wd / "wrk-stdout.txt").read_text(errors="replace")
        stderr = (wd / "wrk-stderr.txt").read_text(errors="replace")
        if done.killed:
            raise WrkError(f"wrk did not finish within {limit:g} s and was killed: "
                           f"{' '.join(argv)}\n{stderr[-2000:]}")
        if proc.returncode != 0:
            raise WrkError(f"wrk exited with {proc.returncode}: {' '.join(argv)}\n"
                           f"stderr: {stderr[-2000:]}\nstdout: {stdout[-2000:]}")
        if not out_json.exists():
            raise WrkError(f"wrk wrote no report ({out_json}): {' '.join(argv)}\n"
                           f"stderr: {stderr[-2000:]}\nstdout: {stdout[-2000:]}")
        return parse_report(
            out_json.read_text(), argv=argv, url=url, threads=threads, connections=connections,
            duration_s=duration_s, timeout_s=timeout_s, wrk_user_s=done.user_s, wrk_sys_s=done.sys_s,
            wrk_cpus=Placement.parse(cpus).count, wall_s=done.wall_s,
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
