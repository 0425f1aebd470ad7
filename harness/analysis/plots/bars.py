"""Horizontal bars, one per server and named on the axis: the charts of one load point.

A flagged median (every repeat flagged: a lower bound) is drawn hatched and hollow,
never as a solid bar; a server without a value says "not measured" where its bar
would be; a known limit is a black tick on the server's bar, named once.
"""
from __future__ import annotations

import math
from typing import Callable

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import NOT_MEASURED  # noqa: I001
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

BAR_HEIGHT_IN = 0.34
FLAGGED_LABEL = "hatched: every repeat flagged (not the server's own number)"
LIMIT_LABEL = "black tick: the server's own limit"


def _get(series: pd.Series | None, key, default=math.nan):
    if series is None or key not in series.index:
        return default
    value = series.loc[key]
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else value


def hbars(order: list[str], values: pd.Series, colours: dict, *, lo: pd.Series | None = None,
          hi: pd.Series | None = None, flagged: pd.Series | None = None, fmt: str = "{:,.0f}",
          gid: Callable[[str], str] | None = None, limits: pd.Series | None = None,
          notes: dict[str, str] | None = None, ax: Axes | None = None,
          labels: dict[str, str] | None = None) -> tuple[Figure, Axes, dict]:
    """A bar per server of ``order`` (top to bottom), its value written beside it.

    ``values``, ``lo``, ``hi``, ``flagged``, ``limits`` are indexed by server; ``notes``
    replaces a server's value text (why it has no bar); ``labels`` renames the axis labels.
    Returns the figure, the axes and the legend entries the bars need ({label: handle}),
    for :func:`legend_below` once per figure.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.4, BAR_HEIGHT_IN * len(order) + 1.6), layout="constrained")
    fig = ax.figure
    notes = notes or {}
    names = order[::-1]
    y = np.arange(len(names))
    vals = np.array([float(_get(values, s)) for s in names])
    top = np.nanmax(np.concatenate([vals, [float(_get(hi, s)) for s in names], [0.0]]))
    legend: dict[str, object] = {}
    for i, server in enumerate(names):
        v = vals[i]
        if math.isnan(v):
            ax.annotate(notes.get(server, NOT_MEASURED), (0, i), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8, style="italic", color="0.4", gid=f"not-measured:{server}")
            continue
        is_flagged = bool(_get(flagged, server, False))
        bar = ax.barh(i, v, color=colours[server], height=0.72)[0]
        bar.set_gid(gid(server) if gid else f"bar:{server}")
        if is_flagged:
            bar.set_facecolor("white")
            bar.set_edgecolor(colours[server])
            bar.set_hatch("////")
            legend[FLAGGED_LABEL] = plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="0.3", hatch="////")
        low, high = _get(lo, server), _get(hi, server)
        if not math.isnan(low) and not math.isnan(high):
            ax.errorbar(v, i, xerr=[[v - low], [high - v]], fmt="none", ecolor="0.25", elinewidth=0.9,
                        capsize=2)
        limit = _get(limits, server)
        if not math.isnan(limit):
            ax.plot([limit], [i], marker="|", markersize=13, markeredgewidth=2, color="black",
                    linestyle="none", gid=f"limit:{server}")
            legend[LIMIT_LABEL] = plt.Line2D([], [], marker="|", markersize=10, markeredgewidth=2,
                                             color="black", linestyle="none")
            top = max(top, limit)
        text = notes.get(server, fmt.format(v) + (" (flagged)" if is_flagged else ""))
        end = max(v, high if not math.isnan(high) else v, limit if not math.isnan(limit) else v)
        ax.annotate(text, (end, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, [labels.get(s, s) if labels else s for s in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(0, top * 1.3 if top > 0 else 1)
    ax.grid(axis="y", visible=False)
    return fig, ax, legend


def legend_below(fig: Figure, *entries: dict) -> None:
    """One legend under the figure for what the bars' marks mean (hatching, limit ticks)."""
    merged: dict = {}
    for e in entries:
        merged.update(e)
    if merged:
        fig.legend(list(merged.values()), list(merged), loc="outside lower center", ncol=len(merged),
                   frameon=False, fontsize=8)
