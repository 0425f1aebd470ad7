"""Charts drawn from stored rows (matplotlib, Agg backend): never from a live run.

Every function takes the rows :func:`harness.analysis.frame.load` returns and gives
back a ``matplotlib.figure.Figure``; :func:`save` writes it as PNG and SVG.
A model has one colour in every chart (threads orange, processes red, greenlets
purple, goroutines blue, Node's event loop green); servers sharing a model are
told apart by marker and line style. Each plotted series carries the server
name as its label, so tests read the data back from the figure itself.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, NamedTuple

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import (LIMIT_STYLE, MODEL_COLOURS, MODEL_LABELS, MODEL_ORDER,  # noqa: F401, I001
                                    PERCENTILES, WORKLOAD_TITLES, NoData, chart_title, legend_outside,
                                    log_y, ms_fmt, need, one_target, rate_fmt, series_label, servers_by_model,
                                    styles)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402, F401 (tests mix colours with it)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from harness.analysis import frame, thresholds  # noqa: E402


# --- throughput vs concurrency (closed loop) -----------------------------------------------

def throughput(runs: pd.DataFrame, workload: str) -> Figure:
    """Requests/s vs connections (wrk, closed loop), median of repeats, bars = min..max.

    The dashed lines are each point's theoretical limit as the harness stored it
    (``limit_rps``: Little's law min(C, slots) / wait for I/O, cores / service
    time for CPU). Hollow markers: every repeat of that point was flagged
    (generator-bound or errors), so it is a lower bound, not the server's number.
    """
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    need(rows, f"workload {workload!r} under closed-loop load (wrk connections)")
    agg = frame.aggregate(rows, ["rps", "limit_rps"])
    st = styles(rows)
    if agg["connections"].nunique() == 1:
        return _throughput_bars(rows, agg, st, workload)
    fig, ax = plt.subplots(figsize=(8.2, 4.8))
    for server, model in servers_by_model(rows):
        pts = agg[agg["server"] == server].sort_values("connections")
        x = pts["connections"].astype(float).to_numpy()
        y = pts["rps_median"].to_numpy()
        s = st[server]
        ax.plot(x, y, label=series_label(server, model), color=s["color"], marker=s["marker"],
                linestyle=s["linestyle"], linewidth=1.6, markersize=5.5, gid=f"series:{server}")
        ax.errorbar(x, y, yerr=[y - pts["rps_min"].to_numpy(), pts["rps_max"].to_numpy() - y],
                    fmt="none", ecolor=s["color"], elinewidth=1, capsize=3, label="_nolegend_")
        hollow = pts["all_flagged"].to_numpy()
        if hollow.any():
            ax.plot(x[hollow], y[hollow], linestyle="none", marker=s["marker"], markersize=9,
                    markerfacecolor="white", markeredgecolor=s["color"], label="_nolegend_")
    extra = _limit_lines(ax, agg, st)
    if agg["all_flagged"].any():
        extra.append((plt.Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                                 markeredgecolor="0.3"), "hollow: flagged (e.g. generator-bound)"))
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(sorted(agg["connections"].dropna().astype(float).unique()))
    log_y(ax, list(agg["rps_median"]) + list(agg["limit_rps_median"].dropna()), rate_fmt)
    ax.set_xlabel("concurrent connections (closed loop, wrk)")
    ax.set_ylabel("throughput (requests/s)")
    ax.set_title(f"Throughput vs concurrency, {chart_title(workload, one_target(rows))}")
    legend_outside(fig, ax, extra)
    fig.tight_layout()
    return fig


def _throughput_bars(rows: pd.DataFrame, agg: pd.DataFrame, st: dict, workload: str) -> Figure:
    """One load level only: a bar per server reads better than a column of dots."""
    order = [s for s, _ in servers_by_model(rows)][::-1]
    models = dict(zip(rows["server"], rows["model"]))
    pts = agg.set_index("server").loc[order]
    c = int(pts["connections"].iloc[0])
    fig, ax = plt.subplots(figsize=(8.2, 0.42 * len(order) + 1.8))
    med = pts["rps_median"].to_numpy(dtype=float)
    err = [med - pts["rps_min"].to_numpy(dtype=float), pts["rps_max"].to_numpy(dtype=float) - med]
    bars = ax.barh([series_label(s, models[s]) for s in order], med, xerr=err, capsize=2,
                   color=[st[s]["color"] for s in order])
    for bar, server, flagged_point, top in zip(bars, order, pts["all_flagged"], pts["rps_max"]):
        bar.set_gid(f"bar:{server}:{c}")
        text = f"{bar.get_width():,.0f}"
        if flagged_point:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
            text += " (flagged: lower bound)"
        ax.annotate(text, (max(top, bar.get_width()), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    limits = pts["limit_rps_median"].dropna()
    if not limits.empty and limits.nunique() == 1:
        ax.axvline(limits.iloc[0], **LIMIT_STYLE, label="limit")
    if np.nanmax(med) / max(np.nanmin(med), 1e-9) > 20:
        ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(rate_fmt))
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.3)
    ax.set_xlabel(f"throughput (requests/s) at {c} connections (closed loop, wrk)")
    ax.set_title(f"Throughput, {chart_title(workload, one_target(rows))}"
                 + ("\nhatched: every repeat flagged (e.g. generator-bound), a lower bound"
                    if pts["all_flagged"].any() else ""))
    fig.tight_layout()
    return fig


def _limit_lines(ax, agg: pd.DataFrame, st: dict) -> list:
    """Draw each distinct limit curve once; servers sharing it are named in one label."""
    curves: dict[tuple, list[str]] = {}
    for server, pts in agg.groupby("server"):
        pts = pts.sort_values("connections").dropna(subset=["limit_rps_median"])
        if pts.empty:
            continue
        key = tuple(zip(pts["connections"].astype(float), pts["limit_rps_median"].round(1)))
        curves.setdefault(key, []).append(server)
    extra = []
    everyone = set(agg["server"])
    runtimes = dict(zip(agg["server"], agg["runtime"]))
    for key, servers in curves.items():
        x, y = zip(*key)
        shared = set(servers) == everyone or len(servers) > 2
        style = dict(LIMIT_STYLE)
        if not shared:
            style["color"] = st[servers[0]]["color"]
        (line,) = ax.plot(x, y, label="_nolegend_", gid="limit:" + ",".join(servers), **style)
        who = _who(servers, everyone, runtimes)
        extra.append((line, f"limit: {who}"))
    return extra


def _who(servers: list[str], everyone: set[str], runtimes: dict[str, str]) -> str:
    """A short name for a set of servers: 'all servers', 'every python server', or the names."""
    if set(servers) == everyone:
        return "all servers"
    kinds = {runtimes[s] for s in servers}
    if len(kinds) == 1:
        kind = kinds.pop()
        if set(servers) == {s for s in everyone if runtimes[s] == kind} and len(servers) > 2:
            return f"every {kind} server"
    if len(servers) <= 2:
        return ", ".join(servers)
    return f"{len(servers)} servers ({', '.join(sorted(kinds))})"


# --- latency vs offered rate (open loop): the hockey stick -------------------------------------

def latency_vs_rate(runs: pd.DataFrame, workload: str,
                    percentiles: Iterable[str] = ("p50", "p99", "p99.9")) -> Figure:
    """Latency percentiles vs offered rate (vegeta, open loop, from intended send time).

    One panel per percentile, one line per server. Hollow markers: more than
    1% of that point's requests failed (timeouts past saturation), so its
    latency describes only the requests that got through.
    """
    rows = frame.select(runs, workload=workload, loop="open")
    need(rows, f"workload {workload!r} under open-loop load (rate)")
    percentiles = list(percentiles)
    metrics = [PERCENTILES[p] for p in percentiles] + ["error_rate"]
    agg = frame.aggregate(rows, metrics, only_usable=False)
    st = styles(rows)
    fig, axes = plt.subplots(1, len(percentiles), figsize=(4.0 * len(percentiles), 4.4),
                             sharey=True, squeeze=False)
    axes = axes[0]
    all_y = [v for p in percentiles for v in agg[f"{PERCENTILES[p]}_median"]]
    wait = frame.wait_ms(one_target(rows) or "")
    for ax, pct in zip(axes, percentiles):
        col = f"{PERCENTILES[pct]}_median"
        for server, model in servers_by_model(rows):
            pts = agg[agg["server"] == server].sort_values("rate")
            x = pts["rate"].to_numpy(dtype=float)
            y = pts[col].to_numpy(dtype=float)
            s = st[server]
            ax.plot(x, y, label=series_label(server, model), color=s["color"], marker=s["marker"],
                    linestyle=s["linestyle"], linewidth=1.5, markersize=5, gid=f"series:{server}")
            bad = (pts["error_rate_median"] > thresholds.ERROR_SHARE).to_numpy()
            if bad.any():
                ax.plot(x[bad], y[bad], linestyle="none", marker=s["marker"], markersize=8,
                        markerfacecolor="white", markeredgecolor=s["color"], label="_nolegend_")
        if wait:
            ax.axhline(wait, **LIMIT_STYLE, label="_nolegend_")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(rate_fmt))
        ax.set_title(pct)
        ax.set_xlabel("offered rate (requests/s, open loop)")
    log_y(axes[0], all_y, ms_fmt)
    axes[0].set_ylabel("latency (ms, from intended send time)")
    extra = [(plt.Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                         markeredgecolor="0.3"), "hollow: >1% of requests failed")]
    if wait:
        extra.append((plt.Line2D([], [], **LIMIT_STYLE), f"the workload's own wait ({wait:g} ms)"))
    fig.suptitle(f"Latency vs offered rate, {chart_title(workload, one_target(rows))}: "
                 "where each model falls over", fontsize=12)
    legend_outside(fig, axes[0], extra)
    fig.tight_layout()
    return fig


# --- latency distribution at one point -------------------------------------------------------

_NINES = {"p50": 1 - math.log10(2), "p90": 1.0, "p99": 2.0, "p99.9": 3.0, "max": 3.6}


def pick_rate(runs: pd.DataFrame, workload: str, *, keep: float = 0.98) -> float:
    """The highest offered rate every server of the workload sustained (>= ``keep`` of
    it achieved, no flag), else the lowest rate measured: a rate where costs compare."""
    rows = frame.select(runs, workload=workload, loop="open")
    need(rows, f"workload {workload!r} under open-loop load (rate)")
    agg = frame.aggregate(rows, ["rps"], only_usable=False)
    ok = agg.assign(ok=(agg["rps_median"] >= keep * agg["rate"]) & ~agg["all_flagged"])
    per_rate = ok.groupby("rate")["ok"].all()
    sustained = per_rate[per_rate]
    return float(sustained.index.max() if not sustained.empty else per_rate.index.min())


def latency_distribution(runs: pd.DataFrame, workload: str, *, rate: float | None = None,
                         connections: int | None = None) -> Figure:
    """Percentile spectrum (p50 .. max) of every server at one load point.

    Open loop at ``rate`` by default (the highest rate every server sustained);
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
    st = styles(rows)
    fig, ax = plt.subplots(figsize=(8.2, 4.8))
    x = np.array([_NINES[p] for p in PERCENTILES])
    for server, model in servers_by_model(rows):
        pt = agg[agg["server"] == server]
        y = np.array([pt[f"{m}_median"].iloc[0] for m in metrics], dtype=float)
        s = st[server]
        ax.plot(x, y, label=series_label(server, model), color=s["color"], marker=s["marker"],
                linestyle=s["linestyle"], linewidth=1.5, markersize=5, gid=f"series:{server}")
    ax.set_xticks(x, list(PERCENTILES))
    log_y(ax, agg[[f"{m}_median" for m in metrics]].to_numpy().ravel(), ms_fmt)
    ax.set_xlabel("percentile (spaced by nines)")
    ax.set_ylabel("latency (ms)")
    ax.set_title(f"Latency distribution, {chart_title(workload, one_target(rows))} at {where}")
    legend_outside(fig, ax)
    fig.tight_layout()
    return fig


