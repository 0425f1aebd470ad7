"""`arena run` and `arena sweep`, the harness's two measuring commands, and `arena compare`.

harness/cli.py registers them with ``commands.register(subparsers)``. `arena run`'s
flags come from harness/plan/settings.py, the schema of sweep files, so one point
is described the same way on the command line and in a file.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import os
import signal
import sys
import time
from pathlib import Path

from harness import catalog, launch, specs, store, sweep
from harness.app import AppError, AppSpec, preflight, probe
from harness.plan import calibrate, plan, settings
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec, ServerSpec

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
See docs/docker.md.

--app MODULE:CALLABLE --path /ENDPOINT measures your own WSGI app instead of a contract
workload: under every Python server and pyserver mode (or each --server named), sized
as for the contract apps, imported from the current directory. Before anything is
measured the app must import and be a WSGI callable, and one server serving it must
answer GET --path with 2xx (else exit 2, with the server's log); every run then checks
its server that way instead of the contract. --wait-ms declares the app's wait per
request (a query's time) for the limit's Little's law; the row stores it as declared.
Several servers, or --repeats N, run interleaved and end with a table of medians."""

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
RUN_LEVELS = ("connections", "rates")       # one of them: the loop's level
RUN_UNSET = ("io_ms", "servers")            # default applied after parsing: given or not tells


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
    p = sub.add_parser("run", help="measure one point (server x workload x load) and store its row; "
                                   "--app: your own WSGI app under every Python server",
                       description=RUN_HELP, epilog="Every flag is also a sweep-file key: docs/sweep-files.md", formatter_class=argparse.RawDescriptionHelpFormatter)
    levels = p.add_mutually_exclusive_group(required=True)
    for s in settings.SETTINGS:
        if not s.flag:
            continue
        default = RUN_DEFAULTS.get(s.key, s.default)
        shown = "" if default in (None, (), "") else f" (default {default})"
        target = levels if s.key in RUN_LEVELS else p
        target.add_argument(s.flag, dest=s.key, type=Path if s.key == "results" else _flag_type(s),
                            help=s.help + shown, metavar=s.flag.lstrip("-").upper().replace("-", "_"),
                            **({"action": "append"} if s.key == "servers" else {}),
                            **({} if s.key in RUN_LEVELS + RUN_UNSET else {"default": default}))
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


def _fail(message: str) -> SystemExit:
    print(f"arena run: {message}", file=sys.stderr)
    return SystemExit(2)


def _servers(args: argparse.Namespace) -> dict[str, ServerSpec]:
    """The servers `arena run` measures, with its sizing: --server's, or with --app every Python
    server; SystemExit(2) for an unknown one, or one that cannot serve the app."""
    known = catalog.load()
    names = args.servers or (catalog.app_servers(known) if args.app else ())
    if not names:
        raise _fail("--server is required (a catalog name: arena list)")
    chosen = {}
    for name in dict.fromkeys(names):
        try:
            spec = catalog.with_sizing(catalog.get(name), args.workers and str(args.workers),
                                       args.threads and str(args.threads))
        except catalog.CatalogError as exc:
            raise _fail(f"--server {name}: {exc}") from None
        problem = args.app and catalog.app_server_problem(spec)
        if problem:
            raise _fail(f"--server {name}: {problem}; --app runs under: "
                        f"{', '.join(catalog.app_servers(known))} (and their -ft twins)")
        chosen[name] = spec
    return chosen


