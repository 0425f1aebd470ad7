"""A sweep file -> runs: servers x workloads x load points x repeats, resumable.

A sweep file (TOML, in harness/sweeps/):

    campaign = "quick"            # rows go to results/<campaign>/
    servers = ["go", "node"]      # catalog names (servers/catalog.toml)
    repeats = 2                   # interleaved: A B C A B C, never A A A
    duration_s = 3                # measured seconds per run
    warmup_s = 1                  # warm-up seconds per run (not recorded)
    server_cpus = "1"             # taskset lists: server and load generator apart
    load_cpus = "0"
    launcher = "native"           # or "docker", or ["native", "docker"] side by side
    # memory = "512m"             # container memory limit (docker only)

    [calibration]                 # /cpu: N per runtime for a target service time
    target_ms = 5.0
    servers = { python = "gunicorn-sync", go = "go", node = "node" }

    [[points]]
    workload = "io"               # a contract workload
    io_ms = 50
    driver = "wrk"                # wrk | vegeta | locust
    connections = [64, 256]       # closed loop (wrk connections, locust users)

    [[points]]
    workload = "io"
    driver = "vegeta"
    rate_fractions = [0.5]        # open loop at a share of the saturation the closed-loop
                                  # points of this sweep measured for the same server+workload
    # rates = [100, 200]          # or absolute req/s

    [[points]]
    workload = "cpu"
    cpu = "same-service-time"     # N calibrated per runtime (or "same-n" with cpu_n = 80000)
    driver = "wrk"
    connections = [16]

A point may also set ``servers``, ``duration_s``, ``warmup_s``, ``scenario``,
``locust_workers``, and its own placement: ``server_cpus``/``load_cpus`` (a
CPU-bound point gives the server both cores) and ``launcher``/``memory``. A
placement or launcher other than the defaults is part of the run id
(``go.cpu-svc.wrk.c16.s0-1.docker.r1``), so the same point can run several ways
in one campaign; with a list of launchers each level runs in each, one after the
other, in every repeat. Unknown keys, servers, workloads and drivers, and impossible
values are errors naming the file, the line and the key.

Order: every point that needs no saturation figure first, then the ``rate_fractions``
points; within each, repeat by repeat over servers and points. Each run's order is
stored in its row. Each row is appended as soon as its run ends; Ctrl-C stops the
running server, keeps every finished row and exits 130; the same command resumes
(run ids already stored are skipped).
"""
from __future__ import annotations

import math
import os
import re
import statistics
import sys
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from harness import catalog, store
from harness.launch import LAUNCHERS
from harness.measure import host as host_facts
from harness.measure import resources
from harness.run import DRIVERS, Point, run_point, workload
from harness.specs import LoadSpec, ServerSpec
from workloads import contract

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = ROOT / "harness" / "sweeps"
UNSTABLE_CV = 0.10   # pyperf warns at a standard deviation of 10% of the mean
CPU_VIEWS = ("same-n", "same-service-time")

_PLACEMENT_KEYS = {"server_cpus", "load_cpus", "launcher", "memory"}
_TOP_KEYS = {"campaign", "description", "results", "servers", "repeats", "duration_s", "warmup_s",
             "calibration", "points"} | _PLACEMENT_KEYS
_POINT_KEYS = {"workload", "driver", "connections", "rates", "rate_fractions", "io_ms", "cpu_n", "cpu",
               "servers", "duration_s", "warmup_s", "scenario", "locust_workers"} | _PLACEMENT_KEYS
MEMORY = re.compile(r"[1-9][0-9]*[kmg]?")   # docker's --memory sizes: 512m, 2g
_CAL_KEYS = {"target_ms", "servers", "requests"}
DEFAULT_CAL_SERVERS = {"python": "gunicorn-sync", "go": "go", "node": "node"}


class SweepError(ValueError):
    """A sweep file that cannot be run; the message names the file, line and key."""


@dataclass(frozen=True)
class PointSpec:
    """One [[points]] table, validated."""

    index: int
    workload: str
    driver: str
    servers: tuple[str, ...]
    connections: tuple[int, ...] = ()
    rates: tuple[float, ...] = ()
    rate_fractions: tuple[float, ...] = ()
    io_ms: int = 50
    cpu_n: int = 80_000
    cpu: str = "same-n"
    duration_s: float = 10.0
    warmup_s: float = 2.0
    scenario: str = "endpoint"
    locust_workers: int = 0
    server_cpus: str | None = "1"
    load_cpus: str | None = "0"
    launchers: tuple[str, ...] = ("native",)
    memory: str | None = None
    placed: bool = False            # the point set its own server_cpus (part of its run ids)


