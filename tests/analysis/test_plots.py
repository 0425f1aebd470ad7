"""Charts from the fixture: the files exist, and the plotted series are the rows' medians."""
import csv
import statistics

import pytest

from harness.analysis import frame, plots

EXPECTED = {"overview", "throughput-hello", "throughput-io", "throughput-cpu", "latency-io",
            "latency-cpu", "distribution-io", "distribution-cpu", "cost-io", "cost-cpu"}


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


def test_all_charts_written_as_png_and_svg(runs, tmp_path):
    written = plots.all_charts(runs, tmp_path)
    assert set(written) == EXPECTED
    for name in EXPECTED:
        png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 20_000
        assert svg.read_text().lstrip().startswith("<?xml")


def test_throughput_series_are_the_rows_medians(runs, fixture_dir):
    fig = plots.throughput(runs, "io")
    ax = fig.axes[0]
    got = plots.series(ax)
    want = _medians(fixture_dir, "io", "connections", "rps", "connections")
    assert set(got) == set(want)
    for server, (x, y) in got.items():
        assert list(x) == sorted(want[server])
        assert list(y) == pytest.approx([want[server][c] for c in x])
    assert ax.get_xlabel().startswith("concurrent connections")
    assert "requests/s" in ax.get_ylabel()


def test_throughput_draws_the_stored_limits(runs):
    ax = plots.throughput(runs, "io").axes[0]
    limits = {l.get_gid(): l.get_ydata() for l in ax.get_lines() if (l.get_gid() or "").startswith("limit:")}
    sync = next(v for k, v in limits.items() if k == "limit:gunicorn-sync")
    assert list(sync) == pytest.approx([100.0, 100.0, 100.0])   # 5 workers / 50 ms
    shared = next(v for k, v in limits.items() if "go" in k.split(":")[1].split(","))
    assert list(shared) == pytest.approx([320.0, 1280.0, 5120.0])  # C / 50 ms


def test_latency_vs_rate_series(runs, fixture_dir):
    fig = plots.latency_vs_rate(runs, "cpu")
    p99 = fig.axes[1]
    assert p99.get_title() == "p99"
    # the hockey stick keeps overloaded points (errors included), so compare with every ok run
    values = {}
    with open(fixture_dir / "runs.csv") as fh:
        for r in csv.DictReader(fh):
            if r["workload"] == "cpu" and r["rate"] and r["status"] == "ok":
                values.setdefault(r["server"], {}).setdefault(float(r["rate"]), []).append(
                    float(r["latency_p99_ms"]))
    for server, (x, y) in plots.series(p99).items():
        assert list(y) == pytest.approx([statistics.median(values[server][r]) for r in x])
    assert p99.get_xscale() == "log" and p99.get_yscale() == "log"


def test_one_colour_per_model(runs):
    ax = plots.throughput(runs, "cpu").axes[0]
    colours = {s: l.get_color() for s, l in ((l.get_gid()[7:], l) for l in ax.get_lines()
                                              if (l.get_gid() or "").startswith("series:"))}
    models = dict(zip(runs["server"], runs["model"]))
    base = {m: plots.to_rgb(c) for m, c in plots.MODEL_COLOURS.items()}
    for server, colour in colours.items():
        r, g, b = base[models[server]]
        cr, cg, cb = colour
        # same hue: a darker shade of the model's colour, never another model's colour
        ratio = [c / b0 for c, b0 in zip(colour, (r, g, b)) if b0 > 0.05]
        assert max(ratio) - min(ratio) < 0.02, (server, colour)


def test_cost_picks_a_rate_every_server_sustained(runs):
    rate = plots.pick_rate(runs, "io")
    sel = frame.select(runs, workload="io", loop="open")
    at = sel[sel["rate"] == rate]
    assert (at["rps"] >= 0.95 * rate).all()
    fig = plots.cost(runs, "io")
    assert f"{rate:g} requests/s" in fig._suptitle.get_text()


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
        # a point whose every repeat is generator-bound is still drawn, from those runs
        values = usable or [float(r["rps"]) for r in rows]
        assert list(x) == [64.0]
        assert y[0] == pytest.approx(statistics.median(values))
    assert set(got) == set(want)
