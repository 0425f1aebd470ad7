"""`arena run` and `arena sweep`: the harness's two measuring commands.

harness/cli.py registers them with ``commands.register(subparsers)``; until then
``python -m harness.commands run|sweep ...`` runs them directly.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import signal
import sys
import time
from pathlib import Path

from harness import catalog, launch, store, sweep
from harness.run import DRIVERS, Point, run_point
from harness.specs import LoadSpec
from workloads import contract

ROOT = Path(__file__).resolve().parents[1]
INTERRUPTED = 130

RUN_HELP = """\
Measure one point: start SERVER natively (own process group, pinned to --server-cpus
with taskset, log captured), wait for READY, verify every endpoint against the
workload contract (a server that fails is recorded as not-verified and not measured),
warm up, measure with the driver pinned to --load-cpus while sampling the server's
CPU and memory from /proc, stop the server, and append one row to
results/CAMPAIGN/runs.csv (raw driver output under raw/RUN_ID/).

Closed loop: --connections C (wrk, or locust users). Open loop: --rate R (vegeta;
latency counted from each request's scheduled send time, so stalls show in the tail).
The row says the theoretical limit of the point, the efficiency against it, and what
the bottleneck was (server, limit, generator, errors, noisy).

--launcher docker runs the server in its family's container instead (image built or
reused by content hash, host network, --cpuset-cpus from --server-cpus, --memory from
--memory, removed afterwards); DOCKER_HOST points it at another machine's engine.
See docs/docker.md."""

SWEEP_HELP = """\
Run a sweep file (TOML, see harness/sweeps/quick.toml): servers x workloads x load
points x repeats, repeats interleaved (A B C A B C). Rows are appended to
results/CAMPAIGN/ as each run ends, with campaign.json holding the host, tool
versions, pinning and the /cpu calibration. Ctrl-C stops the running server, keeps
every finished row and exits 130 (so does SIGTERM); running the same command again resumes where it
stopped (stored run ids are skipped). Ends with a table per workload: throughput,
p99, efficiency against the theoretical limit, and the bottleneck."""


def _cpu_list(text: str) -> str:
    import re
    if not re.fullmatch(r"[0-9,\-]+", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a CPU list such as 1 or 0-1")
    return text


def _memory(text: str) -> str:
    if not sweep.MEMORY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a memory size such as 512m or 2g")
    return text


def engine_error(launcher: str) -> str | None:
    """Why the launcher cannot start servers here (None when it can), asked once up front
    so that a missing engine is one clear error, not a failed row per run."""
    return launch.get(launcher).unavailable()


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def add_run_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="measure one point (server x workload x load) and store its row",
                       description=RUN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="a catalog name (servers/catalog.toml)")
    p.add_argument("--workload", required=True, choices=contract.WORKLOADS)
    load = p.add_mutually_exclusive_group(required=True)
    load.add_argument("--connections", type=_positive(int), help="closed loop: connections (wrk) or users (locust)")
    load.add_argument("--rate", type=_positive(float), help="open loop: requests per second (vegeta)")
    p.add_argument("--driver", choices=DRIVERS, help="default: wrk with --connections, vegeta with --rate")
    p.add_argument("--duration", type=_positive(float), default=10.0, help="measured seconds (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds, not recorded (default 2)")
    p.add_argument("--server-cpus", type=_cpu_list, default="1", help="taskset list for the server (default 1)")
    p.add_argument("--load-cpus", type=_cpu_list, default="0", help="taskset list for the load tool (default 0)")
    p.add_argument("--launcher", choices=launch.LAUNCHERS, default="native",
                   help="start the server as a process (native, the default) or a container (docker)")
    p.add_argument("--memory", type=_memory, help="container memory limit, e.g. 512m or 2g (docker only)")
    p.add_argument("--io-ms", type=int, default=50, help="wait of /io, /mixed, /upstream (default 50)")
    p.add_argument("--cpu-n", type=int, default=80_000, help="kernel iterations of /cpu, /mixed (default 80000)")
    p.add_argument("--scenario", default="endpoint", help="locust scenario in workloads/scenarios/ (default endpoint)")
    p.add_argument("--locust-workers", type=int, default=0,
                   help="locust master/worker mode with N worker processes on loopback")
    p.add_argument("--campaign", default="adhoc", help="results/CAMPAIGN/ (default adhoc)")
    p.add_argument("--results", type=Path, default=ROOT / "results", help="results root (default results/)")
    p.set_defaults(func=cmd_run)
    return p


def add_sweep_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("sweep", help="run a sweep file (resumable), then print a table per workload",
                       description=SWEEP_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a sweep file, e.g. harness/sweeps/quick.toml (or just quick.toml)")
    p.add_argument("--campaign", help="store under this campaign instead of the file's")
    p.add_argument("--results", type=Path, help="results root (default: the file's, else results/)")
    p.add_argument("--launcher", choices=launch.LAUNCHERS,
                   help="run every point with this launcher, whatever the file says (run ids say which)")
    p.add_argument("--dry-run", action="store_true", help="list the runs (done/todo) without running")
    p.add_argument("--summary", action="store_true", help="only print the table of what is stored")
    p.set_defaults(func=cmd_sweep)
    return p


def register(sub) -> None:
    """Add `run` and `sweep` to an argparse subparsers object."""
    add_run_parser(sub)
    add_sweep_parser(sub)


def stop_on_sigterm() -> None:
    """SIGTERM (`kill`, a cancelled CI job) stops a run as Ctrl-C does: the running server
    is stopped, every finished row kept, exit 130. Without this a TERM would leave the
    server's process group running and skip the cleanup."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def cmd_run(args: argparse.Namespace) -> int:
    stop_on_sigterm()
    driver = args.driver or ("vegeta" if args.rate else "wrk")
    if driver == "vegeta" and not args.rate:
        print("arena run: vegeta is an open loop; give --rate", file=sys.stderr)
        return 2
    if driver != "vegeta" and not args.connections:
        print(f"arena run: {driver} is a closed loop; give --connections", file=sys.stderr)
        return 2
    if args.memory and args.launcher != "docker":
        print("arena run: --memory limits a container; add --launcher docker", file=sys.stderr)
        return 2
    try:
        spec = catalog.get(args.server)
    except catalog.CatalogError as exc:
        print(f"arena run: {exc}", file=sys.stderr)
        return 2
    problem = engine_error(args.launcher)
    if problem:
        print(f"arena run: --launcher docker: {problem}", file=sys.stderr)
        return 2
    level = f"c{args.connections}" if args.connections else f"r{args.rate:g}"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    where = "" if args.launcher == "native" else f".{args.launcher}"
    run_id = f"{args.server}.{args.workload}.{driver}.{level}{where}.{stamp}"
    camp = store.Campaign(args.results, args.campaign)
    from harness.measure import host
    camp.write_meta({**host.facts(args.server_cpus, args.load_cpus), "created_at": stamp,
                     "started_at": stamp, "sweep": "arena run"})
    point = Point(campaign=args.campaign, run_id=run_id, server=args.server, workload=args.workload,
                  io_ms=args.io_ms, cpu_n=args.cpu_n, server_cpus=args.server_cpus,
                  load_cpus=args.load_cpus, scenario=args.scenario, locust_workers=args.locust_workers,
                  launcher=args.launcher, memory=args.memory,
                  load=LoadSpec(driver=driver, connections=args.connections, rate=args.rate,
                                duration_s=args.duration, warmup_s=args.warmup))
    try:
        measured = run_point(point, raw_dir=camp.raw_dir(run_id), spec=spec,
                             note=lambda m: print(m, file=sys.stderr))
    except ValueError as exc:
        print(f"arena run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\narena run: interrupted; the server was stopped, nothing stored", file=sys.stderr)
        return INTERRUPTED
    camp.append(measured.result)
    r = measured.result
    sweep._report_run(r, sys.stdout)
    print(f"stored as {r.run_id} in {camp.runs_path}")
    return 0 if r.status == "ok" else 1


