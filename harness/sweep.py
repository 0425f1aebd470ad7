"""The sweep loop: a planned sweep -> runs -> rows, with progress, resume and calibration.

    sw = plan.load("quick.toml")           # harness/plan/: the file, checked, and its runs
    run_sweep(sw)                           # results/<campaign>/runs.csv, one row per run

Order is the plan's (harness/plan/plan.py). Each row is appended as soon as its run
ends; Ctrl-C stops the running server, keeps every finished row and exits 130; the
same command resumes (run ids already stored are skipped). After the planned runs, a
point short of clean or stable repeats gets reruns, up to the sweep's ``max_reruns``
(harness/plan/reruns.py), each stored as its own row saying what it reruns and why;
a resumed sweep counts the reruns already stored. Two things are resolved
here because only the campaign knows them: the /cpu calibration (before the first
/cpu run) and the rate of a ``rate_fractions`` run (its share of the saturation the
campaign's closed-loop runs of the same server and workload measured).
"""
from __future__ import annotations

import datetime as _dt
import statistics
import sys
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, TextIO

from harness import catalog, row, store
from harness.measure import host as host_facts
from harness.plan import budget, calibrate, ceiling
from harness.plan.plan import ROOT, Sweep, plan
from harness.run import run_point
from harness.specs import RunResult, RunSpec, ServerSpec


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Progress:
    """One line per run: a bar, the count, the current run and the ETA (from runs that ran)."""

    def __init__(self, total: int, out: TextIO = sys.stderr):
        self.total, self.done, self.timed, self.out = total, 0, 0, out
        self.t0 = time.monotonic()

    def start(self, run: RunSpec) -> None:
        width = 20
        filled = int(width * self.done / max(self.total, 1))
        eta = ""
        if self.timed:
            left = (time.monotonic() - self.t0) / self.timed * (self.total - self.done)
            eta = f"  ETA {int(left // 60)}m{int(left % 60):02d}s"
        print(f"[{'#' * filled}{'.' * (width - filled)}] {self.done + 1}/{self.total} "
              f"{run.run_id}{eta}", file=self.out, flush=True)

    def finish(self) -> None:
        self.done += 1
        self.timed += 1

    def skip(self) -> None:
        self.done += 1


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


def server_for(run: RunSpec, specs: dict[str, ServerSpec]) -> ServerSpec:
    """The catalog entry of a run with the run's own sizing, if it has one."""
    return catalog.with_sizing(specs[run.server], run.workers, run.threads)


def _calibration(sweep: Sweep, camp: store.Campaign, todo: list[RunSpec], specs: dict,
                 meta: dict, out: TextIO) -> dict:
    """The campaign's calibration, measured now for runtimes that need one and lack it."""
    runtimes = {calibrate.calibrated_as(specs[r.server]) for r in todo if r.workload in ("cpu", "mixed")}
    calibration = meta.get("calibration") or {}
    if runtimes - set(calibration.get("runtimes") or {}):
        calibration = calibrate.calibrate(sweep.calibration, runtimes, cpus=sweep.server_cpus,
                                          log_dir=camp.dir / "raw" / "calibration", known=calibration,
                                          note=lambda m: print(m, file=out, flush=True))
        camp.write_meta({"calibration": calibration})
    return calibration


def _with_rate(run: RunSpec, camp: store.Campaign, target: str) -> RunSpec | None:
    """A rate_fractions run with its rate; None when the campaign has no saturation for it.
    A rerun keeps the rate its point's repeats ran at (it comes with it)."""
    if run.rate_fraction is None or run.load.rate is not None:
        return run
    sat = saturation(camp.rows(), run.server, run.workload, target, launcher=run.launcher,
                     server_cpus=run.server_cpus)
    if sat is None:
        return None
    return replace(run, load=replace(run.load, rate=max(1.0, round(sat * run.rate_fraction))))


