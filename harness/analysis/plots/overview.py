"""The article in one picture: how much of what the load allows each server turns into
work, on I/O next to CPU, servers grouped and coloured by concurrency model.

I/O: throughput as a share of Little's law for the client's connections, C / wait
(claims.io_efficiency, the figure the claims judge by), with a black tick at the
server's own limit (its slots), so a server that is efficient at being small shows
as such. CPU: the share of the cores it was given that the server kept busy, with
a dotted line at one core. Both on a linear axis in percent, 100% the limit.
"""
from __future__ import annotations

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import (MODEL_COLOURS, MODEL_LABELS, WORKLOAD_TITLES, bar_colours, need,  # noqa: I001
                                    one_target, servers_by_model)
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from harness.analysis import claims, frame, thresholds
from harness.analysis.plots.bars import BAR_HEIGHT_IN, hbars
from harness.analysis.plots.panels import known_limit

AXIS_MAX = 1.25             # the x axis ends here; a share above it is clipped and says so


def _top(runs: pd.DataFrame, workload: str, metrics: list[str]) -> pd.DataFrame:
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    if rows.empty:
        return pd.DataFrame(columns=["server"])
    return frame.shared_top(frame.aggregate(rows, metrics)).set_index("server")


def _level(points: pd.DataFrame) -> str:
    levels = sorted({int(c) for c in points["connections"].dropna()})
    return f"{levels[0]} connections" if len(levels) == 1 else "the most connections measured"


def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.095 else f"{share:.0%}"


def _clip(share: pd.Series) -> pd.Series:
    return share.clip(upper=AXIS_MAX)


def _io_panel(ax, runs: pd.DataFrame, io: str, order: list[str], colours: dict) -> dict:
    pts = _top(runs, io, ["rps", "limit_rps", "efficiency"])
    if pts.empty:
        return _empty(ax, order, f"I/O ({io}): not measured")
    share = pd.Series({s: claims.io_efficiency(r) for s, r in pts.iterrows()}, dtype=float)
    ideal = pts["rps_median"] / share.where(share > 0)
    own = known_limit(pts) / ideal
    own = own.where(own < 0.99)          # a limit at C / wait is the panel's 100% line already
    notes = {s: (f"{_pct(share[s])} of {ideal[s]:,.0f}/s"
                 + (f"; own limit {own[s] * ideal[s]:,.0f}/s" if pd.notna(own.get(s)) else "")
                 + (" (flagged)" if pts.loc[s, "all_flagged"] else "")
                 + (": above the limit, in doubt" if share[s] > 1 + thresholds.WINDOW_SLACK else ""))
             for s in pts.index}
    _, _, marks = hbars(order, _clip(share), colours, lo=_clip(pts["rps_min"] / ideal),
                        hi=_clip(pts["rps_max"] / ideal), flagged=pts["all_flagged"], notes=notes,
                        limits=own, ax=ax, gid=lambda s: f"io:{s}")
    ax.set_title(f"{WORKLOAD_TITLES.get(io, io)} {one_target(pts.reset_index()) or ''}, "
                 f"{_level(pts)}\nthroughput, % of Little's law C / wait", fontsize=10)
    return marks


def _cpu_panel(ax, runs: pd.DataFrame, cpu: str, order: list[str], colours: dict) -> dict:
    pts = _top(runs, cpu, ["core_utilisation", "rps"])
    if pts.empty:
        return _empty(ax, order, f"CPU ({cpu}): not measured")
    share = pts["core_utilisation_median"]
    notes = {s: f"{share[s]:.0%} ({pts.loc[s, 'rps_median']:,.0f}/s)" + (" (flagged)" if pts.loc[s, "all_flagged"] else "")
             for s in pts.index}
    _, _, marks = hbars(order, _clip(share), colours, lo=_clip(pts["core_utilisation_min"]),
                        hi=_clip(pts["core_utilisation_max"]), flagged=pts["all_flagged"], notes=notes,
                        ax=ax, gid=lambda s: f"cpu:{s}")
    cores = pts["cores"].dropna().unique()
    if len(cores) == 1 and cores[0] > 1:
        ax.axvline(1 / float(cores[0]), color="0.4", linestyle=":", linewidth=1.2, gid="one-core")
        marks["dotted: one core's share"] = plt.Line2D([], [], color="0.4", linestyle=":")
    given = f"the {int(cores[0])} cores given" if len(cores) == 1 else "the cores given"
    ax.set_title(f"{WORKLOAD_TITLES.get(cpu, cpu)} {one_target(pts.reset_index()) or ''}, "
                 f"{_level(pts)}\ncores kept busy, % of {given}", fontsize=10)
    return marks


def _empty(ax, order: list[str], what: str) -> dict:
    hbars(order, pd.Series(dtype=float), {}, ax=ax)
    ax.set_title(what, fontsize=10)
    return {}


def overview(runs: pd.DataFrame, *, io: str = "io", cpu: str = "cpu") -> Figure:
    """Each server's share of what the load allows, I/O next to CPU, median of repeats
    at the most connections every server was measured at (frame.shared_top)."""
    need(runs, "the overview (no runs at all)")
    need(frame.select(runs, workload=[io, cpu], loop="closed", driver="wrk"),
         f"the overview (workloads {io!r} and {cpu!r} under closed-loop load)")
    servers = servers_by_model(runs)
    order = [s for s, _ in servers]
    colours = bar_colours(runs)
    fig, (ax_io, ax_cpu) = plt.subplots(1, 2, figsize=(13.0, BAR_HEIGHT_IN * len(order) + 2.4),
                                        sharey=True, layout="constrained")
    marks = {**_io_panel(ax_io, runs, io, order, colours), **_cpu_panel(ax_cpu, runs, cpu, order, colours)}
    for ax in (ax_io, ax_cpu):
        ax.set_xlim(0, AXIS_MAX + 0.3)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0, 1.25])
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.axvline(1.0, color="0.15", linewidth=1.0, gid="the-limit")
    ax_io.axvline(thresholds.SERVES_WELL, color="0.4", linestyle="--", linewidth=1.0, gid="serves-well")
    marks[f"dashed: {thresholds.SERVES_WELL:.0%}, serves I/O well"] = plt.Line2D([], [], color="0.4", linestyle="--")
    models = list(dict.fromkeys(m for _, m in servers))
    handles = [plt.Rectangle((0, 0), 1, 1, color=MODEL_COLOURS.get(m, "0.5")) for m in models]
    fig.legend(handles + list(marks.values()), [MODEL_LABELS.get(m, m) for m in models] + list(marks),
               loc="outside lower center", ncol=len(models), frameon=False, fontsize=8.5,
               title="bar colour: the concurrency model (shades: its servers)", title_fontsize=9)
    fig.suptitle("What each concurrency model makes of the machine: I/O next to CPU "
                 "(median of repeats; 100% is the limit)", fontsize=12)
    return fig
