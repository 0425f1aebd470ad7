"""The sweep's console table comes from the same aggregation as the report."""
from harness import store
from harness.analysis import console, frame

from test_audit import BREAKS, clean, rows


def test_one_line_per_point_with_median_spread_and_verdicts():
    text = console.console_table(rows())
    assert "== io ==" in text
    line = next(line for line in text.splitlines() if line.startswith("go "))
    agg = frame.aggregate(frame.from_rows(rows()), ["rps"])
    assert f"{agg['rps_median'].iloc[0]:,.0f}" in line and "1,265-1,275" in line
    assert "wrk c=64" in line and "limit" in line and "littles-law 1,280" in line


def test_unstable_points_are_warned_and_unmeasured_points_show_no_figure():
    text = console.console_table(BREAKS["unstable-point"]())
    assert "CV" in text and "warning: 1 point(s) vary by more than 10%" in text
    failed = [clean(i, status="failed", failure="no saturation", rps=0.0, requests=0, bottleneck="",
                    connections=None, rate=None, driver="vegeta", latency_p50_ms=None,
                    latency_p90_ms=None, latency_p99_ms=None, latency_p999_ms=None,
                    latency_max_ms=None, efficiency=None, limit_rps=None, limit_kind="",
                    latency_kind="", server_cpu_s=0.0) for i in (1, 2, 3)]
    line = next(line for line in console.console_table(failed).splitlines() if line.startswith("go "))
    assert "(not measured)" in line and "failed" in line and " - " in line


def test_no_rows():
    assert console.console_table([]) == "no runs stored"
    assert store.COLUMNS[0] == "schema"
