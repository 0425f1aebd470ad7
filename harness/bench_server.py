"""pyserver against gunicorn in the matching concurrency model, side by side (issue 2, section 5).

    python -m harness.bench_server [--repeats 3] [--duration 10] [--warmup 2] [--quick]
    make bench-server ARGS="--quick"

Every run starts a fresh server pinned to one CPU (default 1) and drives it with wrk
pinned to another (default 0): a warm-up wrk run, then the measured one, then the
server's whole process group is stopped. Repeats are interleaved (A B C A B C) so
slow drift in the machine hits every server alike. The table shows medians over the
repeats, the spread, raw latency (wrk's coordinated-omission correction undone; see
harness/drivers/wrk.py), the ratio to the matching gunicorn configuration, the
efficiency against the Little's-law limit where there is one, the share of
connections that were actually served, and whether wrk saturated its own core (a
generator-bound run measures wrk, not the server).

Outputs: results/bench-server/<stamp>/ (runs.jsonl, runs.csv, table.md, server
and wrk logs) and results/bench-server/latest.md, latest.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import http.client
import json
import os
import platform
import socket
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from harness.drivers.wrk import GENERATOR_BOUND_SHARE, WrkError, WrkResult, result_row, run_wrk
from harness.launch.native import LaunchError, ReadyHttp, ReadyLine, RunningServer, launch

ROOT = Path(__file__).resolve().parent.parent
APP = "workloads.python.wsgi_app:app"
HOST = "127.0.0.1"

# ----------------------------------------------------------------------------- data
# Server configurations as data (a later issue moves them into servers/catalog.toml).
# Placeholders: {python} {host} {port} {app}. ready: "line" (READY ... address=) or "http".


@dataclass(frozen=True)
class ServerDef:
    name: str
    family: str  # pyserver | gunicorn
    model: str  # threaded | forked | async
    label: str
    argv: tuple[str, ...]
    ready: str  # "line" | "http"


_GUNICORN = ("{python}", "-m", "gunicorn", "--bind", "{host}:{port}", "--backlog", "4096",
             "--worker-connections", "4096", "--no-control-socket")
_PYSERVER = ("{python}", "-m", "pyserver", "--bind", "{host}:0")

SERVERS: dict[str, ServerDef] = {s.name: s for s in (
    ServerDef("pyserver-threaded-64", "pyserver", "threaded", "pyserver threaded, 64 threads",
              (*_PYSERVER, "--mode", "threaded", "--threads", "64", "{app}"), "line"),
    ServerDef("pyserver-threaded-256", "pyserver", "threaded", "pyserver threaded, 256 threads",
              (*_PYSERVER, "--mode", "threaded", "--threads", "256", "{app}"), "line"),
    ServerDef("pyserver-forked-2", "pyserver", "forked", "pyserver forked, 2 workers",
              (*_PYSERVER, "--mode", "forked", "--workers", "2", "{app}"), "line"),
    ServerDef("pyserver-async-1", "pyserver", "async", "pyserver async, 1 worker",
              (*_PYSERVER, "--mode", "async", "--workers", "1", "{app}"), "line"),
    ServerDef("gunicorn-gthread-1x16", "gunicorn", "threaded", "gunicorn gthread, 1 worker x 16 threads",
              (*_GUNICORN, "--worker-class", "gthread", "--workers", "1", "--threads", "16", "{app}"), "http"),
    ServerDef("gunicorn-sync-2", "gunicorn", "forked", "gunicorn sync, 2 workers",
              (*_GUNICORN, "--worker-class", "sync", "--workers", "2", "{app}"), "http"),
    ServerDef("gunicorn-gevent-1", "gunicorn", "async", "gunicorn gevent, 1 worker",
              (*_GUNICORN, "--worker-class", "gevent", "--workers", "1", "{app}"), "http"),
)}


@dataclass(frozen=True)
class Case:
    key: str
    server: str  # key into SERVERS
    path: str  # workload path + query
    connections: int
    baseline: str | None = None  # key of the gunicorn case this one is compared with
    limit_rps: float | None = None  # Little's-law ceiling, when the workload has one
    limit_why: str = ""


NOISY_SHARE = 0.10  # other processes used more than a tenth of the machine during the run

IO_MS = 50
IO_LIMIT = 256 / (IO_MS / 1000)  # 5,120 req/s: every connection waits 50 ms per request
IO_WHY = f"Little's law: 256 connections / {IO_MS} ms"

CASES: tuple[Case, ...] = (
    Case("hello/pyserver-threaded", "pyserver-threaded-64", "/hello", 64, "hello/gunicorn-gthread"),
    Case("hello/gunicorn-gthread", "gunicorn-gthread-1x16", "/hello", 64),
    Case("hello/pyserver-forked", "pyserver-forked-2", "/hello", 64, "hello/gunicorn-sync"),
    Case("hello/gunicorn-sync", "gunicorn-sync-2", "/hello", 64),
    Case("hello/pyserver-async", "pyserver-async-1", "/hello", 64, "hello/gunicorn-gevent"),
    Case("hello/gunicorn-gevent", "gunicorn-gevent-1", "/hello", 64),
    Case("io/pyserver-async", "pyserver-async-1", f"/io?ms={IO_MS}", 256, "io/gunicorn-gevent", IO_LIMIT, IO_WHY),
    Case("io/pyserver-threaded", "pyserver-threaded-256", f"/io?ms={IO_MS}", 256, "io/gunicorn-gthread",
         IO_LIMIT, IO_WHY),
    Case("io/gunicorn-gevent", "gunicorn-gevent-1", f"/io?ms={IO_MS}", 256, None, IO_LIMIT, IO_WHY),
    Case("io/gunicorn-gthread", "gunicorn-gthread-1x16", f"/io?ms={IO_MS}", 256, None, IO_LIMIT, IO_WHY),
)
CASES_BY_KEY: dict[str, Case] = {c.key: c for c in CASES}

# ----------------------------------------------------------------------------- /proc


def _clk() -> int:
    return os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pids: Sequence[int]) -> float:
    """utime + stime (seconds) summed over live pids."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                rest = f.read().decode("utf-8", "replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(rest[11]) + int(rest[12])
    return total / _clk()


