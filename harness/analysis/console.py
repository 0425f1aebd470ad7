"""The table a sweep prints as it ends: the same aggregation as the report, as plain text."""
from __future__ import annotations

import pandas as pd

from harness.analysis import frame
from harness.analysis.thresholds import (ERROR_SHARE, GENERATOR_BOUND_SHARE, LIMIT_REACHED,
                                         NOISY_FOREIGN_SHARE, UNSTABLE_CV)

HEAD = ("server", "target", "load", "req/s (median)", "spread", "p99 ms", "efficiency (limit)",
        "bottleneck")


def _load(r) -> str:
    where = "" if r["launcher"] == "native" else f" ({r['launcher']})"
    if pd.notna(r["connections"]):
        return f"{r['driver']} c={int(r['connections'])}{where}"
    if pd.notna(r["rate"]):
        return f"{r['driver']} rate={r['rate']:g}{where}"
    return f"{r['driver']} (not measured){where}"


def _line(r) -> tuple[str, ...]:
    measured = r["n_measured"] > 0 and pd.notna(r["rps_median"])
    spread = f"{r['rps_min']:,.0f}-{r['rps_max']:,.0f}" if measured and r["n"] > 1 else "-"
    if pd.notna(r["rps_rcv"]) and r["rps_rcv"] > UNSTABLE_CV:
        spread += f" rCV {r['rps_rcv']:.0%}!"
    eff = (f"{r['efficiency_median']:.0%} ({r['limit_kind']} {r['limit_rps_median']:,.0f})"
           if pd.notna(r["efficiency_median"]) else "-")
    return (r["server"], r["target"], _load(r), f"{r['rps_median']:,.0f}" if measured else "-", spread,
            f"{r['latency_p99_ms_median']:.1f}" if pd.notna(r["latency_p99_ms_median"]) else "-", eff,
            r["verdicts"] or "-")


def console_table(rows: list[dict[str, str]]) -> str:
    """Per workload, one line per point (medians over repeats, spread, p99, efficiency,
    verdicts), then a warning for unstable points and what the verdicts mean.

    ``rows``: stored rows as :meth:`harness.store.Campaign.rows` returns them.
    """
    if not rows:
        return "no runs stored"
    agg = frame.aggregate(frame.from_rows(rows), ["rps", "latency_p99_ms", "efficiency", "limit_rps"])
    out = []
    for workload in dict.fromkeys(r["workload"] for r in rows):
        pts = agg[agg["workload"] == workload].sort_values(["target", "driver", "connections", "rate"])
        lines = [HEAD] + [_line(r) for _, r in pts.iterrows()]
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(HEAD))]
        out.append(f"\n== {workload} ==")
        for j, line in enumerate(lines):
            out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
            if j == 0:
                out.append("  ".join("-" * w for w in widths))
    unstable = int((agg["rps_rcv"] > UNSTABLE_CV).sum())
    if unstable:
        out.append(f"\nwarning: {unstable} point(s) vary by more than {UNSTABLE_CV:.0%} (robust coefficient "
                   "of variation of req/s over repeats, rCV): more repeats, longer runs, or a quieter machine "
                   "(see foreign_cpu_share in the rows).")
    out.append(f"\nbottleneck: limit = reached the theoretical limit (>= {LIMIT_REACHED:.0%}), server = "
               f"the server stopped short of it, generator = the load tool used > {GENERATOR_BOUND_SHARE:.0%} "
               f"of its CPUs (not the server's number), noisy = other processes used > "
               f"{NOISY_FOREIGN_SHARE:.0%} of the machine, imbalance = a worker process idled on CPU work, "
               f"errors = > {ERROR_SHARE:.0%} errors; failed/"
               "not-verified runs were not measured. `arena audit CAMPAIGN` checks every row.")
    return "\n".join(out)
