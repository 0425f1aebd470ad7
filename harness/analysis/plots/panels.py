"""Small multiples: one panel per concurrency model, its legend under it, axes shared.

A model the campaign has but a chart's rows lack gets its panel anyway, marked "not
measured", so a blank panel never reads as a server that did nothing. Limit lines
are drawn only where the server's own limit is known (style.SERVER_LIMITS), and
named once per panel in the legend, not once per server.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import (LIMIT_STYLE, MODEL_COLOURS, MODEL_LABELS, NOT_MEASURED,  # noqa: I001
                                    SERVER_LIMITS, servers_by_model)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis import thresholds

PANEL_SIZE = (4.3, 3.1)          # inches, one model's panel
LEGEND_LINE = 0.17               # inches per legend row under a panel
LEGEND_COLUMNS = 2


@dataclass
class Grid:
    """A figure of model panels: ``axes[model]`` draws, ``legends[model]`` holds its legend."""

    fig: Figure
    axes: dict[str, Axes]
    legends: dict[str, Axes]
    extra: dict[str, list] = field(default_factory=dict)   # model -> [(handle, label)] beyond servers


def models_of(runs: pd.DataFrame) -> list[str]:
    """The campaign's models, in the charts' order (style.MODEL_ORDER)."""
    return list(dict.fromkeys(m for _, m in servers_by_model(runs)))


def model_grid(runs: pd.DataFrame, *, ncols: int = 3, sharey: bool = True,
               panel: tuple[float, float] = PANEL_SIZE) -> Grid:
    """One panel per model of ``runs`` (the whole campaign), in rows of ``ncols``; under
    each row of panels a strip as tall as its longest legend (a line per two servers)."""
    models = models_of(runs)
    servers = servers_by_model(runs)
    count = {m: sum(1 for _, sm in servers if sm == m) for m in models}
    ncols = max(1, min(ncols, len(models)))
    nrows = math.ceil(len(models) / ncols)
    heights = []
    for r in range(nrows):
        row = models[r * ncols:(r + 1) * ncols]
        lines = max(math.ceil((count[m] + 2) / LEGEND_COLUMNS) for m in row)
        heights += [panel[1], LEGEND_LINE * lines + 0.15]
    fig = plt.figure(figsize=(panel[0] * ncols + 0.5, sum(heights) + 0.9), layout="constrained")
    gs = fig.add_gridspec(2 * nrows, ncols, height_ratios=heights)
    axes, legends = {}, {}
    first = None
    for i, model in enumerate(models):
        r, c = divmod(i, ncols)
        ax = fig.add_subplot(gs[2 * r, c], sharex=first, sharey=first if sharey else None)
        first = first or ax
        ax.set_title(MODEL_LABELS.get(model, model), color=MODEL_COLOURS.get(model, "0.2"),
                     fontweight="bold", fontsize=10.5)
        legend_ax = fig.add_subplot(gs[2 * r + 1, c])
        legend_ax.axis("off")
        axes[model], legends[model] = ax, legend_ax
    return Grid(fig, axes, legends)


def measured(grid: Grid, agg: pd.DataFrame):
    """(model, its panel, its rows) for every panel the rows reach; the others say "not measured"."""
    for model, ax in grid.axes.items():
        rows = agg[agg["model"] == model]
        if rows.empty:
            not_measured(ax)
        else:
            yield model, ax, rows


def server_line(ax: Axes, x, y, server: str, style: dict) -> None:
    """One server's series, its gid naming it so tests and notebooks read it back."""
    ax.plot(x, y, label=server, color=style["color"], marker=style["marker"], linestyle=style["linestyle"],
            linewidth=1.5, markersize=5, gid=f"series:{server}")


def flag_points(grid: Grid, model: str, x, y, mask, style: dict, label: str | None = None) -> None:
    """Hollow markers over the points of ``mask``, and the panel's legend says what they mean."""
    hollow(grid.axes[model], x, y, mask, style)
    if np.asarray(mask, dtype=bool).any():
        add_extra(grid, model, hollow_handle(), label or HOLLOW_HANDLE_LABEL)


def not_measured(ax: Axes, what: str = NOT_MEASURED) -> None:
    """Mark a panel the rows have nothing for, so it does not read as a zero."""
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", fontsize=10,
            style="italic", color="0.4", gid="not-measured")
    ax.set_facecolor("0.965")


