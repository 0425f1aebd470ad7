"""The README's pyserver-vs-gunicorn table, from a `make bench-server` campaign's rows.

Pairs come from the rows' ``model`` column (the catalog's): in each concurrency model,
each pyserver server against each gunicorn server the campaign measured, at every
workload point both measured. Each side shows its median req/s with the bootstrap 95%
interval of the median, the repeats it stands on, its sizing as the rows recorded it and
its efficiency against the point's limit; the ratio's interval resamples both sides'
repeats (:func:`harness.analysis.stats.ratio_ci`).
"""
from __future__ import annotations

import math

import pandas as pd

from harness.analysis import frame, stats

PYSERVER, GUNICORN = "pyserver", "gunicorn"     # server-name prefixes of the two sides
POINT = ["workload", "target", "connections", "rate"]
NONE_PUBLISHED = ("No bench-server campaign is published: `results/published.txt` names none "
                  "(a line `bench-server = NAME`), so this page quotes no figures from one.")


def model_pairs(runs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """``(model, pyserver server, gunicorn server)`` for each model both sides measured,
    in the order the rows first name them."""
    servers = runs.drop_duplicates("server")[["server", "model"]]
    out = []
    for model in dict.fromkeys(servers["model"]):
        names = list(servers.loc[servers["model"] == model, "server"])
        out += [(model, p, g) for p in names if p.startswith(PYSERVER)
                for g in names if g.startswith(GUNICORN)]
    return out


def rows(runs: pd.DataFrame) -> list[dict]:
    """One dict per (pair, point both sides measured): ``model``, ``point``, and per side
    (``py``, ``gu``) its aggregate row; ``ratio`` and ``ratio_ci`` (None without two
    repeats on each side)."""
    agg = frame.aggregate(runs, ["rps", "efficiency", "limit_rps"], by=frame.POINT)
    out = []
    for model, py, gu in model_pairs(runs):
        ours, theirs = agg[agg["server"] == py], agg[agg["server"] == gu]
        for _, a in ours.iterrows():
            match = theirs[(theirs[POINT].fillna(-1) == a[POINT].fillna(-1)).all(axis=1)]
            for _, b in match.iterrows():
                out.append({"model": model, "point": _point(a), "py": a, "gu": b,
                            **_ratio(a, b)})
    return out


def _ratio(a, b) -> dict:
    ratio = a["rps_median"] / b["rps_median"] if b["rps_median"] else math.nan
    both = (len(a["rps_values"]) >= 2 and len(b["rps_values"]) >= 2
            and not a["all_flagged"] and not b["all_flagged"])     # an interval of usable runs only
    return {"ratio": ratio, "ratio_ci": stats.ratio_ci(a["rps_values"], b["rps_values"]) if both else None}


def _point(r) -> str:
    rate = "" if pd.isna(r["rate"]) else f" at {r['rate']:,.0f} req/s"
    return f"`{r['target']}` c{int(r['connections'])}{rate}"


def _side(r) -> str:
    """``name (W x T)``: the sizing the rows recorded (the sweep overrides the catalog's)."""
    return f"{r['server']} ({int(r['workers'])} x {int(r['threads'])})"


def _rate(r) -> str:
    if r["all_flagged"]:
        return f"{frame.fmt_rate(r['rps_median'])} (all {r['n']} repeats flagged, no interval)"
    counted = f"{r['n']} of {r['n'] + r['n_flagged']}"     # usable repeats of all taken
    if pd.isna(r["rps_ci_low"]):
        return f"{frame.fmt_rate(r['rps_median'])} ({counted} repeats, no interval)"
    return (f"{frame.fmt_rate(r['rps_median'])} ({frame.fmt_rate(r['rps_ci_low'])}–"
            f"{frame.fmt_rate(r['rps_ci_high'])}; {counted})")


def _efficiency(r) -> str:
    if pd.isna(r["efficiency_median"]):
        return "–"
    return (f"{r['efficiency_median']:.0%} of {frame.fmt_rate(r['limit_rps_median'])}"
            f" ({r['limit_kind'] or 'limit'})")


def _ratio_text(row) -> str:
    if math.isnan(row["ratio"]):
        return "–"
    low_high = row["ratio_ci"]
    interval = f" ({low_high[0]:.2f}–{low_high[1]:.2f})" if low_high else " (no interval)"
    return f"{row['ratio']:.2f}x{interval}"


def markdown_table(runs: pd.DataFrame) -> str:
    head = ["| model | point | pyserver (workers x threads) | req/s (95% CI; repeats) | of limit "
            "| gunicorn (workers x threads) | req/s (95% CI; repeats) | of limit "
            "| pyserver / gunicorn (95% CI) |",
            "|---|---|---|---:|---:|---|---:|---:|---:|"]
    body = [f"| {r['model']} | {r['point']} | {_side(r['py'])} | {_rate(r['py'])} | "
            f"{_efficiency(r['py'])} | {_side(r['gu'])} | {_rate(r['gu'])} | "
            f"{_efficiency(r['gu'])} | {_ratio_text(r)} |" for r in rows(runs)]
    return "\n".join(head + body)


def block(camp: frame.Campaign, audit_summary: str, source: str) -> str:
    """The README's block: where and when it was measured, then the table."""
    host = camp.meta.get("host", {})
    pinning = host.get("pinning", {})
    when = str(camp.meta.get("created_at", ""))[:10]
    versions = camp.meta.get("versions", {})
    stack = ", ".join(f"{k} {versions[k]}" for k in ("python", "gunicorn", "gevent", "wrk") if k in versions)
    where = (f"Campaign `{source}` ({len(camp.runs)} runs), measured {when} on "
             f"{host.get('cores', '?')} cores ({host.get('cpu_model', 'unknown CPU')}, "
             f"{host.get('os', '')}; {stack}), server on CPU {pinning.get('server_cpus', '?')}, "
             f"load on CPU {pinning.get('load_cpus', '?')}; `arena audit {source}` {audit_summary}. "
             "Medians of the usable repeats (flagged ones left out, the count says how many "
             "stand); intervals are bootstrap 95% intervals of the median, the ratio's "
             f"resampling both sides. Every run: `{source}/report.md`.")
    return "\n".join([where, "", markdown_table(camp.runs)])