def host_busy_s() -> float:
    """CPU seconds the whole machine spent busy (all CPUs), from /proc/stat."""
    with open("/proc/stat") as f:
        parts = f.readline().split()
    vals = [int(x) for x in parts[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    # guest time is already counted in user/nice
    return (sum(vals[:8]) - idle) / _clk()


# ----------------------------------------------------------------------------- one run


@dataclass
class RunOutcome:
    case: str
    server: str
    repeat: int
    path: str
    connections: int
    ok: bool
    error: str = ""
    wrk: WrkResult | None = None
    server_cpu_s: float | None = None
    host_busy_s: float | None = None
    server_pids: int | None = None
    ready_line: str | None = None
    started: str = ""

    @property
    def server_cpu_share(self) -> float | None:
        if self.wrk is None or self.server_cpu_s is None or not self.wrk.duration_us:
            return None
        return self.server_cpu_s / (self.wrk.duration_us / 1e6)

    @property
    def foreign_share(self) -> float | None:
        """Foreign CPU as a share of the whole machine over the run (0.1 = a tenth of all cores)."""
        f = self.foreign_cpu_s
        if f is None or self.wrk is None or not self.wrk.duration_us:
            return None
        return f / ((os.cpu_count() or 1) * self.wrk.duration_us / 1e6)

    @property
    def noisy(self) -> bool:
        return (self.foreign_share or 0.0) > NOISY_SHARE

    @property
    def foreign_cpu_s(self) -> float | None:
        """Busy CPU time on the machine that was neither wrk nor the server."""
        if self.wrk is None or self.host_busy_s is None or self.server_cpu_s is None or self.wrk.wrk_cpu_s is None:
            return None
        return max(0.0, self.host_busy_s - self.server_cpu_s - self.wrk.wrk_cpu_s)

    def row(self) -> dict[str, Any]:
        d: dict[str, Any] = {"case": self.case, "server": self.server, "repeat": self.repeat, "path": self.path,
                             "connections": self.connections, "ok": self.ok, "error": self.error,
                             "started": self.started, "server_cpu_s": self.server_cpu_s,
                             "server_cpu_share": self.server_cpu_share, "host_busy_s": self.host_busy_s,
                             "foreign_cpu_s": self.foreign_cpu_s, "foreign_share": self.foreign_share,
                             "noisy": self.noisy, "server_pids": self.server_pids,
                             "ready_line": self.ready_line}
        if self.wrk is not None:
            d.update({f"wrk_{k}" if k in ("url", "threads", "connections", "duration_s") else k: v
                      for k, v in result_row(self.wrk).items()})
        return d


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_argv(sd: ServerDef, python: str, port: int) -> list[str]:
    return [a.format(python=python, host=HOST, port=port, app=APP) for a in sd.argv]


def start_server(sd: ServerDef, *, python: str, cpus: str | None, log_path: Path, timeout: float) -> RunningServer:
    port = free_port()
    argv = server_argv(sd, python, port)
    ready = ReadyLine() if sd.ready == "line" else ReadyHttp(f"http://{HOST}:{port}", path="/hello")
    return launch(argv, ready=ready, log_path=log_path, cwd=ROOT, cpus=cpus, timeout=timeout)


def check_endpoint(url: str, timeout: float = 10.0) -> None:
    """One GET before measuring: the workload answers 200 (else the run would measure errors)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {url} answered {resp.status}: {body[:200]!r}")
    finally:
        conn.close()


def run_once(case: Case, repeat: int, *, args: argparse.Namespace, out_dir: Path) -> RunOutcome:
    sd = SERVERS[case.server]
    tag = f"{case.key.replace('/', '_')}_r{repeat}"
    oc = RunOutcome(case.key, sd.name, repeat, case.path, case.connections, ok=False,
                    started=_dt.datetime.now().isoformat(timespec="seconds"))
    try:
        srv = start_server(sd, python=args.python, cpus=args.server_cpus, log_path=out_dir / "logs" / f"{tag}.server.log",
                           timeout=args.ready_timeout)
    except LaunchError as e:
        oc.error = "launch failed: " + str(e).splitlines()[0]
        _note(f"  {case.key} r{repeat}: {oc.error}")
        _note("    " + "\n    ".join(e.log_tail.splitlines()[-5:]))
        return oc
    try:
        oc.ready_line = srv.ready_line
        url = srv.url + case.path
        check_endpoint(url)
        if args.warmup > 0:
            run_wrk(url, connections=case.connections, duration_s=args.warmup, timeout_s=args.wrk_timeout,
                    cpus=args.wrk_cpus, work_dir=out_dir / "wrk" / f"{tag}.warmup")
        pids = srv.pids()
        cpu0, busy0 = proc_cpu_s(pids), host_busy_s()
        res = run_wrk(url, connections=case.connections, duration_s=args.duration, timeout_s=args.wrk_timeout,
                      cpus=args.wrk_cpus, work_dir=out_dir / "wrk" / tag)
        oc.host_busy_s = host_busy_s() - busy0
        pids_after = srv.pids()
        oc.server_cpu_s = proc_cpu_s(pids_after) - cpu0 if set(pids_after) == set(pids) else None
        oc.server_pids = len(pids_after)
        oc.wrk = res
        oc.ok = True
        if not srv.alive():
            oc.ok, oc.error = False, f"server exited during the run (code {srv.returncode})"
    except (WrkError, OSError, RuntimeError, http.client.HTTPException) as e:
        oc.error = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    finally:
        srv.stop()
    return oc


def _note(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- summary


def _median(xs: Sequence[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


@dataclass
class Summary:
    case: Case
    label: str
    runs: list[RunOutcome] = field(default_factory=list)

    @property
    def good(self) -> list[RunOutcome]:
        return [r for r in self.runs if r.ok and r.wrk is not None]

    def med(self, f) -> float | None:
        return _median([f(r) for r in self.good])

    @property
    def rps(self) -> float | None:
        return self.med(lambda r: r.wrk.rps)

    def spread(self) -> str:
        xs = [r.wrk.rps for r in self.good]
        if len(xs) < 2:
            return "-"
        cv = statistics.stdev(xs) / statistics.mean(xs) * 100 if statistics.mean(xs) else 0
        return f"{min(xs):,.0f}-{max(xs):,.0f} (CV {cv:.1f}%)"

    def errors(self) -> int:
        return sum(r.wrk.errors.total for r in self.good)

    def requests(self) -> int:
        return sum(r.wrk.requests for r in self.good)

    def noisy_runs(self) -> int:
        return sum(1 for r in self.good if r.noisy)

    def generator_bound_runs(self) -> int:
        return sum(1 for r in self.good if r.wrk.generator_bound)

    def to_json(self) -> dict[str, Any]:
        g = self.good
        return {
            "case": self.case.key, "server": self.case.server, "label": self.label, "path": self.case.path,
            "connections": self.case.connections, "runs": len(self.runs), "ok_runs": len(g),
            "rps_median": self.rps, "rps_all": [r.wrk.rps for r in g],
            "p50_us_median": self.med(lambda r: r.wrk.latency.p50_us),
            "p99_us_median": self.med(lambda r: r.wrk.latency.p99_us),
            "p99_9_us_median": self.med(lambda r: r.wrk.latency.p99_9_us),
            "p99_us_corrected_median": self.med(lambda r: r.wrk.latency_corrected.p99_us),
            "latency_kind": sorted({r.wrk.latency_kind for r in g}),
            "served_share_median": self.med(lambda r: r.wrk.served_share),
            "wrk_cpu_share_median": self.med(lambda r: r.wrk.wrk_cpu_share),
            "server_cpu_share_median": self.med(lambda r: r.server_cpu_share),
            "foreign_cpu_s_median": self.med(lambda r: r.foreign_cpu_s),
            "foreign_share_median": self.med(lambda r: r.foreign_share), "noisy_runs": self.noisy_runs(),
            "generator_bound_runs": self.generator_bound_runs(), "errors": self.errors(),
            "requests": self.requests(), "limit_rps": self.case.limit_rps,
            "failures": [r.error for r in self.runs if not r.ok],
        }


def _ms(us: float | None) -> str:
    if us is None:
        return "-"
    ms = us / 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


HEADER = ("server", "workload", "conns", "req/s (median)", "spread min-max", "p50 ms", "p99 ms",
          "p99 ms wrk-corrected", "vs gunicorn", "vs limit", "served", "errors", "server CPU", "wrk CPU", "other CPU")


def table_rows(summaries: dict[str, Summary]) -> list[tuple[str, ...]]:
    rows = []
    for key, s in summaries.items():
        c = s.case
        if not s.good:
            why = s.runs[0].error if s.runs else "not run"
            rows.append((s.label, c.path, str(c.connections), "FAILED", why[:80], *["-"] * (len(HEADER) - 5)))
            continue
        rps = s.rps
        base = summaries.get(c.baseline) if c.baseline else None
        ratio = f"{rps / base.rps:.2f}x" if base is not None and base.rps else "-"
        eff = f"{rps / c.limit_rps * 100:.1f}% of {c.limit_rps:,.0f}" if c.limit_rps else "-"
        errs = s.errors()
        err = "0" if errs == 0 else f"{errs:,} ({errs / max(1, s.requests()) * 100:.2f}%)"
        wrk_cpu = _pct(s.med(lambda r: r.wrk.wrk_cpu_share))
        gb = s.generator_bound_runs()
        if gb:
            wrk_cpu += f" GENERATOR-BOUND ({gb}/{len(s.good)})"
        other = _pct(s.med(lambda r: r.foreign_share))
        noisy = s.noisy_runs()
        if noisy:
            other += f" NOISY ({noisy}/{len(s.good)})"
        failed = len(s.runs) - len(s.good)
        label = s.label + (f" ({failed} run(s) failed)" if failed else "")
        rows.append((label, c.path, str(c.connections), f"{rps:,.0f}", s.spread(),
                     _ms(s.med(lambda r: r.wrk.latency.p50_us)), _ms(s.med(lambda r: r.wrk.latency.p99_us)),
                     _ms(s.med(lambda r: r.wrk.latency_corrected.p99_us)), ratio, eff,
                     _pct(s.med(lambda r: r.wrk.served_share)), err,
                     _pct(s.med(lambda r: r.server_cpu_share)), wrk_cpu, other))
    return rows


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def text_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADER)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(HEADER), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def environment(args: argparse.Namespace) -> dict[str, Any]:
    def ver(cmd: list[str]) -> str:
        import subprocess
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except Exception as e:  # noqa: BLE001 - environment facts are best effort
            return f"unknown ({e})"
    return {
        "when": _dt.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
        "kernel": platform.release(), "cpus": os.cpu_count(), "affinity": sorted(os.sched_getaffinity(0)),
        "python": ver([args.python, "-VV"]), "gunicorn": ver([args.python, "-m", "gunicorn", "--version"]),
        "wrk": ver(["wrk", "-v"]), "server_cpus": args.server_cpus, "wrk_cpus": args.wrk_cpus,
        "duration_s": args.duration, "warmup_s": args.warmup, "repeats": args.repeats,
        "wrk_threads": 1, "wrk_timeout_s": args.wrk_timeout, "loadavg_before": os.getloadavg(),
    }


def notes(summaries: dict[str, Summary], env: dict[str, Any]) -> str:
    kinds = sorted({k for s in summaries.values() for k in s.to_json()["latency_kind"]})
    return "\n".join([
        f"Median of {env['repeats']} interleaved repeats, {env['duration_s']} s each after a {env['warmup_s']} s "
        f"warm-up, fresh server per run. Server pinned to CPU {env['server_cpus']}, wrk (1 thread, closed loop) "
        f"to CPU {env['wrk_cpus']}. {env['wrk']}; {env['gunicorn']}; {env['python']}; {env['when']}.",
        f"Latency: {', '.join(kinds) or 'n/a'} (wrk's coordinated-omission correction undone; wrk's own corrected "
        "p99 shown beside it). Closed-loop latency only describes requests that were sent.",
        "served: time in completed requests / (connections x duration) (Little's law); below 100% means some "
        "connections waited or were never answered. server CPU: the server's process tree, share of one core. "
        f"wrk CPU above {GENERATOR_BOUND_SHARE:.0%} of its core marks the run GENERATOR-BOUND (it measured wrk). "
        "other CPU: busy time of the whole machine (/proc/stat) minus server and wrk, as a share of all cores; "
        f"above {NOISY_SHARE:.0%} the run is NOISY (foreign load competed for the CPUs).",
        "gunicorn sync closes the connection after every response by design, so wrk reconnects for every request.",
    ])


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m harness.bench_server",
        description="wrk against pyserver and gunicorn in the matching concurrency model, side by side.",
        epilog="Cases: " + ", ".join(c.key for c in CASES))
    p.add_argument("--repeats", type=int, default=3, help="interleaved repeats per case (default 3)")
    p.add_argument("--duration", type=int, default=10, help="measured seconds per run (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="warm-up seconds per run, 0 for none (default 2)")
    p.add_argument("--quick", action="store_true", help="1 repeat, 3 s, 1 s warm-up: a smoke run, not a result")
    p.add_argument("--only", action="append", default=[], metavar="TEXT",
                   help="run only cases whose key contains TEXT (repeatable), e.g. --only gunicorn --only io/")
    p.add_argument("--list", action="store_true", help="list the cases and server commands, then exit")
    p.add_argument("--server-cpus", default=None, help="taskset list for the server (default 1, or none on 1 CPU)")
    p.add_argument("--wrk-cpus", default=None, help="taskset list for wrk (default 0, or none on 1 CPU)")
    p.add_argument("--wrk-timeout", type=int, default=5, help="wrk --timeout seconds (default 5)")
    p.add_argument("--ready-timeout", type=float, default=30.0, help="seconds to wait for a server (default 30)")
    p.add_argument("--python", default=sys.executable, help="interpreter that runs the servers (default: this one)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "bench-server", help="output directory")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.duration, a.warmup = 1, 3, 1
    if a.repeats < 1 or a.duration < 1 or a.warmup < 0:
        p.error("--repeats and --duration must be >= 1, --warmup >= 0")
    cpus = sorted(os.sched_getaffinity(0))
    if a.server_cpus is None:
        a.server_cpus = str(cpus[1]) if len(cpus) >= 2 else None
    if a.wrk_cpus is None:
        a.wrk_cpus = str(cpus[0]) if len(cpus) >= 2 else None
    return a


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = [c for c in CASES if not args.only or any(t in c.key for t in args.only)]
    if args.list:
        for c in cases:
            print(f"{c.key:26} c={c.connections:<4} {c.path:12} {' '.join(server_argv(SERVERS[c.server], args.python, 0))}")
        return 0
    if not cases:
        _note("no case matches --only")
        return 2
    if args.server_cpus is None:
        _note("warning: fewer than 2 CPUs usable; server and wrk are not pinned apart")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = args.out / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    env = environment(args)
    per_run = args.duration + args.warmup + 2
    _note(f"{len(cases)} cases x {args.repeats} repeats, ~{len(cases) * args.repeats * per_run / 60:.1f} min; "
          f"server on CPU {args.server_cpus}, wrk on CPU {args.wrk_cpus}; output {out_dir}")

    summaries = {c.key: Summary(c, SERVERS[c.server].label) for c in cases}
    jsonl = open(out_dir / "runs.jsonl", "w")
    rows: list[dict[str, Any]] = []
    try:
        for rep in range(1, args.repeats + 1):
            for c in cases:
                oc = run_once(c, rep, args=args, out_dir=out_dir)
                summaries[c.key].runs.append(oc)
                row = oc.row()
                rows.append(row)
                jsonl.write(json.dumps(row) + "\n")
                jsonl.flush()
                if oc.ok and oc.wrk is not None:
                    w = oc.wrk
                    flag = "  GENERATOR-BOUND" if w.generator_bound else ""
                    _note(f"  r{rep} {c.key:24} {w.rps:10,.0f} req/s  p50 {_ms(w.latency.p50_us)} ms  "
                          f"p99 {_ms(w.latency.p99_us)} ms  errors {w.errors.total}  served {_pct(w.served_share)}  "
                          f"wrk CPU {_pct(w.wrk_cpu_share)}  server CPU {_pct(oc.server_cpu_share)}  "
                          f"other CPU {_pct(oc.foreign_share)}{flag}{'  NOISY' if oc.noisy else ''}")
                elif oc.error and not oc.error.startswith("launch failed"):
                    _note(f"  r{rep} {c.key:24} FAILED: {oc.error}")
    finally:
        jsonl.close()
        if rows:
            keys = list(dict.fromkeys(k for r in rows for k in r))
            with open(out_dir / "runs.csv", "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=keys)
                w.writeheader()
                w.writerows(rows)

    trows = table_rows(summaries)
    md = markdown_table(trows)
    note = notes(summaries, env)
    report_md = f"## pyserver vs gunicorn ({env['when']})\n\n{md}\n\n{note}\n"
    (out_dir / "table.md").write_text(report_md)
    summary_json = {"environment": env, "cases": [s.to_json() for s in summaries.values()]}
    (out_dir / "summary.json").write_text(json.dumps(summary_json, indent=2))
    (args.out / "latest.md").write_text(report_md)
    (args.out / "latest.json").write_text(json.dumps(summary_json, indent=2))

    print()
    print(text_table(trows))
    print()
    print(note)
    print(f"\nwritten: {out_dir}/runs.jsonl, runs.csv, table.md, summary.json; {args.out}/latest.md")
    failed = sum(1 for s in summaries.values() for r in s.runs if not r.ok)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
