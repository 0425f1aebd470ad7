"""Latency charts, one panel per model: against offered rate (the hockey stick), against
achieved throughput (the knee), and the percentile spectrum at one point."""
from __future__ import annotations

import math

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import (PERCENTILES, chart_title, line_styles, log_y,  # noqa: I001
                                    ms_fmt, need, one_target, rate_fmt)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from harness.analysis import frame, thresholds
from harness.analysis.plots import panels
from harness.analysis.plots.cost import pick_rate

FAILED_LABEL = f"hollow: over {thresholds.ERROR_SHARE:.0%} of requests failed"
KNEE_HOLLOW = f"hollow: flagged, or over {thresholds.ERROR_SHARE:.0%} failed"
WAIT_STYLE = dict(color="0.3", linestyle=":", linewidth=1.4)


def _rate_axis(ax) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(rate_fmt))


def _wait_line(grid: panels.Grid, wait: float | None) -> None:
    """The workload's own wait, the floor no latency goes under: one grey line per panel."""
    if not wait:
        return
    for model, ax in grid.axes.items():
        ax.axhline(wait, **WAIT_STYLE, label="_nolegend_", gid="wait")
        panels.add_extra(grid, model, plt.Line2D([], [], **WAIT_STYLE), f"dotted: the workload's wait ({wait:g} ms)")


def latency_vs_rate(runs: pd.DataFrame, workload: str, percentile: str = "p99") -> Figure:
    """A latency percentile vs offered rate (vegeta, open loop, from intended send time),
    one panel per model. Hollow markers: more than ERROR_SHARE of that point's requests
    failed (timeouts past saturation), so its latency describes only those that got through."""
    rows = frame.select(runs, workload=workload, loop="open")
    need(rows, f"workload {workload!r} under open-loop load (rate)")
    col = PERCENTILES[percentile]
    agg = frame.aggregate(rows, [col, "error_rate"], only_usable=False)
    styles = line_styles(runs)
    grid = panels.model_grid(runs)
    for model, ax, pts_model in panels.measured(grid, agg):
        for server, pts in pts_model.groupby("server", sort=False):
            pts = pts.sort_values("rate")
            x, y = pts["rate"].to_numpy(float), pts[f"{col}_median"].to_numpy(float)
            s = styles[server]
            panels.server_line(ax, x, y, server, s)
            panels.flag_points(grid, model, x, y, pts["error_rate_median"] > thresholds.ERROR_SHARE, s,
                               FAILED_LABEL)
    _wait_line(grid, frame.wait_ms(one_target(rows) or ""))
    first = next(iter(grid.axes.values()))
    _rate_axis(first)
    log_y(first, agg[f"{col}_median"], ms_fmt)
    return panels.finish(grid, f"{percentile} latency vs offered rate, {chart_title(workload, one_target(rows))} "
                               "(open loop, from the intended send time)",
                         "offered rate (requests/s)", f"{percentile} latency (ms)")


def _knee_points(runs: pd.DataFrame, workload: str) -> pd.DataFrame:
    rows = frame.select(runs, workload=workload)
    rows = rows[rows["driver"].isin(["wrk", "vegeta"])]
    need(rows, f"workload {workload!r} under closed- or open-loop load")
    return frame.aggregate(rows, ["rps", "latency_p50_ms", "latency_p99_ms", "error_rate"], only_usable=False)


def _knee_line(ax, pts: pd.DataFrame, s: dict, server: str, open_loop: bool) -> bool:
    """One server's points of one loop; True when some are hollow."""
    pts = pts.sort_values("rate" if open_loop else "connections")
    x = pts["rps_median"].to_numpy(float)
    p99, p50 = pts["latency_p99_ms_median"].to_numpy(float), pts["latency_p50_ms_median"].to_numpy(float)
    ax.plot(x, p99, color=s["color"], marker=s["marker"], linestyle="--" if open_loop else "-",
            linewidth=1.5, markersize=5, label="_nolegend_" if open_loop else server,
            gid=f"{'open' if open_loop else 'series'}:{server}")
    ax.vlines(x, p50, p99, color=s["color"], linewidth=2.5, alpha=0.35, gid=f"p50:{server}")
    ax.plot(x, p50, linestyle="none", marker="_", markersize=7, color=s["color"], label="_nolegend_")
    bad = (pts["all_flagged"] | (pts["error_rate_median"] > thresholds.ERROR_SHARE)).to_numpy()
    panels.hollow(ax, x, p99, bad, s)
    return bool(bad.any())


