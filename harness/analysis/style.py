"""The charts' shared look: a colour per concurrency model, markers and dashes per server,
axis formatters and legends (matplotlib, Agg backend: files only, no display)."""
from __future__ import annotations

import math
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # noqa: E402 (no display: files only)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

MODEL_COLOURS = {
    "goroutines": "#1f77b4",   # blue
    "event-loop": "#2ca02c",   # green
    "cluster": "#0b6e4f",      # dark green: Node's event loop, one per core
    "threaded": "#ff7f0e",     # orange
    "forked": "#d62728",       # red
    "async": "#9467bd",        # purple
}
MODEL_LABELS = {
    "goroutines": "goroutines", "event-loop": "event loop", "cluster": "event loop x cores",
    "threaded": "threads", "forked": "processes", "async": "greenlets",
}
MODEL_ORDER = tuple(MODEL_COLOURS)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_DASHES = ("-", "--", "-.", ":")
# Lines inside one model's panel: qualitative colours, none of them grey (grey is the
# limit's colour); tab10 first, then tab20's lighter halves for big models.
_PANEL_COLOURS = tuple(c for c in plt.get_cmap("tab10").colors if c != plt.get_cmap("tab10").colors[7]) \
    + tuple(plt.get_cmap("tab20").colors[1::2][:7]) + tuple(plt.get_cmap("tab20b").colors[::2])
LIMIT_STYLE = dict(color="0.25", linestyle=(0, (4, 3)), linewidth=1.2)
# A limit the server itself has (harness/limits.py): Little's law over its slots, its
# cores over the CPU service time, users over think time. The generator's ceiling and
# the offered rate are not the server's, so no chart draws them as its limit.
SERVER_LIMITS = frozenset({"littles-law", "cpu", "interactive"})
NOT_MEASURED = "not measured"
PERCENTILES = {"p50": "latency_p50_ms", "p90": "latency_p90_ms", "p99": "latency_p99_ms",
               "p99.9": "latency_p999_ms", "max": "latency_max_ms"}
WORKLOAD_TITLES = {"hello": "/hello (no work)", "json": "/json", "io": "I/O-bound",
                   "cpu": "CPU-bound", "mixed": "mixed I/O + CPU", "upstream": "upstream call",
                   "echo": "/echo"}

plt.rcParams.update({
    "figure.dpi": 100, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 11,
    "axes.labelsize": 10, "legend.fontsize": 8.5, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none",
    # fixed ids in SVGs (the default salt is random), so `make docs` rewrites a chart
    # only when its data changed
    "svg.hashsalt": "concurrency-arena",
})


# --- style ---------------------------------------------------------------------------

def servers_by_model(runs: pd.DataFrame) -> list[tuple[str, str]]:
    pairs = runs[["server", "model"]].drop_duplicates()
    rank = {m: i for i, m in enumerate(MODEL_ORDER)}
    return sorted(((s, m) for s, m in pairs.itertuples(index=False)),
                  key=lambda sm: (rank.get(sm[1], len(rank)), sm[0]))


def line_styles(runs: pd.DataFrame) -> dict[str, dict]:
    """server -> matplotlib line style, for charts drawn one panel per model: a colour,
    marker and dash distinct from every other server of its model.

    Drawn from the whole campaign's servers (not one workload's), so a server keeps
    its look in every chart of the campaign."""
    out: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for server, model in servers_by_model(runs):
        i = seen.get(model, 0)
        seen[model] = i + 1
        out[server] = dict(color=_PANEL_COLOURS[i % len(_PANEL_COLOURS)],
                           marker=_MARKERS[i % len(_MARKERS)], linestyle=_DASHES[(i // 3) % len(_DASHES)])
    return out


def bar_colours(runs: pd.DataFrame) -> dict[str, tuple]:
    """server -> colour for bar charts, which name each bar: the model's hue, in as many
    distinct shades as the model has servers (dark to light), so bars group by model and
    no two servers share a colour."""
    by_model: dict[str, list[str]] = {}
    for server, model in servers_by_model(runs):
        by_model.setdefault(model, []).append(server)
    out = {}
    for model, names in by_model.items():
        base = np.array(to_rgb(MODEL_COLOURS.get(model, "#7f7f7f")))
        # shades from darker to lighter, as far apart as the model's servers need (at most
        # 45% toward black or white), so two servers stay near the model's own colour
        half = min(0.45, 0.25 + 0.05 * (len(names) - 2))
        for i, server in enumerate(names):
            t = 0.0 if len(names) == 1 else -half + 2 * half * i / (len(names) - 1)
            shade = base * (1 + t) if t < 0 else base + (1 - base) * t
            out[server] = tuple(float(c) for c in shade)
    return out


def series_label(server: str, model: str) -> str:
    return f"{server} ({MODEL_LABELS.get(model, model)})"


def rate_fmt(value, _pos=None) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def ms_fmt(value, _pos=None) -> str:
    if value >= 1000:
        return f"{value / 1000:g} s"
    return f"{value:g}"


def log_y(ax, values: Iterable[float], fmt) -> None:
    """Log scale when the values span more than ~an order of magnitude."""
    vals = [v for v in values if v and v > 0 and math.isfinite(v)]
    if vals and max(vals) / min(vals) > 8:
        ax.set_yscale("log")
        # label the 2x/5x minor ticks only when there are few decades to fill
        wide = max(vals) / min(vals) > 30
        ax.yaxis.set_minor_formatter(NullFormatter() if wide else FuncFormatter(
            lambda v, p: fmt(v, p) if round(v / 10 ** math.floor(math.log10(v))) in (2, 5) else ""))
    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def chart_title(workload: str, target: str | None) -> str:
    name = WORKLOAD_TITLES.get(workload, workload)
    return f"{name}: {target}" if target else name


def one_target(rows: pd.DataFrame) -> str | None:
    targets = sorted(rows["target"].unique())
    return targets[0] if len(targets) == 1 else None


class NoData(ValueError):
    """The rows hold nothing a chart can be drawn from; the message says which rows were wanted."""


def need(rows: pd.DataFrame, what: str) -> None:
    if rows.empty:
        raise NoData(f"no rows for {what}")
