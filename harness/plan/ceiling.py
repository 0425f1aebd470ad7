"""The load path's ceiling in a sweep: which runs measure it, and which of them bounds a /hello run.

A sweep file with ``ceiling = "nginx"`` measures, before the first /hello wrk run of each
repeat, placement (server and load CPUs) and connection count, the harness's own nginx
(harness/launch/ceiling.py) at that point: same generator, same connections, same
duration. Just before each /hello wrk run, :func:`resolve` gives it that ceiling (the
same repeat's where it measured, else the median of the others), and its row's limit is
"load-path" with the ceiling's run id in ``limit_detail`` (harness/limits.py). Clean
ceilings come first: a noisy one (other processes took the machine; nginx read 63,596
req/s where the next repeats read 116,612 and 133,297) bounds only where no clean one
was measured. A ceiling that failed (nginx missing, a launch error) or had errors bounds
nothing; with none left, the /hello rows keep the generator's extrapolation, and the
ceilings' own rows say why.

    planned = ceiling.scheduled(plan(sweep), sweep.ceiling)
    run = ceiling.resolve(run, camp.rows)
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable, Iterable, Mapping

from harness.launch.ceiling import LAUNCHER, SERVER, SPEC  # noqa: F401 (SPEC: the sweep's spec)
from harness.specs import LoadSpec, RunSpec

TOOLS = ("none", "nginx")       # a sweep file's ``ceiling``: "none" measures no ceiling


def bounded(run: RunSpec) -> bool:
    """Whether the load path's ceiling bounds ``run``: a compared server's /hello under wrk."""
    return run.workload == "hello" and run.load.driver == "wrk" and run.server != SERVER


def _key(run: RunSpec) -> tuple:
    return run.repeat, run.server_placement.text, run.load_placement.text, run.load.connections


def ceiling_run(run: RunSpec) -> RunSpec:
    """The ceiling's run for the point of ``run``: its placement, connections, duration, repeat."""
    where = f".s{run.server_placement.text.replace(',', '+')}.l{run.load_placement.text.replace(',', '+')}"
    return RunSpec(
        campaign=run.campaign, server=SERVER, workload="hello", repeat=run.repeat,
        run_id=f"{SERVER}.hello.wrk.c{run.load.connections}{where}.r{run.repeat}",
        load=LoadSpec(driver="wrk", connections=run.load.connections, duration_s=run.load.duration_s,
                      warmup_s=run.load.warmup_s),
        server_cpus=run.server_cpus, load_cpus=run.load_cpus, launcher=LAUNCHER, timeout_s=run.timeout_s)


def scheduled(runs: Iterable[RunSpec], tool: str = "nginx") -> list[RunSpec]:
    """``runs`` with a ceiling run before the first /hello wrk run of each repeat, placement
    and connection count (``tool`` "none": unchanged)."""
    if tool not in TOOLS:
        raise ValueError(f"ceiling must be one of {', '.join(TOOLS)}, got {tool!r}")
    out: list[RunSpec] = []
    measured: set[tuple] = set()
    for run in runs:
        if tool != "none" and bounded(run) and _key(run) not in measured:
            measured.add(_key(run))
            out.append(ceiling_run(run))
        out.append(run)
    return out


def measured(row: Mapping) -> bool:
    """Whether a ceiling's row can bound a run: it ran, without errors, and has a rate (one
    that failed, nginx missing or a launch error, bounds nothing). ``row``: a stored row
    (text cells) or a loaded one (numbers, NaN for an empty cell)."""
    rps = row["rps"]
    return (row["status"] == "ok" and row["bottleneck"] != "errors"
            and rps not in ("", None) and not (isinstance(rps, float) and math.isnan(rps)))


def preferred(rows: list) -> list:
    """Of one point's measured ceilings, those that bound: the clean ones, and the noisy
    ones (other processes took the machine) only where none is clean."""
    return [r for r in rows if r["bottleneck"] != "noisy"] or rows


def _matches(row: dict, run: RunSpec) -> bool:
    return (row["server"] == SERVER and measured(row)
            and row["driver"] == "wrk" and row["connections"] == str(run.load.connections)
            and row["server_cpus"] == run.server_placement.text
            and row["load_cpus"] == run.load_placement.text)


def resolve(run: RunSpec, rows: Callable[[], Iterable[dict]]) -> RunSpec:
    """``run`` with the load path's ceiling the campaign measured for it (unchanged when
    none did or it is not bounded by one): the same repeat's ceiling, else the median run
    (the lower middle one of an even count) of the others; clean ceilings first, a noisy
    one (other processes took the machine) only where none is clean. ``rows`` reads the
    campaign's stored rows, called only for a run the ceiling bounds (reading runs.csv
    for every run of a sweep would parse the whole file for nothing)."""
    if not bounded(run):
        return run
    pool = preferred([r for r in rows() if _matches(r, run)])
    if not pool:
        return run
    same = [r for r in pool if r["repeat"] == str(run.repeat)]
    pick = same[-1] if same else _median_row(pool)
    return replace(run, ceiling_rps=float(pick["rps"]), ceiling_run_id=pick["run_id"])


def _median_row(rows: list[dict]) -> dict:
    """The row of the median rps (the lower middle one of an even count): a real run."""
    ordered = sorted(rows, key=lambda r: float(r["rps"]))
    return ordered[(len(ordered) - 1) // 2]
