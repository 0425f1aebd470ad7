"""Charts from the fixture and from a committed campaign: the files exist, the plotted series
are the rows' medians, and every chart reads: distinct colours, bounded legends, limits only
where known, "not measured" on blank panels, flagged medians hollow or hatched."""
import csv
import statistics
from pathlib import Path

import pandas as pd
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba

from harness.analysis import frame, plots, thresholds
from harness.analysis.style import MODEL_LABELS

EXPECTED = {"overview"} | {f"{kind}-{w}" for kind, ws in {
    "throughput": ("hello", "io", "cpu"), "knee": ("hello", "io", "cpu"), "latency": ("io", "cpu"),
    "cores": ("hello", "io", "cpu"), "distribution": ("io", "cpu"), "cost": ("io", "cpu")}.items() for w in ws}
COMMITTED = Path(__file__).resolve().parents[2] / "results" / "full-20261202"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _medians(fixture_dir, workload, key, metric, loop_column):
    """Medians straight from runs.csv with the csv module: independent of frame.py."""
    values = {}
    with open(fixture_dir / "runs.csv") as fh:
        for r in csv.DictReader(fh):
            if r["workload"] != workload or r[loop_column] == "" or r["status"] != "ok":
                continue
            if r["bottleneck"] in ("generator", "errors"):
                continue
            values.setdefault(r["server"], {}).setdefault(float(r[key]), []).append(float(r[metric]))
    return {s: {x: statistics.median(v) for x, v in pts.items()} for s, pts in values.items()}


def _series(fig) -> dict:
    out = {}
    for ax in fig.axes:
        out.update(plots.series(ax))
    return out


def _panel(fig, title: str):
    return next(ax for ax in fig.axes if ax.get_title() == title)


def _legend_counts(fig) -> list[int]:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [len(leg.get_texts()) for leg in legends]


