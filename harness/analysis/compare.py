"""`arena compare A B`: two campaigns side by side, point by point, with what the noise allows.

For every point measured in both (same server, workload, target, driver, load,
launcher, sizing and cores): the medians of A and B with their bootstrap 95%
intervals, the ratio B/A and its own interval (:func:`harness.analysis.frame.compare`).
The verdict comes from that interval only: when it lies wholly above or below 1, B is
faster or slower; otherwise there is no significant difference. Rows measured on
different machines (campaign.json's host facts, ``store.SAME_HOST_KEYS``) are not
compared unless asked, and then the header says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness import store
from harness.analysis import frame

# Metrics a comparison can be made on; for latency, lower is faster.
METRICS = {"rps": ("req/s", True), "latency_p50_ms": ("p50 ms", False),
           "latency_p99_ms": ("p99 ms", False)}
FASTER, SLOWER, SAME = "B faster", "B slower", "no significant difference"
TOO_FEW = "too few clean repeats for an interval"
FLAGGED = "not comparable: every repeat flagged"


class AcrossMachines(frame.CampaignError):
    """Two campaigns from different hosts, compared without --across-machines."""


@dataclass(frozen=True)
class Comparison:
    a: frame.Campaign
    b: frame.Campaign
    metric: str
    points: pd.DataFrame            # frame.compare's table with a ``verdict`` column
    host_differences: tuple[str, ...]
    only_a: int                     # points measured in A only
    only_b: int


def host_differences(meta_a: dict, meta_b: dict) -> tuple[str, ...]:
    """The host facts that tell the two machines apart ("hostname: 'vm' in A, 'ci' in B")."""
    host_a, host_b = meta_a.get("host") or {}, meta_b.get("host") or {}
    return tuple(f"{k}: {host_a.get(k)!r} in A, {host_b.get(k)!r} in B" for k in store.SAME_HOST_KEYS
                 if host_a.get(k) != host_b.get(k))


def verdict(row, higher_is_faster: bool = True) -> str:
    """What the ratio's interval says about one point."""
    if row["all_flagged_before"] or row["all_flagged_after"]:
        return FLAGGED
    lo, hi = row["ratio_low"], row["ratio_high"]
    if pd.isna(lo) or pd.isna(hi):
        return TOO_FEW
    if lo > 1:
        return FASTER if higher_is_faster else SLOWER
    if hi < 1:
        return SLOWER if higher_is_faster else FASTER
    return SAME


def points(a: pd.DataFrame, b: pd.DataFrame, metric: str = "rps") -> tuple[pd.DataFrame, int, int]:
    """frame.compare of two campaigns' rows with a verdict per point, and how many points
    only one of them measured."""
    table = frame.compare(a, b, metric)
    table["verdict"] = [verdict(r, METRICS[metric][1]) for _, r in table.iterrows()]
    key = [k for k in frame.POINT if k != "campaign"]
    count = lambda runs: len(runs[key].drop_duplicates())   # noqa: E731
    return table, count(a) - len(table), count(b) - len(table)


def compare(path_a, path_b, *, metric: str = "rps", across_machines: bool = False) -> Comparison:
    """Load both campaigns and compare them; CampaignError (AcrossMachines) on bad input."""
    a, b = frame.load_campaign(path_a), frame.load_campaign(path_b)
    differ = host_differences(a.meta, b.meta)
    if differ and not across_machines:
        raise AcrossMachines(f"{a.path} and {b.path} were measured on different machines "
                             f"({'; '.join(differ)}); their figures differ by the machine as much as "
                             "by anything else. Pass --across-machines to compare them anyway.")
    table, only_a, only_b = points(a.runs, b.runs, metric)
    return Comparison(a, b, metric, table, differ, only_a, only_b)


# --- the text `arena compare` prints --------------------------------------------------------------

def _fmt(value, metric: str) -> str:
    if pd.isna(value):
        return "–"
    return frame.fmt_rate(value) if metric == "rps" else f"{value:,.1f}"


def _interval(mid, lo, hi, fmt) -> str:
    return f"{fmt(mid)} [{fmt(lo)}–{fmt(hi)}]" if pd.notna(lo) else fmt(mid)


def _load(r) -> str:
    level = (f"c{int(r['connections'])}" if pd.notna(r["connections"])
             else f"{r['rate']:g}/s" if pd.notna(r["rate"]) else "-")
    return f"{r['driver']} {level}" + ("" if r["launcher"] == "native" else f" ({r['launcher']})")


def _about(c: frame.Campaign) -> str:
    meta, runs = c.meta, c.runs
    durations = "/".join(f"{d:g}" for d in sorted(runs["duration_s"].unique()))
    return (f"{c.name} ({str(meta.get('created_at', ''))[:10] or 'undated'}, git "
            f"{str(meta.get('git_sha', ''))[:7] or '?'}, {len(runs)} runs of {durations} s)")


def _header(c: Comparison) -> list[str]:
    host = c.a.meta.get("host") or {}
    unit = METRICS[c.metric][0]
    if c.host_differences:
        machine = ("ACROSS MACHINES (--across-machines): " + "; ".join(c.host_differences)
                   + ". Every ratio mixes the machines' difference with the software's.")
    else:
        machine = (f"machine: the same ({', '.join(f'{k} {host.get(k)}' for k in store.SAME_HOST_KEYS)})")
    return [f"A = {_about(c.a)}", f"B = {_about(c.b)}", machine,
            f"{unit}: median of clean repeats [bootstrap 95% interval]; B/A [the ratio's interval]; "
            f"faster or slower only when that interval excludes 1."]


def text(c: Comparison) -> str:
    """The comparison as `arena compare` prints it: header, one table per workload, totals."""
    fmt = lambda v: _fmt(v, c.metric)    # noqa: E731
    ratio = lambda v: "–" if pd.isna(v) else f"{v:.3f}"    # noqa: E731
    head = ("server", "target", "load", "A", "B", "B/A", "verdict")
    out = _header(c)
    table = c.points.sort_values(["workload", "server", "target", "driver", "connections", "rate"])
    for workload, pts in table.groupby("workload", sort=False):
        lines = [head] + [(r["server"], r["target"], _load(r),
                           _interval(r["before"], r["before_low"], r["before_high"], fmt),
                           _interval(r["after"], r["after_low"], r["after_high"], fmt),
                           _interval(r["ratio"], r["ratio_low"], r["ratio_high"], ratio), r["verdict"])
                          for _, r in pts.iterrows()]
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
        out += ["", f"== {workload} =="]
        for j, line in enumerate(lines):
            out.append("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())
            if j == 0:
                out.append("  ".join("-" * w for w in widths))
    counts = c.points["verdict"].value_counts()
    said = ", ".join(f"{counts[v]} {v}" for v in (FASTER, SLOWER, SAME, TOO_FEW, FLAGGED) if v in counts)
    out += ["", f"{len(c.points)} points in both: {said}; {c.only_a} only in A, {c.only_b} only in B."]
    return "\n".join(out)
