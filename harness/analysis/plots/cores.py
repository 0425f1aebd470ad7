"""Cores kept busy: the server's CPU seconds over the wall seconds of the run, against the
cores it was given, one panel per model. One core's worth on two cores given is a model
that cannot run its application code in parallel (one event loop, a GIL)."""
from __future__ import annotations

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import LIMIT_STYLE, chart_title, line_styles, need, one_target  # noqa: I001
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from harness.analysis import frame
from harness.analysis.plots import panels
from harness.analysis.plots.throughput import connections_axis

ONE_CORE_STYLE = dict(color="0.55", linestyle=":", linewidth=1.1)


def cores_busy(runs: pd.DataFrame, workload: str) -> Figure:
    """Cores kept busy (server CPU s / wall s, every process and thread of the server) vs
    connections (closed loop, wrk), median of repeats; dashed grey: the cores it was given;
    dotted: one core. Hollow: every repeat flagged."""
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    need(rows, f"workload {workload!r} under closed-loop load (wrk connections)")
    rows = rows.assign(cores_busy=rows["server_cpu_s"] / rows["duration_s"].where(rows["duration_s"] > 0))
    agg = frame.aggregate(rows, ["cores_busy"])
    styles = line_styles(runs)
    grid = panels.model_grid(runs)
    for model, ax, pts_model in panels.measured(grid, agg):
        for server, pts in pts_model.groupby("server", sort=False):
            pts = pts.sort_values("connections")
            x, y = pts["connections"].astype(float).to_numpy(), pts["cores_busy_median"].to_numpy(float)
            s = styles[server]
            panels.server_line(ax, x, y, server, s)
            panels.flag_points(grid, model, x, y, pts["all_flagged"], s)
        for given in sorted(pts_model["cores"].dropna().unique()):
            ax.axhline(float(given), **LIMIT_STYLE, label="_nolegend_", gid=f"cores-given:{given}")
            panels.add_extra(grid, model, plt.Line2D([], [], **LIMIT_STYLE), "dashed: cores given")
            if given > 1:
                ax.axhline(1.0, **ONE_CORE_STYLE, label="_nolegend_", gid="one-core")
                panels.add_extra(grid, model, plt.Line2D([], [], **ONE_CORE_STYLE), "dotted: one core")
    first = next(iter(grid.axes.values()))
    connections_axis(first, agg["connections"].dropna().unique())
    top = max(float(agg["cores"].max()), float(agg["cores_busy_max"].max()))
    first.set_ylim(0, top * 1.12)
    return panels.finish(grid, f"Cores kept busy, {chart_title(workload, one_target(agg))} (closed loop, wrk; "
                               "server CPU seconds / wall seconds)", "concurrent connections", "cores busy")