class _Measure:
    """Runs one RunSpec to its stored row: calibration and rate resolved, order counted."""

    def __init__(self, camp: store.Campaign, specs: dict, calibration: dict, runner: Callable,
                 progress: Progress, out: TextIO):
        self.camp, self.specs, self.calibration, self.runner = camp, specs, calibration, runner
        self.progress, self.out = progress, out
        self.order = len(camp.run_ids())

    def __call__(self, run: RunSpec, **rerun: str) -> None:
        self.progress.start(run)
        self.order += 1
        spec = server_for(run, self.specs)
        run = calibrate.resolve_cpu(replace(run, order=self.order), calibrate.calibrated_as(spec),
                                   self.calibration)
        ready = _with_rate(ceiling.resolve(run, self.camp.rows), self.camp, catalog.workload_for(run).target)
        if ready is None:
            result = unmeasured(run, spec, "no closed-loop saturation measured for this "
                                           "server and workload in this campaign")
        else:
            result = self.runner(ready, raw_dir=self.camp.raw_dir(run.run_id), spec=spec).result
        result = replace(result, **rerun)
        self.camp.append(result)
        print_run(result, self.out)
        self.progress.finish()


def run_sweep(sweep: Sweep, *, out: TextIO = sys.stderr, dry_run: bool = False,
              runner: Callable[..., Any] = run_point) -> store.Campaign:
    """Run every planned run not already stored, then the reruns its points need (at most
    ``sweep.max_reruns`` each, harness/plan/reruns.py); rows are appended as runs end."""
    camp = store.Campaign(sweep.results, sweep.campaign)
    planned = ceiling.scheduled(plan(sweep), sweep.ceiling)
    existing = camp.run_ids()
    todo = [r for r in planned if r.run_id not in existing]
    print(f"sweep {sweep.path.name}: campaign {sweep.campaign} ({camp.dir}), {len(planned)} runs, "
          f"{len(planned) - len(todo)} already stored", file=out, flush=True)
    if dry_run:
        for r in planned:
            print(f"  {'done' if r.run_id in existing else 'todo'}  {r.run_id}", file=out)
        print(budget.describe(planned, todo, sweep.max_reruns), file=out)
        return camp
    where = sweep.path.relative_to(ROOT) if sweep.path.is_relative_to(ROOT) else sweep.path
    meta = camp.write_meta({**host_facts.facts(sweep.server_cpus, sweep.load_cpus),
                            "created_at": _now(), "started_at": _now(), "sweep": str(where),
                            "description": sweep.description})
    specs = {**catalog.load(), ceiling.SERVER: ceiling.SPEC}
    progress = Progress(len(planned), out)
    measure = _Measure(camp, specs, _calibration(sweep, camp, todo, specs, meta, out), runner, progress, out)
    for run in planned:
        if run.run_id in existing:
            progress.skip()
        else:
            measure(run)
    _rerun_rounds(sweep, camp, planned, measure, out)
    return camp


def _rerun_rounds(sweep: Sweep, camp: store.Campaign, planned: list[RunSpec], measure: _Measure,
                  out: TextIO) -> None:
    """Rounds of one rerun per point that needs one, decided from the stored rows, until none
    does or each has had ``max_reruns`` (a round adds one to every point it reruns)."""
    from harness.plan import reruns     # judges rows as the analysis does: the analysis extra (pandas)
    while todo := reruns.next_round(planned, camp.rows(), repeats=sweep.repeats,
                                    max_reruns=sweep.max_reruns):
        print(f"reruns: {len(todo)} point(s) short of clean or stable repeats get one more run",
              file=out, flush=True)
        measure.progress.total += len(todo)
        for rerun in todo:
            measure(rerun.run, rerun_of=rerun.of, rerun_reason=rerun.reason)


def unmeasured(run: RunSpec, spec: ServerSpec, why: str) -> RunResult:
    """The row of a run that could not be planned to the end: failed, with the reason."""
    return row.build(run, spec, catalog.workload_for(run), started_at=_now(),
                     sha=host_facts.git_sha(), status="failed", failure=why).result


def print_run(r: RunResult, out: TextIO) -> None:
    """The line under a run's progress line: what it measured, or why it did not."""
    if r.status != "ok":
        print(f"    {r.status}: {r.failure}", file=out, flush=True)
        return
    eff = (f"{r.efficiency:.0%} of {r.limit_kind} limit {r.limit_rps:,.0f}" if r.efficiency is not None
           else "no limit")
    p99 = f"{r.latency_p99_ms:.1f} ms" if r.latency_p99_ms is not None else "-"
    print(f"    {r.rps:,.0f} req/s  p99 {p99}  {eff}  -> {r.bottleneck}", file=out, flush=True)
