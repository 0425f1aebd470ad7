"""The sweep's automatic reruns: which points get one more run, and why.

After a sweep's planned repeats, a point (the runs of one planned run id, less its
``.rN``) gets one extra run per round, up to the sweep's ``max_reruns``, while

- it has fewer clean repeats than it needs (the sweep's ``repeats``, at most the audit's
  MIN_CLEAN_REPEATS), clean as the analysis counts it (frame's ``usable``: ok, not
  generator-bound, noisy, imbalanced or erring), and a rerun can change that: a run failed,
  was noisy or had an idle worker, or clean runs stand beside flagged ones (the flag comes and goes). A point whose
  every run erred is the server's answer (the audit accepts it); one that was never
  verified, or only ever generator-bound, measures the same again;
- or its clean repeats disagree: robust coefficient of variation of req/s above UNSTABLE_CV,
  the audit's unstable-point threshold.

A rerun is the planned run with the next repeat number (``go.io-ms50.wrk.c256.r4``),
stored as a row of its own with ``rerun_of`` (the run it stands in for) and
``rerun_reason`` (the audit's words). Nothing is dropped: the analysis counts every
clean row of the point, and a point still short after the bound stays flagged.
Everything is decided from the stored rows, so a resumed sweep counts the reruns it
already made against the bound.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from harness.analysis import frame, stats
from harness.analysis.thresholds import MIN_CLEAN_REPEATS, UNSTABLE_CV
from harness.plan.plan import point_of, split_id, sweep_rows
from harness.specs import RunSpec


# Verdicts that come and go between runs of one point: a neighbour's CPU, a worker
# that happened to get no connection.
TRANSIENT_VERDICTS = frozenset({"noisy", "imbalance"})


@dataclass(frozen=True)
class Rerun:
    run: RunSpec            # the planned run with the next repeat and, for a rate fraction, its rate
    of: str                 # the run id it stands in for
    reason: str


def _short(g: pd.DataFrame, needed: int) -> tuple[str, str] | None:
    """(run stood in for, reason) when a point lacks clean repeats a rerun could give."""
    clean, flagged = g[g["usable"]], g[~g["usable"]]
    if len(clean) >= needed:
        return None
    if ((g["status"] == "ok") & (g["bottleneck"] == "errors")).all():
        return None
    transient = (flagged["status"] == "failed").any() or flagged["bottleneck"].isin(TRANSIENT_VERDICTS).any()
    if not (transient or len(clean)):
        return None
    stood_in = set(g["rerun_of"])
    fresh = [i for i in flagged["run_id"] if i not in stood_in]
    of = fresh[0] if fresh else flagged["run_id"].iloc[-1]
    flags = "; ".join(sorted(set(flagged["flags"])))
    return of, f"too-few-clean-repeats: {len(clean)} clean of {needed} needed ({flags})"


def _unstable(g: pd.DataFrame) -> tuple[str, str] | None:
    """(the repeat farthest from the median, reason) when the clean repeats disagree."""
    clean = g[g["usable"]]
    cv = stats.robust_cv(clean["rps"])
    if cv is None or cv <= UNSTABLE_CV:
        return None
    outlier = (clean["rps"] - clean["rps"].median()).abs().idxmax()
    return (clean.loc[outlier, "run_id"],
            f"unstable-point: req/s over {len(clean)} clean repeats {clean['rps'].min():,.1f}-"
            f"{clean['rps'].max():,.1f}, robust coefficient of variation {cv:.0%} (over {UNSTABLE_CV:.0%})")


def next_round(planned: list[RunSpec], rows: list[dict], *, repeats: int, max_reruns: int) -> list[Rerun]:
    """One rerun for each planned point that needs one and has not used its bound, in plan order."""
    templates: dict[str, RunSpec] = {}
    for run in planned:
        templates.setdefault(point_of(run.run_id), run)
    mine = sweep_rows(planned, rows)
    if not mine or max_reruns <= 0:
        return []
    runs = frame.from_rows(mine)
    runs["_point"] = runs["run_id"].map(point_of)
    needed = min(repeats, MIN_CLEAN_REPEATS)
    out = []
    for point, g in runs.groupby("_point", sort=False):
        if (g["rerun_of"] != "").sum() >= max_reruns:
            continue
        why = _short(g, needed) or _unstable(g)
        if why is None:
            continue
        template = templates[point]
        repeat = max(split_id(i)[1] for i in g["run_id"]) + 1
        run = replace(template, repeat=repeat, run_id=f"{point}.r{repeat}")
        if template.rate_fraction is not None:
            # the rate its repeats ran at, not a new share of a saturation reruns may have moved
            rates = g.loc[g["rate"].notna(), "rate"]
            if rates.empty:
                continue                    # never had a saturation to run at: nothing to rerun
            run = replace(run, load=replace(run.load, rate=float(rates.iloc[0])))
        out.append(Rerun(run, *why))
    order = {p: i for i, p in enumerate(templates)}
    return sorted(out, key=lambda r: order[point_of(r.run.run_id)])