def finish(grid: Grid, title: str, xlabel: str, ylabel: str) -> Figure:
    """Legends under every panel, labels on the outer panels, the figure's title."""
    ncols = len({ax.get_subplotspec().colspan.start for ax in grid.axes.values()})
    for i, (model, ax) in enumerate(grid.axes.items()):
        handles, labels = ax.get_legend_handles_labels()
        for handle, label in grid.extra.get(model, []):
            handles.append(handle)
            labels.append(label)
        if handles:
            grid.legends[model].legend(handles, labels, loc="upper center", ncol=LEGEND_COLUMNS,
                                       frameon=False, fontsize=7.5, borderaxespad=0,
                                       handlelength=2.2, columnspacing=1.2)
        ax.set_xlabel(xlabel, fontsize=8.5)
        if i % ncols == 0:
            ax.set_ylabel(ylabel)
        else:
            ax.tick_params(labelleft=False)
    grid.fig.suptitle(title, fontsize=12)
    return grid.fig


def add_extra(grid: Grid, model: str, handle, label: str) -> None:
    """A legend entry of a panel beyond its servers (a limit, a marker's meaning), once."""
    entries = grid.extra.setdefault(model, [])
    if label not in [lbl for _, lbl in entries]:
        entries.append((handle, label))


def hollow(ax: Axes, x, y, mask, style: dict, size: float = 8.5) -> None:
    """White-filled markers over points that cannot stand as the server's number."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        ax.plot(np.asarray(x)[mask], np.asarray(y)[mask], linestyle="none", marker=style["marker"],
                markersize=size, markerfacecolor="white", markeredgecolor=style["color"],
                markeredgewidth=1.4, label="_nolegend_", gid="flagged")


HOLLOW_HANDLE_LABEL = "hollow: every repeat flagged (not the server's own number)"


def hollow_handle():
    return plt.Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                      markeredgecolor="0.3")


def known_limit(agg: pd.DataFrame) -> pd.Series:
    """``limit_rps_median`` where it is the server's own limit and the measurement does not
    contradict it (a median above it by more than WINDOW_SLACK: the audit's business, no line)."""
    own = agg["limit_rps_median"].where(agg["limit_kind"].isin(SERVER_LIMITS))
    if "rps_median" in agg:
        own = own.where(~(agg["rps_median"] > own * (1 + thresholds.WINDOW_SLACK)))
    return own


def limit_curves(agg: pd.DataFrame, x: str) -> dict[tuple, list[str]]:
    """Each distinct known-limit curve of ``agg`` (x, limit_rps_median), with the servers
    whose limit it is; servers whose limit is unknown or not their own have none."""
    known = agg.assign(limit_rps_median=known_limit(agg)).dropna(subset=["limit_rps_median", x])
    curves: dict[tuple, list[str]] = {}
    for server, pts in known.groupby("server", sort=False):
        pts = pts.sort_values(x)
        key = tuple(zip(pts[x].astype(float), pts["limit_rps_median"].round(1)))
        curves.setdefault(key, []).append(server)
    return curves


def draw_limits(grid: Grid, model: str, agg: pd.DataFrame, x: str, styles: dict) -> None:
    """The panel's servers' own limits, dashed: in the server's colour when its own, grey
    when several servers share it; one legend entry for all of them."""
    ax = grid.axes[model]
    for key, servers in limit_curves(agg, x).items():
        xs, ys = zip(*key)
        style = dict(LIMIT_STYLE)
        if len(servers) == 1:
            style["color"] = styles[servers[0]]["color"]
        style["linewidth"] = 1.0
        if len(xs) == 1:                 # one level: a short tick at the limit
            ax.plot(xs, ys, marker="_", markersize=16, markeredgewidth=1.6, linestyle="none",
                    color=style["color"], label="_nolegend_", gid="limit:" + ",".join(servers))
        else:
            ax.plot(xs, ys, label="_nolegend_", gid="limit:" + ",".join(servers), **style)
        add_extra(grid, model, plt.Line2D([], [], **dict(LIMIT_STYLE, color="0.35")),
                  "dashed: its own limit (grey: shared)")