def knee(runs: pd.DataFrame, workload: str) -> Figure:
    """Latency against the throughput achieved, one panel per model: where added load
    stops buying throughput and only buys queueing.

    Each point is one load level, median of repeats: its p99 on the line, a bar down to
    its p50. Solid: the closed-loop ladder (connections); dashed: open-loop rates.
    Hollow: flagged, or over ERROR_SHARE of requests failed.
    """
    agg = _knee_points(runs, workload)
    styles = line_styles(runs)
    grid = panels.model_grid(runs)
    for model, ax, pts_model in panels.measured(grid, agg):
        for server, pts in pts_model.groupby("server", sort=False):
            for open_loop, part in ((False, pts[pts["loop"] == "closed"]), (True, pts[pts["loop"] == "open"])):
                if not part.empty and _knee_line(ax, part, styles[server], server, open_loop):
                    panels.add_extra(grid, model, panels.hollow_handle(), KNEE_HOLLOW)
        loops = set(pts_model["loop"])
        grey = dict(color="0.35", linewidth=1.2)
        if "closed" in loops:
            panels.add_extra(grid, model, plt.Line2D([], [], linestyle="-", **grey), "solid: closed loop")
        if "open" in loops:
            panels.add_extra(grid, model, plt.Line2D([], [], linestyle="--", **grey), "dashed: open loop")
        panels.add_extra(grid, model, plt.Line2D([], [], color="0.35", linewidth=3, alpha=0.4),
                         "marker: p99, bar down to p50")
    _wait_line(grid, frame.wait_ms(one_target(agg) or ""))
    first = next(iter(grid.axes.values()))
    first.set_xscale("log")
    first.xaxis.set_major_formatter(FuncFormatter(rate_fmt))
    log_y(first, list(agg["latency_p99_ms_median"]) + list(agg["latency_p50_ms_median"]), ms_fmt)
    return panels.finish(grid, f"Latency vs achieved throughput, {chart_title(workload, one_target(agg))}: "
                               "the knee", "achieved throughput (requests/s)", "latency (ms)")


_NINES = {"p50": 1 - math.log10(2), "p90": 1.0, "p99": 2.0, "p99.9": 3.0, "max": 3.6}


def latency_distribution(runs: pd.DataFrame, workload: str, *, rate: float | None = None,
                         connections: int | None = None) -> Figure:
    """Percentile spectrum (p50 .. max) of every server at one load point, one panel per model.

    Open loop at ``rate`` by default (the rate :func:`cost.pick_rate` picks);
    pass ``connections`` for a closed-loop point instead.
    """
    if connections is not None:
        rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
        rows = rows[rows["connections"] == connections]
        where = f"{connections} connections (closed loop)"
    else:
        rate = rate if rate is not None else pick_rate(runs, workload)
        rows = frame.select(runs, workload=workload, loop="open")
        rows = rows[rows["rate"] == rate]
        where = f"{rate_fmt(rate)} requests/s offered (open loop)"
    need(rows, f"workload {workload!r} at {where}")
    metrics = list(PERCENTILES.values())
    agg = frame.aggregate(rows, metrics)
    styles = line_styles(runs)
    grid = panels.model_grid(runs)
    x = np.array([_NINES[p] for p in PERCENTILES])
    for model, ax, pts_model in panels.measured(grid, agg):
        for _, pt in pts_model.iterrows():
            y = np.array([pt[f"{m}_median"] for m in metrics], dtype=float)
            s = styles[pt["server"]]
            panels.server_line(ax, x, y, pt["server"], s)
            panels.flag_points(grid, model, x, y, [bool(pt["all_flagged"])] * len(x), s)
    first = next(iter(grid.axes.values()))
    first.set_xticks(x, list(PERCENTILES))
    log_y(first, agg[[f"{m}_median" for m in metrics]].to_numpy().ravel(), ms_fmt)
    return panels.finish(grid, f"Latency distribution, {chart_title(workload, one_target(rows))} at {where}",
                         "percentile (spaced by nines)", "latency (ms)")