def cmd_sweep(args: argparse.Namespace) -> int:
    stop_on_sigterm()
    try:
        sw = sweep.load(args.file)
    except sweep.SweepError as exc:
        print(f"arena sweep: {exc}", file=sys.stderr)
        return 2
    if args.campaign:
        if store.safe_name(args.campaign) != args.campaign:
            print("arena sweep: --campaign must be letters, digits and ._=+-", file=sys.stderr)
            return 2
        sw = dataclasses.replace(sw, campaign=args.campaign)
    if args.results:
        sw = dataclasses.replace(sw, results=args.results)
    try:
        sw = sweep.with_launcher(sw, args.launcher) if args.launcher else sw
    except sweep.SweepError as exc:
        print(f"arena sweep: {exc}", file=sys.stderr)
        return 2
    if not (args.dry_run or args.summary) and "docker" in sweep.launchers(sw):
        problem = engine_error("docker")
        if problem:
            print(f"arena sweep: the sweep runs servers in Docker: {problem}", file=sys.stderr)
            return 2
    camp = store.Campaign(sw.results, sw.campaign)
    t0 = time.monotonic()
    code = 0
    if not args.summary:
        try:
            sweep.run_sweep(sw, dry_run=args.dry_run)
        except KeyboardInterrupt:
            print(f"\narena sweep: interrupted; the running server was stopped, every finished row "
                  f"is in {camp.runs_path}; run the same command again to resume.", file=sys.stderr)
            code = INTERRUPTED
        except (sweep.SweepError, store.StoreError) as exc:
            print(f"arena sweep: {exc}", file=sys.stderr)
            return 2
        if args.dry_run:
            return 0
    try:
        rows = camp.rows()
    except store.StoreError as exc:
        print(f"arena sweep: {exc}", file=sys.stderr)
        return 2
    planned = {p.run_id for p in sweep.plan(sw)}
    rows = [r for r in rows if r["run_id"] in planned]
    print(sweep.format_summary(sweep.summarise(rows)))
    if not args.summary:
        print(f"\n{len(rows)} of {len(planned)} runs stored in {camp.runs_path}; "
              f"this invocation took {time.monotonic() - t0:.0f} s")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arena", description="Concurrency Arena harness")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