# --- cost at a fixed rate ---------------------------------------------------------------------

def cost(runs: pd.DataFrame, workload: str, *, rate: float | None = None) -> Figure:
    """CPU microseconds per request and peak memory per server, at one fixed offered rate."""
    rate = rate if rate is not None else pick_rate(runs, workload)
    rows = frame.select(runs, workload=workload, loop="open")
    rows = rows[rows["rate"] == rate]
    need(rows, f"workload {workload!r} at {rate:g} requests/s (open loop)")
    agg = frame.aggregate(rows, ["cpu_us_per_request", "server_rss_peak_mib"])
    order = [s for s, _ in servers_by_model(rows)][::-1]
    agg = agg.set_index("server").loc[order]
    st = styles(rows)
    colours = [st[s]["color"] for s in order]
    fig, (ax_cpu, ax_mem) = plt.subplots(1, 2, figsize=(9.0, 0.42 * len(order) + 1.6), sharey=True)
    for ax, metric, label in ((ax_cpu, "cpu_us_per_request", "server CPU per request (µs)"),
                              (ax_mem, "server_rss_peak_mib", "peak memory, whole process tree (MiB)")):
        med = agg[f"{metric}_median"].to_numpy(dtype=float)
        err = [med - agg[f"{metric}_min"].to_numpy(dtype=float),
               agg[f"{metric}_max"].to_numpy(dtype=float) - med]
        bars = ax.barh(order, med, xerr=err, color=colours, capsize=2, gid=f"bars:{metric}")
        for bar, value, top in zip(bars, med, agg[f"{metric}_max"]):
            ax.annotate(f"{value:,.0f}", (max(top, value), bar.get_y() + bar.get_height() / 2),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        if np.nanmax(med) / max(np.nanmin(med), 1e-9) > 20:
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
    fig.suptitle(f"Cost at a fixed rate: {chart_title(workload, one_target(rows))}, "
                 f"{rate:g} requests/s offered (open loop)", fontsize=12)
    fig.tight_layout()
    return fig


# --- one-page overview ---------------------------------------------------------------------------

class _Panel(NamedTuple):
    """One bar panel of the overview: a value per server."""
    title: str
    values: pd.Series                   # by server
    unit: str
    log: bool
    fmt: str
    limit: float | None = None          # a dashed line at the Little's-law limit
    errors: pd.Series | None = None     # error share by server: bars over ERROR_SHARE are hatched


def _top_closed_point(runs: pd.DataFrame, workload: str, metric: str) -> tuple[pd.Series, str]:
    """Medians at the most connections every server was measured at, and that level."""
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    if rows.empty:
        return pd.Series(dtype=float), ""
    agg = frame.shared_top(frame.aggregate(rows, [metric]))
    levels = sorted({int(c) for c in agg["connections"].dropna()})
    where = f"{levels[0]} connections" if len(levels) == 1 else "at the most connections"
    return agg.set_index("server")[f"{metric}_median"], where


def _overview_panels(runs: pd.DataFrame, io: str, cpu: str) -> list[_Panel]:
    """The overview's panels the rows allow: I/O and CPU throughput, I/O p99 at the top
    open-loop rate, peak memory."""
    panels = []
    io_rps, io_where = _top_closed_point(runs, io, "rps")
    io_limit, _ = _top_closed_point(runs, io, "limit_rps")
    if not io_rps.empty:
        ideal = float(io_limit.max()) if not io_limit.dropna().empty else None
        panels.append(_Panel(f"I/O: throughput\n({io_where})", io_rps, "requests/s", True, "{:,.0f}", ideal))
    cpu_rps, cpu_where = _top_closed_point(runs, cpu, "rps")
    if not cpu_rps.empty:
        panels.append(_Panel(f"CPU: throughput\n({cpu_where})", cpu_rps, "requests/s", True, "{:,.0f}"))
    open_io = frame.select(runs, workload=io, loop="open")
    if not open_io.empty:
        top = float(open_io["rate"].max())
        hi = open_io[open_io["rate"] == top]
        p99 = frame.aggregate(hi, ["latency_p99_ms", "error_rate"], only_usable=False).set_index("server")
        panels.append(_Panel(f"I/O: p99 latency at {rate_fmt(top)} req/s offered\n(open loop)",
                             p99["latency_p99_ms_median"], "ms", True, "{:,.0f}", None,
                             p99["error_rate_median"]))
    mem = frame.aggregate(runs, ["server_rss_peak_mib"], by=["server"])
    panels.append(_Panel("Peak memory\n(median over all runs)",
                         mem.set_index("server")["server_rss_peak_mib_median"], "MiB", False, "{:,.0f}"))
    return panels


def _draw_server_bars(ax, panel: _Panel, names: list[str], st: dict) -> None:
    """One horizontal bar per server, its value written beside it; hatched where most requests failed."""
    title, errors = panel.title, panel.errors
    vals = np.array([panel.values.get(s, np.nan) for s in names], dtype=float)
    failed = np.array([errors.get(s, 0.0) if errors is not None else 0.0 for s in names])
    bars = ax.barh(names, np.nan_to_num(vals), color=[st[s]["color"] for s in names],
                   gid="bars:" + title.split("\n")[0])
    for bar, v, f in zip(bars, vals, failed):
        text = "n/a" if math.isnan(v) else panel.fmt.format(v)
        if f > thresholds.ERROR_SHARE:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
            text += f" ({f:.0%} failed)"
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)
    if panel.limit:
        ax.axvline(panel.limit, **LIMIT_STYLE)
        title += f"\n(dashed: Little's law limit {panel.limit:,.0f})"
    if panel.log and np.nanmin(vals) > 0:
        ax.set_xscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(panel.unit)
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.35 if errors is not None else 0.22)


