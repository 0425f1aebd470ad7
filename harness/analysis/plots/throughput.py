"""Throughput against concurrency (closed loop): one panel per model, or bars at one level."""
from __future__ import annotations

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import (bar_colours, chart_title, line_styles, log_y, need,  # noqa: I001
                                    one_target, rate_fmt, servers_by_model)
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from harness.analysis import frame
from harness.analysis.plots import panels
from harness.analysis.plots.bars import hbars, legend_below


def closed_points(runs: pd.DataFrame, workload: str, metrics: list[str]) -> pd.DataFrame:
    """Medians of the workload's closed-loop (wrk) points; NoData when it has none."""
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    need(rows, f"workload {workload!r} under closed-loop load (wrk connections)")
    return frame.aggregate(rows, metrics)


def connections_axis(ax, levels) -> None:
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(sorted(float(c) for c in levels))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def throughput(runs: pd.DataFrame, workload: str) -> Figure:
    """Requests/s vs connections (wrk, closed loop), one panel per model.

    Median of repeats, error bars from the slowest to the fastest repeat; dashed,
    each server's own limit as the harness stored it (Little's law min(C, slots) /
    wait for I/O, usable cores / service time for CPU), only where one is known.
    Hollow markers: every repeat of that point was flagged (a lower bound).
    One load level only: bars instead (:func:`throughput_bars`).
    """
    agg = closed_points(runs, workload, ["rps", "limit_rps"])
    if agg["connections"].nunique() == 1:
        return throughput_bars(runs, agg, workload)
    styles = line_styles(runs)
    grid = panels.model_grid(runs)
    for model, ax, pts_model in panels.measured(grid, agg):
        for server, pts in pts_model.groupby("server", sort=False):
            pts = pts.sort_values("connections")
            x = pts["connections"].astype(float).to_numpy()
            y = pts["rps_median"].to_numpy(dtype=float)
            s = styles[server]
            panels.server_line(ax, x, y, server, s)
            ax.errorbar(x, y, yerr=[y - pts["rps_min"].to_numpy(float), pts["rps_max"].to_numpy(float) - y],
                        fmt="none", ecolor=s["color"], elinewidth=0.9, capsize=2.5, label="_nolegend_")
            panels.flag_points(grid, model, x, y, pts["all_flagged"], s)
        panels.draw_limits(grid, model, pts_model, "connections", styles)
    first = next(iter(grid.axes.values()))
    connections_axis(first, agg["connections"].dropna().unique())
    log_y(first, list(agg["rps_median"]) + list(panels.known_limit(agg).dropna()), rate_fmt)
    return panels.finish(grid, f"Throughput vs concurrency, {chart_title(workload, one_target(agg))} "
                               "(closed loop, wrk; median of repeats, bars: slowest to fastest)",
                         "concurrent connections", "requests/s")


def throughput_bars(runs: pd.DataFrame, agg: pd.DataFrame, workload: str) -> Figure:
    """One load level only: a bar per server reads better than a column of dots."""
    c = int(agg["connections"].iloc[0])
    values = agg.set_index("server")
    order = [s for s, _ in servers_by_model(agg)]
    known = panels.known_limit(values)
    fig, ax, marks = hbars(order, values["rps_median"], bar_colours(runs), lo=values["rps_min"],
                    hi=values["rps_max"], flagged=values["all_flagged"], fmt="{:,.0f}",
                    gid=lambda s: f"bar:{s}:{c}", limits=known)
    med = values["rps_median"].to_numpy(dtype=float)
    if np.nanmax(med) / max(np.nanmin(med), 1e-9) > 20:
        ax.set_xscale("log")
        ax.set_xlim(np.nanmin(med) / 2, ax.get_xlim()[1] * 3)
    legend_below(fig, marks)
    ax.xaxis.set_major_formatter(FuncFormatter(rate_fmt))
    ax.set_xlabel(f"throughput (requests/s) at {c} connections (closed loop, wrk)")
    ax.set_title(f"Throughput, {chart_title(workload, one_target(agg))}")
    return fig
