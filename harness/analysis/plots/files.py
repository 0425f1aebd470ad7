"""Every chart a campaign allows, written as PNG and SVG; and the data back out of a figure."""
from __future__ import annotations

from pathlib import Path

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import NoData  # noqa: I001
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from harness.analysis import frame
from harness.analysis.plots.cores import cores_busy
from harness.analysis.plots.cost import cost, framework_cost
from harness.analysis.plots.latency import knee, latency_distribution, latency_vs_rate
from harness.analysis.plots.overview import overview
from harness.analysis.plots.throughput import throughput

#: Chart kinds drawn per workload, in the report's order: name prefix -> function.
PER_WORKLOAD = {"throughput": throughput, "knee": knee, "latency": latency_vs_rate,
                "cores": cores_busy, "distribution": latency_distribution, "cost": cost,
                "frameworks": framework_cost}


def save(fig: Figure, directory: str | Path, name: str) -> list[Path]:
    """Write ``name.png`` and ``name.svg`` into ``directory``; close the figure."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        path = directory / f"{name}.{ext}"
        fig.savefig(path, bbox_inches="tight", metadata={"Date": None} if ext == "svg" else None)
        paths.append(path)
    plt.close(fig)
    return paths


def all_charts(runs: pd.DataFrame, directory: str | Path) -> dict[str, list[Path]]:
    """Every chart the rows allow, saved under ``directory``; name -> [png, svg].

    A chart the campaign has no rows for (say, no open-loop runs) is skipped, not
    drawn empty. Charts show one launcher (frame.one_launcher).
    """
    out: dict[str, list[Path]] = {}
    runs = frame.one_launcher(runs)
    workloads = list(dict.fromkeys(runs["workload"]))

    def attempt(name: str, make) -> None:
        try:
            fig = make()
        except NoData:
            return
        out[name] = save(fig, directory, name)

    attempt("overview", lambda: overview(runs))
    for kind, chart in PER_WORKLOAD.items():
        for w in workloads:
            attempt(f"{kind}-{w}", lambda chart=chart, w=w: chart(runs, w))
    return out


def series(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The plotted data of an axes, by server: {server: (x, y)} (for tests and notebooks).

    Lines carry gid ``series:SERVER``; the bars of a one-level throughput chart
    carry ``bar:SERVER:CONNECTIONS`` (x = connections, y = the bar's length).
    """
    out = {}
    for patch in ax.patches:                      # single-level throughput charts are bars
        gid = patch.get_gid() or ""
        if gid.startswith("bar:"):
            _, server, c = gid.split(":")
            out[server] = (np.array([float(c)]), np.array([patch.get_width()]))
    for line in ax.get_lines():
        gid = line.get_gid() or ""
        if gid.startswith("series:"):
            out[gid[len("series:"):]] = (np.asarray(line.get_xdata(), dtype=float),
                                         np.asarray(line.get_ydata(), dtype=float))
    return out


def panel_series(fig: Figure) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The plotted data of every panel of a figure, by panel title: {title: {server: (x, y)}}.

    A small-multiples chart has one titled panel per model (its legend strips are
    untitled); a "not measured" panel maps to {} rather than vanishing.
    """
    return {ax.get_title(): series(ax) for ax in fig.axes if ax.get_title()}