def overview(runs: pd.DataFrame, *, io: str = "io", cpu: str = "cpu") -> Figure:
    """The suite's question at a glance, one row per server:

    I/O throughput as a share of its Little's-law limit, CPU throughput,
    I/O p99 at a fixed open-loop rate, and peak memory. Each at the highest
    closed-loop concurrency measured (or the fixed rate), median of repeats.
    """
    servers = servers_by_model(runs)
    need(runs, "the overview (no runs at all)")
    st = styles(runs)
    names = [s for s, _ in servers][::-1]
    panels = _overview_panels(runs, io, cpu)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.1 * len(panels) + 1.6, 0.42 * len(names) + 2.0),
                             sharey=True, squeeze=False)
    for ax, panel in zip(axes[0], panels):
        _draw_server_bars(ax, panel, names, st)
    models = {m for _, m in servers}
    handles = [plt.Rectangle((0, 0), 1, 1, color=MODEL_COLOURS[m]) for m in MODEL_ORDER if m in models]
    labels = [MODEL_LABELS[m] for m in MODEL_ORDER if m in models]
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.5, -0.01), title="concurrency model")
    fig.suptitle("Concurrency models at a glance (median of repeats)", fontsize=12)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


# --- files ---------------------------------------------------------------------------------------

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

    A chart the campaign has no rows for (say, no open-loop runs) is skipped,
    not drawn empty. Charts show one launcher (frame.one_launcher).
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
    for w in workloads:
        attempt(f"throughput-{w}", lambda w=w: throughput(runs, w))
    for w in workloads:
        attempt(f"latency-{w}", lambda w=w: latency_vs_rate(runs, w))
    for w in workloads:
        attempt(f"distribution-{w}", lambda w=w: latency_distribution(runs, w))
    for w in workloads:
        attempt(f"cost-{w}", lambda w=w: cost(runs, w))
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