def _check_reads(fig, runs) -> None:
    """What every chart must do for a reader, checked on the figure itself."""
    biggest_model = max(runs.groupby("model")["server"].nunique())
    for ax in fig.axes:
        lines = [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("series:")]
        colours = [to_rgba(ln.get_color()) for ln in lines]
        assert len(set(colours)) == len(colours), f"two servers share a colour in {ax.get_title()!r}"
        bars = [p for p in ax.patches if ":" in (p.get_gid() or "")]
        fills = [to_rgba(p.get_edgecolor() if p.get_hatch() else p.get_facecolor()) for p in bars]
        assert len(set(fills)) == len(fills), f"two bars share a colour in {ax.get_title()!r}"
    for count in _legend_counts(fig):
        # servers of the biggest model (panels) or the models (overview), plus a few marks
        assert count <= max(biggest_model, runs["model"].nunique()) + 6
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    texts += [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert not any("()" in t for t in texts), texts
    assert sum(t.startswith("limit") for t in texts) <= 1


def test_all_charts_written_as_png_and_svg(runs, tmp_path):
    written = plots.all_charts(runs, tmp_path)
    assert set(written) == EXPECTED
    for name in EXPECTED:
        png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 20_000
        assert svg.read_text().lstrip().startswith("<?xml")


CHARTS = {
    "overview": lambda r: plots.overview(r),
    "throughput": lambda r: plots.throughput(r, "io"),
    "throughput-bars": lambda r: plots.throughput(r, "hello"),
    "knee": lambda r: plots.knee(r, "io"),
    "latency": lambda r: plots.latency_vs_rate(r, "io"),
    "cores": lambda r: plots.cores_busy(r, "cpu"),
    "distribution": lambda r: plots.latency_distribution(r, "io"),
    "cost": lambda r: plots.cost(r, "io"),
}


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_chart_reads_on_the_fixture(runs, kind):
    _check_reads(CHARTS[kind](runs), runs)


@pytest.fixture(scope="module")
def committed():
    return frame.one_launcher(frame.load(COMMITTED))


@pytest.mark.parametrize("kind", sorted(set(CHARTS) - {"throughput-bars"}) + ["frameworks"])
def test_every_chart_reads_on_a_committed_campaign(committed, kind):
    make = CHARTS.get(kind, lambda r: plots.framework_cost(r, "hello"))
    _check_reads(make(committed), committed)


def test_throughput_series_are_the_rows_medians(runs, fixture_dir):
    fig = plots.throughput(runs, "io")
    got = _series(fig)
    want = _medians(fixture_dir, "io", "connections", "rps", "connections")
    assert set(got) == set(want)
    for server, (x, y) in got.items():
        assert list(x) == sorted(want[server])
        assert list(y) == pytest.approx([want[server][c] for c in x])
    # one panel per model, in the model's name
    models = dict(zip(runs["server"], runs["model"]))
    threads = plots.series(_panel(fig, "threads"))
    assert set(threads) == {s for s in got if models[s] == "threaded"}


def test_throughput_draws_each_servers_own_limit_once(runs):
    fig = plots.throughput(runs, "io")
    limits = {ln.get_gid(): ln.get_ydata() for ax in fig.axes for ln in ax.get_lines()
              if (ln.get_gid() or "").startswith("limit:")}
    assert list(limits["limit:gunicorn-sync"]) == pytest.approx([100.0, 100.0, 100.0])  # 5 workers / 50 ms
    assert list(limits["limit:go"]) == pytest.approx([320.0, 1280.0, 5120.0])            # C / 50 ms
    for ax in fig.axes:                   # the legend names the limit once, not per server
        if ax.get_legend():
            assert sum("limit" in t.get_text() for t in ax.get_legend().get_texts()) <= 1


def test_no_limit_where_none_is_known(runs):
    # /hello's stored limit is the generator's extrapolation, not the server's: no tick
    fig = plots.throughput(runs, "hello")
    assert not [ln for ax in fig.axes for ln in ax.get_lines() if (ln.get_gid() or "").startswith("limit:")]


def test_a_limit_the_measurement_contradicts_is_not_drawn(runs):
    broken = runs.copy()
    io = broken["workload"].eq("io") & broken["server"].eq("gunicorn-sync")
    broken.loc[io, "limit_rps"] = 1.0                      # far below what it served
    fig = plots.throughput(broken, "io")
    gids = {ln.get_gid() for ax in fig.axes for ln in ax.get_lines()}
    assert "limit:gunicorn-sync" not in gids and "limit:go" in gids


def test_latency_vs_rate_series(runs, fixture_dir):
    fig = plots.latency_vs_rate(runs, "cpu")
    values = {}
    with open(fixture_dir / "runs.csv") as fh:
        for r in csv.DictReader(fh):
            if r["workload"] == "cpu" and r["rate"] and r["status"] == "ok":
                values.setdefault(r["server"], {}).setdefault(float(r["rate"]), []).append(
                    float(r["latency_p99_ms"]))
    got = _series(fig)
    assert set(got) == set(values)
    for server, (x, y) in got.items():
        assert list(y) == pytest.approx([statistics.median(values[server][r]) for r in x])
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"


def test_knee_plots_latency_against_achieved_throughput(runs):
    fig = plots.knee(runs, "io")
    closed = frame.aggregate(frame.select(runs, workload="io", loop="closed"),
                             ["rps", "latency_p99_ms"], only_usable=False)
    for server, (x, y) in _series(fig).items():
        pts = closed[closed["server"] == server].sort_values("connections")
        assert list(x) == pytest.approx(list(pts["rps_median"]))
        assert list(y) == pytest.approx(list(pts["latency_p99_ms_median"]))
    opened = [ln for ax in fig.axes for ln in ax.get_lines() if (ln.get_gid() or "").startswith("open:")]
    assert opened and all(ln.get_linestyle() == "--" for ln in opened)


def test_cores_busy_is_cpu_seconds_over_wall_seconds(runs):
    fig = plots.cores_busy(runs, "cpu")
    rows = frame.select(runs, workload="cpu", loop="closed", usable=True)
    for server, (x, y) in _series(fig).items():
        for c, busy in zip(x, y):
            pts = rows[(rows["server"] == server) & (rows["connections"] == c)]
            assert busy == pytest.approx((pts["server_cpu_s"] / pts["duration_s"]).median())
    given = {ln.get_gid() for ax in fig.axes for ln in ax.get_lines()}
    assert "cores-given:2" in given


def test_a_model_without_rows_gets_a_not_measured_panel(runs):
    without = runs[~((runs["model"] == "goroutines") & (runs["workload"] == "cpu"))]
    for make in (plots.throughput, plots.knee, plots.latency_vs_rate, plots.cores_busy):
        fig = make(without, "cpu")
        panel = _panel(fig, "goroutines")
        assert [t for t in panel.texts if t.get_gid() == "not-measured"], make.__name__
        assert not plots.series(panel)
        _check_reads(fig, without)


def test_a_server_without_a_value_says_so_in_bar_charts(runs):
    without = runs[~((runs["server"] == "go") & (runs["workload"] == "cpu"))]
    fig = plots.overview(without)
    cpu_panel = fig.axes[1]
    assert any(t.get_gid() == "not-measured:go" for t in cpu_panel.texts)
    assert not [p for p in cpu_panel.patches if p.get_gid() == "cpu:go"]


def test_flagged_medians_are_hatched_not_solid(committed):
    fig = plots.overview(committed)
    uwsgi = next(p for p in fig.axes[0].patches if p.get_gid() == "io:uwsgi")    # every repeat flagged
    assert uwsgi.get_hatch() and to_rgba(uwsgi.get_facecolor()) == to_rgba("white")
    go = next(p for p in fig.axes[0].patches if p.get_gid() == "io:go")
    assert not go.get_hatch()


def test_overview_is_a_share_of_the_limit_on_a_linear_axis(committed):
    fig = plots.overview(committed)
    io, cpu = fig.axes[:2]
    for ax in (io, cpu):
        assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0
    go = next(p for p in io.patches if p.get_gid() == "io:go").get_width()
    point = frame.shared_top(frame.aggregate(frame.select(committed, workload="io", loop="closed",
                                                          driver="wrk"), ["rps"]))
    row = point[point["server"] == "go"].iloc[0]
    assert go == pytest.approx(row["rps_median"] / (row["connections"] / 0.050))
    sync = next(p for p in cpu.patches if p.get_gid() == "cpu:gunicorn-sync").get_width()
    threaded = next(p for p in cpu.patches if p.get_gid() == "cpu:pyserver-threaded").get_width()
    assert sync > 0.9 and threaded < 0.6        # processes use both cores, the GIL one


def test_cost_is_drawn_only_where_it_is_meaningful_and_sustained(runs):
    rate = plots.pick_rate(runs, "io", costed=True)
    fig = plots.cost(runs, "io")
    assert f"{rate:g} requests/s" in fig._suptitle.get_text()
    at = frame.aggregate(frame.select(runs, workload="io", loop="open"), ["rps", "server_cpu_s"])
    at = at[at["rate"] == rate].set_index("server")
    drawn = {p.get_gid()[len("cost:"):] for p in fig.axes[0].patches if (p.get_gid() or "").startswith("cost:")}
    assert drawn
    for server in drawn:
        assert at.loc[server, "rps_median"] >= 0.98 * rate
        assert at.loc[server, "server_cpu_s_median"] >= thresholds.COST_MIN_CPU_S
    left_out = set(at.index) - drawn
    notes = {t.get_gid() for t in fig.axes[0].texts}
    for server in left_out:
        assert f"not-measured:{server}" in notes


def _with_flask(runs: pd.DataFrame) -> pd.DataFrame:
    """A fabricated Flask variant of pyserver-threaded: its rows, twice the CPU per request."""
    flask = runs[runs["server"] == "pyserver-threaded"].copy()
    flask["server"] = "pyserver-threaded-flask"
    flask["cpu_us_per_request"] *= 2
    flask["server_cpu_s"] *= 2
    return pd.concat([runs, flask], ignore_index=True)


def test_framework_cost_puts_each_app_beside_its_plain_server(runs):
    fig = plots.framework_cost(_with_flask(runs), "io")
    ax = fig.axes[0]
    bars = {p.get_gid()[len("cost:"):]: p.get_width() for p in ax.patches if (p.get_gid() or "").startswith("cost:")}
    assert set(bars) == {"pyserver-threaded", "pyserver-threaded-flask"}
    assert bars["pyserver-threaded-flask"] == pytest.approx(2 * bars["pyserver-threaded"])
    assert any("over plain" in t.get_text() for t in ax.texts)
    _check_reads(fig, runs)


def test_framework_cost_needs_two_apps_of_one_server(runs):
    with pytest.raises(plots.NoData, match="two apps"):
        plots.framework_cost(runs, "io")


def test_panel_series_reads_every_panel_by_its_title(runs):
    """Every model's panel, keyed by its title, each with its own servers; a model the
    chart's rows lack keeps its panel, empty, instead of vanishing."""
    without = runs[~((runs["model"] == "goroutines") & (runs["workload"] == "cpu"))]
    fig = plots.throughput(without, "cpu")
    got = plots.panel_series(fig)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert list(got) == titles and len(titles) == runs["model"].nunique() > 1
    assert got["goroutines"] == {}
    cpu = frame.select(without, workload="cpu", loop="closed")
    for title, panel in got.items():
        assert set(panel) == set(cpu.loc[cpu["model"].map(lambda m: MODEL_LABELS.get(m, m)) == title, "server"])
    merged = {server: xy for panel in got.values() for server, xy in panel.items()}
    assert merged.keys() == _series(fig).keys()


def test_missing_rows_raise_nodata(runs):
    with pytest.raises(plots.NoData, match="workload 'hello' under open-loop"):
        plots.latency_vs_rate(runs, "hello")


def test_one_load_level_is_drawn_as_bars_with_the_rows_medians(runs, fixture_dir):
    ax = plots.throughput(runs, "hello").axes[0]
    got = plots.series(ax)
    want = {}
    with open(fixture_dir / "runs.csv") as fh:
        for r in csv.DictReader(fh):
            if r["workload"] == "hello" and r["status"] == "ok":
                want.setdefault(r["server"], []).append(r)
    for server, (x, y) in got.items():
        rows = want[server]
        usable = [float(r["rps"]) for r in rows if r["bottleneck"] not in ("generator", "errors")]
        # a point whose every repeat is generator-bound is still drawn, from those runs, hatched
        values = usable or [float(r["rps"]) for r in rows]
        assert list(x) == [64.0]
        assert y[0] == pytest.approx(statistics.median(values))
        bar = next(p for p in ax.patches if p.get_gid() == f"bar:{server}:64")
        assert bool(bar.get_hatch()) == (not usable)
    assert set(got) == set(want)