@dataclass(frozen=True)
class Sweep:
    path: Path
    campaign: str
    results: Path
    servers: tuple[str, ...]
    repeats: int
    server_cpus: str | None
    load_cpus: str | None
    points: tuple[PointSpec, ...]
    calibration_target_ms: float = 5.0
    calibration_servers: dict = field(default_factory=dict)
    calibration_requests: int = 20
    description: str = ""


@dataclass(frozen=True)
class Planned:
    """One run of a sweep, before it runs (``fraction`` set for rate_fractions points)."""

    run_id: str
    server: str
    spec: PointSpec
    repeat: int
    connections: int | None = None
    rate: float | None = None
    fraction: float | None = None
    launcher: str = "native"

    @property
    def label(self) -> str:
        level = (f"c={self.connections}" if self.connections is not None else
                 f"rate={self.rate:g}" if self.rate is not None else f"rate={self.fraction:g}xsat")
        where = (f" cpus={self.spec.server_cpus}" if self.spec.placed else "") + \
            (f" {self.launcher}" if self.launcher != "native" else "")
        return f"{self.server} {self.spec.workload} {self.spec.driver} {level}{where} r{self.repeat}"


# --- loading and validation -------------------------------------------------------------

def _line(text: str, key: str, table: str | None = None, index: int | None = None) -> int | None:
    """Line of ``key = `` (in the index-th [[table]] when given) in the TOML text, 1-based."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    if table is not None and index is not None:
        headers = [i for i, line in enumerate(lines) if line.strip() == f"[[{table}]]"]
        if index < len(headers):
            start = headers[index]
            later = [i for i, line in enumerate(lines) if i > start and line.strip().startswith("[")]
            end = later[0] if later else len(lines)
    elif table is not None:
        for i, line in enumerate(lines):
            if line.strip() == f"[{table}]":
                start = i
                later = [j for j, ln in enumerate(lines) if j > i and ln.strip().startswith("[")]
                end = later[0] if later else len(lines)
                break
    else:   # top level: before the first table
        tables = [i for i, line in enumerate(lines) if line.strip().startswith("[")]
        end = tables[0] if tables else len(lines)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1 if table is not None and index is not None else None


def load(path: str | Path, *, known_servers: dict[str, ServerSpec] | None = None) -> Sweep:
    """Read and validate a sweep file; SweepError names file, line and key."""
    path = Path(path)
    if not path.exists() and (SWEEPS / path).exists():
        path = SWEEPS / path
    try:
        text = path.read_text()
    except OSError as exc:
        raise SweepError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML: {exc}") from None
    servers_known = known_servers if known_servers is not None else catalog.load()

    def fail(msg: str, key: str, table: str | None = None, index: int | None = None):
        line = _line(text, key, table, index)
        where = f"{path}:{line}" if line else str(path)
        raise SweepError(f"{where}: {key}: {msg}")

    for key in data:
        if key not in _TOP_KEYS:
            fail(f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})", key)
    for key in ("campaign", "servers", "points"):
        if key not in data:
            raise SweepError(f"{path}: missing key {key!r}")
    campaign = data["campaign"]
    if not isinstance(campaign, str) or store.safe_name(campaign) != campaign:
        fail("must be a name of letters, digits and ._=+-", "campaign")

    def number(value: Any, key: str, *, table=None, index=None, minimum=0.0, strict=False,
               integer=False) -> Any:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if integer:
            ok = ok and isinstance(value, int)
        if not ok or (value <= minimum if strict else value < minimum) or not math.isfinite(value):
            rel = ">" if strict else ">="
            fail(f"must be {'an integer' if integer else 'a number'} {rel} {minimum:g}, got {value!r}",
                 key, table, index)
        return value

    def server_list(value: Any, key: str, table=None, index=None) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
            fail("must be a non-empty list of server names", key, table, index)
        for name in value:
            if name not in servers_known:
                fail(f"unknown server {name!r} (the catalog has: {', '.join(servers_known)})",
                     key, table, index)
        return tuple(value)

    servers = server_list(data["servers"], "servers")
    repeats = number(data.get("repeats", 1), "repeats", minimum=1, integer=True)
    duration = number(data.get("duration_s", 10), "duration_s", strict=True)
    warmup = number(data.get("warmup_s", 2), "warmup_s")
    def placement(table: dict, defaults: dict, *, index=None) -> dict:
        """server_cpus, load_cpus, launchers and memory of the top level or of a point."""
        where = dict(table="points", index=index) if index is not None else {}
        out = {}
        for key in ("server_cpus", "load_cpus"):
            value = table.get(key, defaults[key])
            if value is not None and (not isinstance(value, str) or not re.fullmatch(r"[0-9,\-]+", value)):
                fail(f"must be a taskset CPU list such as \"1\" or \"0-1\", got {value!r}", key, **where)
            out[key] = value
        value = table.get("launcher", defaults["launchers"])
        value = [value] if isinstance(value, str) else value
        if (not isinstance(value, (list, tuple)) or not value
                or any(v not in LAUNCHERS for v in value) or len(set(value)) != len(value)):
            fail(f"must be one of {', '.join(LAUNCHERS)} or a list of them, got {value!r}",
                 "launcher", **where)
        out["launchers"] = tuple(value)
        memory = table.get("memory", defaults["memory"])
        if memory is not None and (not isinstance(memory, str) or not MEMORY.fullmatch(memory)):
            fail(f"must be a memory size such as \"512m\" or \"2g\", got {memory!r}", "memory", **where)
        if memory is not None and "native" in out["launchers"]:
            fail("a memory limit needs a container: set launcher = \"docker\"", "memory", **where)
        out["memory"] = memory
        return out

    top = placement(data, {"server_cpus": "1", "load_cpus": "0", "launchers": ("native",),
                           "memory": None})
    cal = data.get("calibration", {})
    if not isinstance(cal, dict):
        fail("must be a table", "calibration")
    for key in cal:
        if key not in _CAL_KEYS:
            fail(f"unknown key (known: {', '.join(sorted(_CAL_KEYS))})", key, "calibration")
    target_ms = number(cal.get("target_ms", 5.0), "target_ms", table="calibration", strict=True)
    cal_servers = dict(DEFAULT_CAL_SERVERS)
    if "servers" in cal:
        if not isinstance(cal["servers"], dict):
            fail("must be a table runtime = server", "servers", "calibration")
        for runtime, name in cal["servers"].items():
            if name not in servers_known:
                fail(f"unknown server {name!r} for runtime {runtime}", "servers", "calibration")
            cal_servers[runtime] = name
    cal_requests = number(cal.get("requests", 20), "requests", table="calibration", minimum=1,
                          integer=True)

    raw_points = data["points"]
    if not isinstance(raw_points, list) or not raw_points:
        fail("must be one or more [[points]] tables", "points")
    points = []
    for i, p in enumerate(raw_points):
        def pfail(msg: str, key: str, _i=i):
            fail(msg, key, "points", _i)
        for key in p:
            if key not in _POINT_KEYS:
                pfail(f"unknown key (known: {', '.join(sorted(_POINT_KEYS))})", key)
        wl = p.get("workload")
        if wl not in contract.WORKLOADS:
            pfail(f"unknown workload {wl!r} (the contract has: {', '.join(contract.WORKLOADS)})",
                  "workload")
        driver = p.get("driver", "wrk")
        if driver not in DRIVERS:
            pfail(f"unknown driver {driver!r} (known: {', '.join(DRIVERS)})", "driver")
        levels = {}
        for key in ("connections", "rates", "rate_fractions"):
            value = p.get(key, [])
            if not isinstance(value, list):
                pfail("must be a list", key)
            for v in value:
                number(v, key, table="points", index=i, strict=True, integer=(key == "connections"))
            levels[key] = tuple(value)
        if driver in ("wrk", "locust"):
            if not levels["connections"] or levels["rates"] or levels["rate_fractions"]:
                pfail(f"{driver} is a closed loop: give connections = [...] and no rates",
                      "connections" if not levels["connections"] else "rates")
        else:
            if levels["connections"] or not (levels["rates"] or levels["rate_fractions"]):
                pfail("vegeta is an open loop: give rates = [...] or rate_fractions = [...]",
                      "rates" if not levels["connections"] else "connections")
        if driver == "wrk" and wl == "echo":
            pfail("wrk drives GET only; use vegeta for echo", "driver")
        cpu_view = p.get("cpu", "same-n")
        if cpu_view not in CPU_VIEWS:
            pfail(f"must be one of {', '.join(CPU_VIEWS)}, got {cpu_view!r}", "cpu")
        pservers = server_list(p["servers"], "servers", "points", i) if "servers" in p else servers
        for name in pservers:
            if wl not in servers_known[name].workloads:
                pfail(f"server {name} does not serve workload {wl}", "workload")
        points.append(PointSpec(
            index=i, workload=wl, driver=driver, servers=pservers,
            connections=levels["connections"], rates=levels["rates"],
            rate_fractions=levels["rate_fractions"],
            io_ms=number(p.get("io_ms", 50), "io_ms", table="points", index=i, integer=True),
            cpu_n=number(p.get("cpu_n", 80_000), "cpu_n", table="points", index=i, integer=True),
            cpu=cpu_view,
            duration_s=number(p.get("duration_s", duration), "duration_s", table="points", index=i,
                              strict=True),
            warmup_s=number(p.get("warmup_s", warmup), "warmup_s", table="points", index=i),
            scenario=str(p.get("scenario", "endpoint")),
            locust_workers=number(p.get("locust_workers", 0), "locust_workers", table="points",
                                  index=i, integer=True),
            placed="server_cpus" in p and p["server_cpus"] != top["server_cpus"],
            **placement(p, top, index=i)))
    return Sweep(path=path, campaign=campaign, results=ROOT / data.get("results", "results"),
                 servers=servers, repeats=repeats, server_cpus=top["server_cpus"],
                 load_cpus=top["load_cpus"], points=tuple(points),
                 calibration_target_ms=float(target_ms), calibration_servers=cal_servers,
                 calibration_requests=cal_requests, description=str(data.get("description", "")))


def with_launcher(sweep: Sweep, launcher: str) -> Sweep:
    """The sweep with every point run by ``launcher`` (``arena sweep --launcher``)."""
    if launcher not in LAUNCHERS:
        raise SweepError(f"unknown launcher {launcher!r}; known: {', '.join(LAUNCHERS)}")
    if launcher == "native" and any(p.memory for p in sweep.points):
        raise SweepError(f"{sweep.path}: memory limits need a container; the native launcher has none")
    return replace(sweep, points=tuple(replace(p, launchers=(launcher,)) for p in sweep.points))


def launchers(sweep: Sweep) -> set[str]:
    return {name for p in sweep.points for name in p.launchers}


# --- planning -----------------------------------------------------------------------------

def _params(p: PointSpec) -> str:
    if p.workload in ("io", "upstream"):
        return f"-ms{p.io_ms}"
    if p.workload in ("cpu", "mixed"):
        cpu = f"-n{p.cpu_n}" if p.cpu == "same-n" else "-svc"
        return (f"-ms{p.io_ms}" if p.workload == "mixed" else "") + cpu
    return ""


def run_id(server: str, p: PointSpec, repeat: int, *, connections=None, rate=None, fraction=None,
           launcher: str = "native") -> str:
    level = (f"c{connections}" if connections is not None else
             f"r{rate:g}" if rate is not None else f"f{fraction:g}")
    driver = p.driver + (f"-{p.scenario}" if p.driver == "locust" else "")
    where = (f".s{p.server_cpus.replace(',', '+')}" if p.placed else "") + \
        (f".{launcher}" if launcher != "native" else "")
    return f"{server}.{p.workload}{_params(p)}.{driver}.{level}{where}.r{repeat}"


def plan(sweep: Sweep) -> list[Planned]:
    """Every run in order: first the points that need no saturation, then the fractions.

    Servers named only in points (not in the top-level list) run after the top-level
    ones, in the order they first appear.
    """
    everyone = list(dict.fromkeys(sweep.servers + tuple(s for p in sweep.points for s in p.servers)))
    first, second = [], []
    for repeat in range(1, sweep.repeats + 1):
        for server in everyone:
            for p in sweep.points:
                if server not in p.servers:
                    continue
                for level in ([{"connections": c} for c in p.connections] + [{"rate": r} for r in p.rates]
                              + [{"fraction": f} for f in p.rate_fractions]):
                    for launcher in p.launchers:     # side by side: same level, one after the other
                        todo = second if "fraction" in level else first
                        todo.append(Planned(run_id(server, p, repeat, launcher=launcher, **level),
                                            server, p, repeat, launcher=launcher, **level))
    return first + second


def saturation(rows: Iterable[dict], server: str, workload: str, target: str, *,
               launcher: str = "native", server_cpus: str | None = None) -> float | None:
    """The highest median rps over the closed-loop levels measured for server+target (ok rows)
    with the same launcher and, when given, the same server CPUs."""
    by_level: dict[str, list[float]] = {}
    for r in rows:
        if (r["server"] == server and r["workload"] == workload and r["target"] == target
                and r.get("launcher", "native") == launcher
                and (server_cpus is None or r["server_cpus"] == server_cpus)
                and r["status"] == "ok" and r["driver"] in ("wrk", "locust") and r["bottleneck"] != "errors"):
            by_level.setdefault(r["connections"], []).append(float(r["rps"]))
    medians = [statistics.median(v) for v in by_level.values() if v]
    return max(medians) if medians else None


# --- calibration ----------------------------------------------------------------------------

def _fastest_latency(url: str, n: int, requests: int) -> float:
    """The fastest of ``requests`` sequential GET /cpu?n=N on one keep-alive connection.

    The minimum, as timeit takes it: interference (a neighbour's process, a stretch of
    hypervisor steal on a shared VM) only ever adds time, and a calibration taken
    during a few seconds of 20% steal set the campaign's CPU limits 25% low when it
    used the mean or the median.
    """
    import http.client
    from urllib.parse import urlsplit
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


def calibrate(sweep: Sweep, runtimes: Iterable[str], log_dir: Path,
              known: dict | None = None, note: Callable[[str], None] = print) -> dict:
    """Calibration for each runtime (reusing ``known`` ones): {"target_ms", "method", "runtimes"}."""
    known = known or {}
    out = {"target_ms": sweep.calibration_target_ms,
           "method": "fastest of sequential /cpu?n=N minus fastest /cpu?n=0 at concurrency 1, "
                     "server pinned to server_cpus",
           "runtimes": dict(known.get("runtimes", {}))}
    for runtime in sorted(set(runtimes)):
        if runtime in out["runtimes"]:
            continue
        name = sweep.calibration_servers.get(runtime)
        if name is None:
            raise SweepError(f"{sweep.path}: calibration: no server for runtime {runtime}")
        note(f"calibrating /cpu for {runtime} on {name} (target {sweep.calibration_target_ms:g} ms)")
        out["runtimes"][runtime] = calibrate_runtime(
            catalog.get(name), target_ms=sweep.calibration_target_ms, cpus=sweep.server_cpus,
            requests=sweep.calibration_requests, log_dir=log_dir)
    return out


def cpu_settings(p: PointSpec, runtime: str, calibration: dict) -> tuple[int, float | None]:
    """(N, known CPU seconds per request) for a point on a runtime."""
    if p.workload not in ("cpu", "mixed"):
        return p.cpu_n, None
    cal = (calibration.get("runtimes") or {}).get(runtime)
    if p.cpu == "same-service-time":
        if cal is None:
            raise SweepError(f"no calibration for runtime {runtime}")
        return int(cal["n"]), cal["service_ms"] / 1e3
    if cal is None:
        return p.cpu_n, None
    return p.cpu_n, cal["us_per_iteration"] * p.cpu_n / 1e6


# --- running --------------------------------------------------------------------------------

class Progress:
    """One line per run: a bar, the count, the current point and the ETA."""

    def __init__(self, total: int, out: TextIO = sys.stderr):
        self.total, self.done, self.out = total, 0, out
        self.t0 = time.monotonic()
        self.timed = 0

    def start(self, planned: Planned) -> None:
        width = 20
        filled = int(width * self.done / max(self.total, 1))
        eta = ""
        if self.timed:
            per = (time.monotonic() - self.t0) / self.timed
            left = per * (self.total - self.done)
            eta = f"  ETA {int(left // 60)}m{int(left % 60):02d}s"
        print(f"[{'#' * filled}{'.' * (width - filled)}] {self.done + 1}/{self.total} "
              f"{planned.label}{eta}", file=self.out, flush=True)

    def finish(self, ran: bool) -> None:
        self.done += 1
        if not ran:             # skipped (resumed) runs do not count towards the ETA
            self.t0 += 0
        else:
            self.timed += 1

    def skip(self) -> None:
        self.done += 1


def run_sweep(sweep: Sweep, *, out: TextIO = sys.stderr, dry_run: bool = False,
              runner: Callable[..., Any] = run_point) -> store.Campaign:
    """Run every planned point not already stored; rows are appended as runs end."""
    camp = store.Campaign(sweep.results, sweep.campaign)
    planned = plan(sweep)
    existing = camp.run_ids()
    todo = [p for p in planned if p.run_id not in existing]
    print(f"sweep {sweep.path.name}: campaign {sweep.campaign} ({camp.dir}), {len(planned)} runs, "
          f"{len(planned) - len(todo)} already stored", file=out, flush=True)
    if dry_run:
        for p in planned:
            print(f"  {'done' if p.run_id in existing else 'todo'}  {p.run_id}", file=out)
        return camp
    facts = host_facts.facts(sweep.server_cpus, sweep.load_cpus)
    meta = camp.write_meta({**facts, "created_at": _now(), "started_at": _now(),
                            "sweep": str(sweep.path.relative_to(ROOT) if sweep.path.is_relative_to(ROOT)
                                         else sweep.path),
                            "description": sweep.description})
    specs = catalog.load()
    runtimes = {specs[p.server].runtime for p in todo if p.spec.workload in ("cpu", "mixed")}
    calibration = meta.get("calibration") or {}
    if runtimes - set((calibration.get("runtimes") or {})):
        calibration = calibrate(sweep, runtimes, camp.dir / "raw" / "calibration", calibration,
                                note=lambda m: print(m, file=out, flush=True))
        camp.write_meta({"calibration": calibration})
    progress = Progress(len(planned), out)
    order = len(existing)
    for item in planned:
        if item.run_id in existing:
            progress.skip()
            continue
        progress.start(item)
        spec = specs[item.server]
        n, cpu_s = cpu_settings(item.spec, spec.runtime, calibration)
        rate = item.rate
        target = workload(item.spec.workload, io_ms=item.spec.io_ms, cpu_n=n).target
        order += 1
        point = Point(campaign=sweep.campaign, run_id=item.run_id, server=item.server,
                      workload=item.spec.workload, repeat=item.repeat, order=order,
                      io_ms=item.spec.io_ms, cpu_n=n, cpu_service_s=cpu_s,
                      server_cpus=item.spec.server_cpus, load_cpus=item.spec.load_cpus,
                      launcher=item.launcher, memory=item.spec.memory,
                      scenario=item.spec.scenario, locust_workers=item.spec.locust_workers,
                      load=LoadSpec(driver=item.spec.driver, connections=item.connections, rate=rate,
                                    duration_s=item.spec.duration_s, warmup_s=item.spec.warmup_s))
        if item.fraction is not None:
            sat = saturation(camp.rows(), item.server, item.spec.workload, target,
                             launcher=item.launcher, server_cpus=item.spec.server_cpus)
            if sat is None:
                measured = _unmeasured(point, spec, "no closed-loop saturation measured for this "
                                                   "server and workload in this campaign")
                camp.append(measured)
                progress.finish(True)
                continue
            point = replace(point, load=replace(point.load, rate=max(1.0, round(sat * item.fraction))))
        result = runner(point, raw_dir=camp.raw_dir(item.run_id), spec=spec).result
        camp.append(result)
        _report_run(result, out)
        progress.finish(True)
    return camp


def _unmeasured(point: Point, spec: ServerSpec, why: str):
    from harness.run import _row
    wl = workload(point.workload, io_ms=point.io_ms, cpu_n=point.cpu_n)
    return _row(point, spec, wl, started_at=_now(), sha=host_facts.git_sha(), status="failed",
                failure=why).result


def _report_run(r, out: TextIO) -> None:
    if r.status != "ok":
        print(f"    {r.status}: {r.failure}", file=out, flush=True)
        return
    eff = f"{r.efficiency:.0%} of {r.limit_kind} limit {r.limit_rps:,.0f}" if r.efficiency is not None else "no limit"
    p99 = f"{r.latency_p99_ms:.1f} ms" if r.latency_p99_ms is not None else "-"
    print(f"    {r.rps:,.0f} req/s  p99 {p99}  {eff}  -> {r.bottleneck}", file=out, flush=True)


def _now() -> str:
    import datetime as _dt
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --- summary --------------------------------------------------------------------------------

def _f(x: str) -> float | None:
    return float(x) if x not in ("", None) else None


def summarise(rows: list[dict]) -> dict[str, list[dict]]:
    """Per workload, one entry per point: medians over repeats, spread, CV, verdicts."""
    points: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["connections"]:
            level = f"c={r['connections']}"
        elif r["rate"]:
            level = f"rate={_f(r['rate']):g}"
        else:   # never measured (a rate from a saturation that was not there): the id's level
            m = re.search(r"\.f([0-9.]+)\.r\d+$", r["run_id"])
            level = f"rate={m.group(1)}xsat" if m else "rate=?"
        key = (r["workload"], r["target"], r["server"], r["driver"], level)
        points.setdefault(key, []).append(r)
    table: dict[str, list[dict]] = {}
    for (wl, target, server, driver, level), group in points.items():
        ok = [r for r in group if r["status"] == "ok"]
        rps = [float(r["rps"]) for r in ok]
        p99 = [v for v in (_f(r["latency_p99_ms"]) for r in ok) if v is not None]
        eff = [v for v in (_f(r["efficiency"]) for r in ok) if v is not None]
        lim = [v for v in (_f(r["limit_rps"]) for r in ok) if v is not None]
        mean = statistics.fmean(rps) if rps else None
        cv = (statistics.stdev(rps) / mean) if len(rps) > 1 and mean else None
        verdicts = sorted({r["bottleneck"] for r in ok if r["bottleneck"]})
        failures = sorted({r["status"] for r in group if r["status"] != "ok"})
        table.setdefault(wl, []).append({
            "workload": wl, "target": target, "server": server, "driver": driver, "level": level,
            "runs": len(group), "ok": len(ok),
            "rps": statistics.median(rps) if rps else None,
            "rps_min": min(rps) if rps else None, "rps_max": max(rps) if rps else None,
            "cv": cv, "unstable": cv is not None and cv > UNSTABLE_CV,
            "p99_ms": statistics.median(p99) if p99 else None,
            "efficiency": statistics.median(eff) if eff else None,
            "limit_rps": statistics.median(lim) if lim else None,
            "limit_kind": ok[0]["limit_kind"] if ok else "",
            "bottleneck": "/".join(verdicts) + ("" if not failures else
                                                 (" " if verdicts else "") + "+".join(failures)),
        })
    for wl in table:
        table[wl].sort(key=lambda e: (e["target"], e["driver"], e["level"], -(e["rps"] or 0)))
    return table


def format_summary(table: dict[str, list[dict]]) -> str:
    out = []
    unstable = []
    for wl, entries in table.items():
        out.append(f"\n== {wl} ==")
        head = ("server", "target", "load", "req/s (median)", "spread", "p99 ms", "efficiency (limit)",
                "bottleneck")
        rows = [head]
        for e in entries:
            spread = (f"{e['rps_min']:,.0f}-{e['rps_max']:,.0f}" if e["rps"] is not None and e["ok"] > 1
                      else "-")
            if e["unstable"]:
                spread += f" CV {e['cv']:.0%}!"
                unstable.append(e)
            eff = (f"{e['efficiency']:.0%} ({e['limit_kind']} {e['limit_rps']:,.0f})"
                   if e["efficiency"] is not None else "-")
            rows.append((e["server"], e["target"], f"{e['driver']} {e['level']}",
                         f"{e['rps']:,.0f}" if e["rps"] is not None else "-", spread,
                         f"{e['p99_ms']:.1f}" if e["p99_ms"] is not None else "-", eff,
                         e["bottleneck"] or "-"))
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        for j, r in enumerate(rows):
            out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
            if j == 0:
                out.append("  ".join("-" * w for w in widths))
    if unstable:
        out.append(f"\nwarning: {len(unstable)} point(s) vary by more than {UNSTABLE_CV:.0%} "
                   "(coefficient of variation of req/s over repeats): more repeats, longer runs, "
                   "or a quieter machine (see foreign_cpu_share in the rows).")
    out.append("\nbottleneck: limit = reached the theoretical limit (>= 90%), server = the server "
               "stopped short of it, generator = the load tool saturated its CPUs (not the "
               "server's number), noisy = other processes used > 10% of the machine, errors = "
               "> 1% errors; failed/not-verified runs were not measured.")
    return "\n".join(out)
