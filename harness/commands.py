"""`arena run` and `arena sweep`, the harness's two measuring commands, and `arena compare`.

harness/cli.py registers them with ``commands.register(subparsers)``. `arena run`'s
flags come from harness/plan/settings.py, the schema of sweep files, so one point
is described the same way on the command line and in a file.
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
from harness.plan import calibrate, plan, settings
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec

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
stopped (stored run ids are skipped). A point short of clean or stable repeats is
rerun, up to the file's max_reruns, each rerun a row saying what it reruns and why.
Ends with a table per workload: throughput,
p99, efficiency against the theoretical limit, and the bottleneck."""


def engine_error(launcher: str) -> str | None:
    """Why the launcher cannot start servers here (None when it can), asked once up front
    so that a missing engine is one clear error, not a failed row per run."""
    return launch.get(launcher).unavailable()


# `arena run` takes the sweep-file settings that have a flag, with these differences:
RUN_DEFAULTS = {"campaign": "adhoc", "results": Path("results"), "driver": None, "launcher": "native"}
RUN_REQUIRED = ("servers", "workload")
RUN_LEVELS = ("connections", "rates")       # one of them: the loop's level


def _flag_type(setting: settings.Setting):
    """argparse's type= for a setting: its kind's own reading of the text, errors as usage errors."""
    def parse(text: str):
        try:
            value = setting.kind.from_text(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value[0] if isinstance(value, tuple) else value
    parse.__name__ = setting.key
    return parse


def add_run_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="measure one point (server x workload x load) and store its row",
                       description=RUN_HELP, epilog="Every flag is also a sweep-file key: docs/sweep-files.md", formatter_class=argparse.RawDescriptionHelpFormatter)
    levels = p.add_mutually_exclusive_group(required=True)
    for s in settings.SETTINGS:
        if not s.flag:
            continue
        default = RUN_DEFAULTS.get(s.key, s.default)
        shown = "" if default in (None, (), "") or s.key in RUN_REQUIRED else f" (default {default})"
        target = levels if s.key in RUN_LEVELS else p
        target.add_argument(s.flag, dest=s.key, type=Path if s.key == "results" else _flag_type(s),
                            required=s.key in RUN_REQUIRED, help=s.help + shown,
                            metavar=s.flag.lstrip("-").upper().replace("-", "_"),
                            **({} if s.key in RUN_LEVELS + RUN_REQUIRED else {"default": default}))
    p.set_defaults(func=cmd_run)
    return p


def add_sweep_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("sweep", help="run a sweep file (resumable), then print a table per workload",
                       description=SWEEP_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a sweep file, e.g. harness/sweeps/quick.toml (or just quick.toml); "
                                "its keys: docs/sweep-files.md")
    p.add_argument("--campaign", help="store under this campaign instead of the file's")
    p.add_argument("--results", type=Path, help="results root (default: the file's, else results/)")
    p.add_argument("--launcher", choices=settings.LAUNCHERS,
                   help="run every point with this launcher, whatever the file says (run ids say which)")
    p.add_argument("--dry-run", action="store_true",
                   help="list the runs (done/todo) and estimate the time, reruns included, without running")
    p.add_argument("--summary", action="store_true", help="only print the table of what is stored")
    p.set_defaults(func=cmd_sweep)
    return p


COMPARE_HELP = """\
Two campaigns side by side, per point measured in both (server, workload, target,
load, launcher): the median of each with its bootstrap 95% interval, the ratio B/A
with its own interval, and a verdict from that interval alone: B faster or slower
when it excludes 1, else no significant difference. Campaigns measured on different
machines (campaign.json's host) are refused unless --across-machines, and then the
output says so. Exit 2 on a campaign that cannot be read or a refused comparison."""