def _run_specs(args: argparse.Namespace, servers: list[str], stamp: str) -> list[RunSpec]:
    """The RunSpecs of `arena run`'s flags, repeats interleaved over the servers;
    SystemExit(2) naming the flag when a rule is broken."""
    driver = args.driver or ("vegeta" if args.rates else "wrk")
    launcher = args.launcher
    view = {"driver": driver, "workload": args.workload, "memory": args.memory,
            "connections": (args.connections,) if args.connections else (),
            "rates": (args.rates,) if args.rates else (), "rate_fractions": (), "launcher": (launcher,),
            "app": args.app, "wait_ms": args.wait_ms, "scenario": args.scenario}
    errors = settings.rule_errors(view, settings.as_flag)
    if args.app and args.io_ms is not None:
        errors.append(("io_ms", "is the contract's /io wait; declare your app's own with --wait-ms"))
    for key, msg in errors:
        raise _fail(f"{settings.BY_KEY[key].flag or key}: {msg}")
    level = f"c{args.connections}" if args.connections else f"r{args.rates:g}"
    where = "" if launcher == "native" else f".{launcher}"
    sizing = (f".w{args.workers}" if args.workers else "") + (f".t{args.threads}" if args.threads else "")
    what = plan.app_label(args.app, args.path, args.wait_ms) if args.app else args.workload
    return [RunSpec(campaign=args.campaign,
                    run_id=f"{server}.{what}.{driver}.{level}{where}{sizing}.{stamp}"
                           + (f".r{repeat}" if args.repeats > 1 else ""),
                    server=server, workload=args.app or args.workload, app=args.app, path=args.path,
                    wait_ms=args.wait_ms, repeat=repeat,
                    io_ms=specs.IO_MS if args.io_ms is None else args.io_ms, cpu_n=args.cpu_n,
                    server_cpus=args.server_cpus, load_cpus=args.load_cpus, scenario=args.scenario,
                    locust_workers=args.locust_workers, launcher=launcher, memory=args.memory,
                    workers=None if args.workers is None else str(args.workers),
                    threads=None if args.threads is None else str(args.threads),
                    load=LoadSpec(driver=driver, connections=args.connections, rate=args.rates,
                                  duration_s=args.duration_s, warmup_s=args.warmup_s))
            for repeat in range(1, args.repeats + 1) for server in servers]


def check_app(name: str, path: str, first: ServerSpec, cpus: str | None) -> str | None:
    """Why a user's app cannot be measured (None: it can): it must import and be a WSGI
    callable, and ``first`` serving it must answer ``GET path`` with 2xx. Before any run."""
    try:
        spec = AppSpec.parse(name)
        probe(spec, cwd=os.getcwd())
        preflight(str(spec), path, first, cpus=cpus)
    except AppError as exc:
        return f"app {name}: {exc}"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    stop_on_sigterm()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    chosen = _servers(args)
    runs = _run_specs(args, list(chosen), stamp)
    problem = engine_error(args.launcher)
    if problem:
        print(f"arena run: --launcher docker: {problem}", file=sys.stderr)
        return 2
    problem = args.app and check_app(args.app, args.path, chosen[runs[0].server], runs[0].server_cpus)
    if problem:
        print(f"arena run: {problem}", file=sys.stderr)
        return 2
    camp = store.Campaign(ROOT / args.results, args.campaign)
    from harness.measure import host
    camp.write_meta({**host.facts(args.server_cpus, args.load_cpus), "created_at": stamp,
                     "started_at": stamp, "sweep": "arena run"})
    done = []
    try:
        for number, run in enumerate(runs, 1):
            if len(runs) > 1:
                print(f"[{number}/{len(runs)}] {run.run_id}", file=sys.stderr, flush=True)
            measured = run_point(run, raw_dir=camp.raw_dir(run.run_id), spec=chosen[run.server],
                                 note=lambda m: print(m, file=sys.stderr))
            camp.append(measured.result)
            done.append(measured.result)
            sweep.print_run(measured.result, sys.stdout if len(runs) == 1 else sys.stderr)
    except ValueError as exc:
        print(f"arena run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\narena run: interrupted; the server was stopped, {len(done)} finished row(s) "
              f"kept in {camp.runs_path}", file=sys.stderr)
        return INTERRUPTED
    if len(runs) > 1:
        from harness.analysis.console import console_table     # the report's aggregation
        ids = {r.run_id for r in done}
        print(console_table([r for r in camp.rows() if r["run_id"] in ids]))
    print(f"stored as {', '.join(r.run_id for r in done)} in {camp.runs_path}")
    return 0 if all(r.status == "ok" for r in done) else 1


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
    if not (args.dry_run or args.summary):
        for point in {(p.app, p.path): p for p in sw.points if p.app}.values():
            problem = check_app(point.app, point.path, catalog.get(point.servers[0]), point.server_cpus)
            if problem:
                print(f"arena sweep: {sw.path}: point {point.index + 1}: {problem}", file=sys.stderr)
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
