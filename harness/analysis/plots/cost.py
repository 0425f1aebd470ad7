"""What a request costs the server: CPU time per request and memory at a rate the compared
servers all sustain, and what a framework adds on the same server and model.

A cost is drawn only where it is meaningful: from a point whose server used at least
thresholds.COST_MIN_CPU_S of CPU (below it what is not per request, a runtime's timers,
the harness's own requests, weighs on the average; the reason is with the floor in
harness/measure/resources.py). A server left out says why in place of its bar.
"""
from __future__ import annotations

# style first: it selects matplotlib's Agg backend before pyplot loads
from harness.analysis.style import bar_colours, chart_title, need, one_target, servers_by_model  # noqa: I001
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from harness.analysis import frame, thresholds
from harness.analysis.plots.bars import BAR_HEIGHT_IN, hbars, legend_below
from harness.catalog import APPS

SUSTAINED = 0.98        # a rate is sustained when at least this share of it was achieved
APP_NAMES = {"wsgi": "plain WSGI", "flask": "Flask", "django": "Django"}


def _open_points(runs: pd.DataFrame, workload: str, keep: float) -> pd.DataFrame:
    rows = frame.select(runs, workload=workload, loop="open")
    need(rows, f"workload {workload!r} under open-loop load (rate)")
    agg = frame.aggregate(rows, ["rps", "cpu_us_per_request", "server_cpu_s", "server_rss_peak_mib"])
    agg["sustained"] = (agg["rps_median"] >= keep * agg["rate"]) & ~agg["all_flagged"]
    agg["costed"] = agg["sustained"] & _meaningful(agg)
    return agg


def _meaningful(agg: pd.DataFrame) -> pd.Series:
    """A cost per request stands: present, and from enough CPU that the ticks do not decide it."""
    return agg["cpu_us_per_request_median"].notna() & (agg["server_cpu_s_median"] >= thresholds.COST_MIN_CPU_S)


def pick_rate(runs: pd.DataFrame, workload: str, *, keep: float = SUSTAINED, costed: bool = False) -> float:
    """The open-loop rate the most servers sustained (>= ``keep`` of it achieved, not flagged),
    the highest of equals; with ``costed``, counting only servers whose cost there is meaningful."""
    agg = _open_points(runs, workload, keep)
    count = agg.groupby("rate")["costed" if costed else "sustained"].sum()
    return float(count[count == count.max()].index.max())


def _why_not(row: pd.Series | None) -> str:
    if row is None:
        return "not measured at this rate"
    if not row["sustained"]:
        return f"did not sustain this rate ({row['rps_median']:,.0f} req/s achieved)"
    return f"cost not meaningful: {row['server_cpu_s_median']:.2f} s of CPU, under {thresholds.COST_MIN_CPU_S:g} s"


def cost(runs: pd.DataFrame, workload: str, *, rate: float | None = None) -> Figure:
    """CPU microseconds per request and peak memory per server, at one open-loop rate: by
    default the one the most servers sustained with a meaningful cost (:func:`pick_rate`)."""
    rate = rate if rate is not None else pick_rate(runs, workload, costed=True)
    agg = _open_points(runs, workload, SUSTAINED)
    at = agg[agg["rate"] == rate].set_index("server")
    need(at, f"workload {workload!r} at {rate:g} requests/s (open loop)")
    order = [s for s, _ in servers_by_model(frame.select(runs, workload=workload, loop="open"))]
    colours = bar_colours(runs)
    ok = at[at["costed"]]
    notes = {s: _why_not(at.loc[s] if s in at.index else None) for s in order if s not in ok.index}
    fig, (ax_cpu, ax_mem) = plt.subplots(1, 2, figsize=(11.5, BAR_HEIGHT_IN * len(order) + 1.9),
                                         sharey=True, layout="constrained")
    _, _, marks = hbars(order, ok["cpu_us_per_request_median"], colours, lo=ok["cpu_us_per_request_min"],
                        hi=ok["cpu_us_per_request_max"], flagged=ok["all_flagged"], notes=notes, ax=ax_cpu,
                        gid=lambda s: f"cost:{s}")
    ax_cpu.set_xlabel("server CPU per request (µs)")
    sustained = at[at["sustained"]]
    hbars(order, sustained["server_rss_peak_mib_median"], colours, lo=sustained["server_rss_peak_mib_min"],
          hi=sustained["server_rss_peak_mib_max"], ax=ax_mem, gid=lambda s: f"memory:{s}",
          notes={s: "–" for s in order if s not in sustained.index})
    ax_mem.set_xlabel("peak memory, whole process tree (MiB)")
    legend_below(fig, marks)
    fig.suptitle(f"Cost at {rate:g} requests/s offered (open loop): {chart_title(workload, one_target(at))}; "
                 f"{len(ok)} of {len(order)} servers sustained it with a meaningful cost", fontsize=11)
    return fig