def add_compare_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("compare", help="two campaigns side by side: ratios and their significance",
                       description=COMPARE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", metavar="A", help="the first campaign: a name under results/ or its directory")
    p.add_argument("b", metavar="B", help="the second campaign, compared against A (ratios are B/A)")
    p.add_argument("--metric", default="rps", choices=("rps", "latency_p50_ms", "latency_p99_ms"),
                   help="what to compare (default rps; for latency, lower is faster)")
    p.add_argument("--across-machines", action="store_true",
                   help="compare campaigns measured on different machines, and say so")
    p.set_defaults(func=cmd_compare)
    return p


def cmd_compare(args: argparse.Namespace) -> int:
    from harness.analysis import compare, frame, report      # the analysis extra (pandas)
    try:
        result = compare.compare(report.resolve(args.a), report.resolve(args.b), metric=args.metric,
                                 across_machines=args.across_machines)
    except frame.CampaignError as exc:
        print(f"arena compare: {exc}", file=sys.stderr)
        return 2
    print(compare.text(result))
    return 0


def register(sub) -> None:
    """Add `run`, `sweep` and `compare` to an argparse subparsers object."""
    add_run_parser(sub)
    add_sweep_parser(sub)
    add_compare_parser(sub)


def stop_on_sigterm() -> None:
    """SIGTERM (`kill`, a cancelled CI job) stops a run as Ctrl-C does: the running server
    is stopped, every finished row kept, exit 130. Without this a TERM would leave the
    server's process group running and skip the cleanup."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def _run_spec(args: argparse.Namespace, stamp: str) -> RunSpec:
    """The RunSpec of `arena run`'s flags; SystemExit(2) naming the flag when a rule is broken."""
    driver = args.driver or ("vegeta" if args.rates else "wrk")
    launcher = args.launcher
    view = {"driver": driver, "workload": args.workload, "memory": args.memory,
            "connections": (args.connections,) if args.connections else (),
            "rates": (args.rates,) if args.rates else (), "rate_fractions": (), "launcher": (launcher,)}
    for key, msg in settings.rule_errors(view, settings.as_flag):
        print(f"arena run: {settings.BY_KEY[key].flag or key}: {msg}", file=sys.stderr)
        raise SystemExit(2)
    level = f"c{args.connections}" if args.connections else f"r{args.rates:g}"
    where = "" if launcher == "native" else f".{launcher}"
    sizing = (f".w{args.workers}" if args.workers else "") + (f".t{args.threads}" if args.threads else "")
    return RunSpec(campaign=args.campaign, run_id=f"{args.servers}.{args.workload}.{driver}.{level}"
                                                  f"{where}{sizing}.{stamp}",
                   server=args.servers, workload=args.workload, io_ms=args.io_ms, cpu_n=args.cpu_n,
                   server_cpus=args.server_cpus, load_cpus=args.load_cpus, scenario=args.scenario,
                   locust_workers=args.locust_workers, launcher=launcher, memory=args.memory,
                   workers=None if args.workers is None else str(args.workers),
                   threads=None if args.threads is None else str(args.threads),
                   load=LoadSpec(driver=driver, connections=args.connections, rate=args.rates,
                                 duration_s=args.duration_s, warmup_s=args.warmup_s))


def cmd_run(args: argparse.Namespace) -> int:
    stop_on_sigterm()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    run = _run_spec(args, stamp)
    try:
        spec = catalog.with_sizing(catalog.get(run.server), run.workers, run.threads)
    except catalog.CatalogError as exc:
        print(f"arena run: {exc}", file=sys.stderr)
        return 2
    problem = engine_error(run.launcher)
    if problem:
        print(f"arena run: --launcher docker: {problem}", file=sys.stderr)
        return 2
    camp = store.Campaign(ROOT / args.results, args.campaign)
    from harness.measure import host
    camp.write_meta({**host.facts(run.server_cpus, run.load_cpus), "created_at": stamp,
                     "started_at": stamp, "sweep": "arena run"})
    try:
        measured = run_point(run, raw_dir=camp.raw_dir(run.run_id), spec=spec,
                             note=lambda m: print(m, file=sys.stderr))
    except ValueError as exc:
        print(f"arena run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\narena run: interrupted; the server was stopped, nothing stored", file=sys.stderr)
        return INTERRUPTED
    camp.append(measured.result)
    r = measured.result
    sweep.print_run(r, sys.stdout)
    print(f"stored as {r.run_id} in {camp.runs_path}")
    return 0 if r.status == "ok" else 1


def _load_sweep(args: argparse.Namespace) -> plan.Sweep:
    """The sweep file with the command line's overrides; SweepError for a bad one."""
    sw = plan.load(args.file)
    if args.campaign:
        if store.safe_name(args.campaign) != args.campaign:
            raise plan.SweepError("--campaign must be letters, digits and ._=+-")
        sw = dataclasses.replace(sw, campaign=args.campaign)
    if args.results:
        sw = dataclasses.replace(sw, results=args.results)
    return plan.with_launcher(sw, args.launcher) if args.launcher else sw


def cmd_sweep(args: argparse.Namespace) -> int:
    stop_on_sigterm()
    try:
        sw = _load_sweep(args)
    except plan.SweepError as exc:
        print(f"arena sweep: {exc}", file=sys.stderr)
        return 2
    if not (args.dry_run or args.summary) and "docker" in plan.launchers(sw):
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
        except (plan.SweepError, calibrate.CalibrationError, store.StoreError) as exc:
            print(f"arena sweep: {exc}", file=sys.stderr)
            return 2
        if args.dry_run:
            return 0
    try:
        rows = camp.rows()
    except store.StoreError as exc:
        print(f"arena sweep: {exc}", file=sys.stderr)
        return 2
    planned = plan.plan(sw)
    rows = plan.sweep_rows(planned, rows)           # the planned runs and their reruns
    from harness.analysis.console import console_table     # the report's aggregation
    print(console_table(rows))
    if not args.summary:
        reran = sum(1 for r in rows if r["rerun_of"])
        print(f"\n{len(rows) - reran} of {len(planned)} runs and {reran} rerun(s) stored in {camp.runs_path}; "
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