# --- framework cost ------------------------------------------------------------------------------

def app_of(server: str) -> tuple[str, str]:
    """``(base server, app)`` from a catalog variant's name (``NAME-flask`` -> NAME, flask);
    a name without an app suffix serves the plain WSGI app (or its own, outside Python)."""
    for app in APPS:
        if app != "wsgi" and server.endswith(f"-{app}"):
            return server[:-len(app) - 1], app
    return server, "wsgi"


def _framework_points(runs: pd.DataFrame, workload: str) -> pd.DataFrame:
    """Closed-loop points of servers measured with two apps or more, at one shared level."""
    rows = frame.select(runs, workload=workload, loop="closed", driver="wrk")
    bases = rows["server"].map(lambda s: app_of(s)[0])
    apps = rows["server"].map(lambda s: app_of(s)[1])
    several = apps.groupby(bases).transform("nunique") > 1
    rows = rows[several & rows["runtime"].eq("python")]
    need(rows, f"workload {workload!r}: one server measured with two apps or more (closed loop)")
    agg = frame.shared_top(frame.aggregate(rows, ["cpu_us_per_request", "server_cpu_s", "rps"]))
    agg["base"], agg["app"] = zip(*agg["server"].map(app_of))
    return agg


def _runs(n: int) -> str:
    """Say so when a median stands on fewer clean repeats than a point is published from."""
    return f", {n} clean run{'s' if n != 1 else ''}" if n < thresholds.MIN_CLEAN_REPEATS else ""


def framework_cost(runs: pd.DataFrame, workload: str = "hello") -> Figure:
    """CPU microseconds per request of the plain WSGI app, Flask and Django on the same
    server and model, grouped by server: the price a framework adds, which decides how
    many requests one core can serve (1e6 / µs)."""
    agg = _framework_points(runs, workload).set_index("server")
    ok = agg[_meaningful(agg)]
    rank = {app: i for i, app in enumerate(APPS)}
    order = []
    for base, _ in servers_by_model(agg.assign(server=agg["base"]).reset_index(drop=True)):
        members = agg[agg["base"] == base]
        order += sorted(members.index, key=lambda s: rank[agg.loc[s, "app"]])
    notes, labels = {}, {}
    for server in order:
        base, app = agg.loc[server, "base"], agg.loc[server, "app"]
        labels[server] = f"{server} ({APP_NAMES[app]})"
        plain = base if base in ok.index else None
        if server not in ok.index:
            notes[server] = (f"cost not meaningful: {agg.loc[server, 'server_cpu_s_median']:.2f} s of CPU, "
                             f"under {thresholds.COST_MIN_CPU_S:g} s")
        else:
            notes[server] = f"{ok.loc[server, 'cpu_us_per_request_median']:,.0f} µs"
            if plain and server != plain:
                extra = ok.loc[server, "cpu_us_per_request_median"] - ok.loc[plain, "cpu_us_per_request_median"]
                notes[server] += f" ({extra:+,.0f} over plain)"
            notes[server] += _runs(int(ok.loc[server, "n"])) + (" (flagged)" if ok.loc[server, "all_flagged"] else "")
    fig, ax, marks = hbars(order, ok["cpu_us_per_request_median"], bar_colours(runs),
                           lo=ok["cpu_us_per_request_min"], hi=ok["cpu_us_per_request_max"],
                           flagged=ok["all_flagged"], notes=notes, labels=labels, gid=lambda s: f"cost:{s}")
    levels = sorted({int(c) for c in agg["connections"].dropna()})
    where = ", ".join(f"c{c}" for c in levels)
    ax.set_xlabel(f"server CPU per request (µs), closed loop at {where}; one core serves about 1e6 / µs req/s")
    ax.set_title(f"What a framework costs per request, same server and model: {chart_title(workload, one_target(agg))}",
                 fontsize=11)
    legend_below(fig, marks)
    return fig
