"""The GIL axis: free-threaded servers paired with their standard-build twins, claim 3's
free-threaded line and the report's section, on fabricated rows and on results/gil-20261203."""
import json
from pathlib import Path

import pandas as pd
import pytest

from arena_rows import result
from harness import store
from harness.analysis import claims, frame, gil, sections
from harness.analysis.claims.article import FREE_THREADED
from harness.analysis.render import render_markdown
from harness.analysis.thresholds import SCALES

GIL_CAMPAIGN = Path(__file__).resolve().parents[2] / "results" / "gil-20261203"


def cpu_point(server, rpss, *, gil_on, target="/cpu?n=40000", connections=16) -> list[dict]:
    """A /cpu point on 2 cores whose rows read back ``gil_on``."""
    seen = json.dumps({"gil_enabled": gil_on, "python_build": "default" if gil_on else "free-threaded"})
    return [store.to_row(result(
        run_id=f"{server}.cpu.c{connections}.r{i}", repeat=i, server=server, runtime="python",
        model="threaded", workers=1, threads=256, workload="cpu", target=target, connections=connections,
        rps=rps, requests=int(rps * 10), duration_s=10.0, server_cpus="0-1", server_cpu_s=15.0,
        parallelism=seen, bottleneck="server"))
        for i, rps in enumerate(rpss, 1)]


def campaign(*points) -> pd.DataFrame:
    return frame.from_rows([row for p in points for row in p], "fabricated")


def ft_line(runs):
    return next(v for v in claims.check(runs) if v.tested_on == FREE_THREADED)


@pytest.mark.parametrize("server, expected", [
    ("pyserver-threaded-ft", "pyserver-threaded"), ("pyserver-threaded-ft-gil", "pyserver-threaded"),
    ("gunicorn-sync-ft-flask", "gunicorn-sync-flask"), ("pyserver-threaded", None), ("gunicorn-ftx", None)])
def test_twin_is_the_name_without_ft(server, expected):
    assert gil.twin(server) == expected


def test_pairs_match_points_across_calibrated_targets_and_read_back_the_gil():
    """Each build calibrated to its own N still pairs at one load; the GIL state comes from the rows."""
    runs = campaign(cpu_point("pyserver-threaded", [150, 152, 148], gil_on=True),
                    cpu_point("pyserver-threaded-ft", [290, 300, 295], gil_on=False, target="/cpu?n=20000"),
                    cpu_point("pyserver-threaded-ft", [80, 81, 79], gil_on=False, connections=1))
    pairs = gil.pairs(runs)
    assert len(pairs) == 1          # c1 has no standard-build twin point
    r = pairs.iloc[0]
    assert (r["twin"], r["target_std"], r["target_ft"]) == ("pyserver-threaded", "/cpu?n=40000", "/cpu?n=20000")
    assert r["ratio"] == pytest.approx(295 / 150)
    assert r["ratio_low"] <= r["ratio"] <= r["ratio_high"]
    assert (r["gil_std"], r["gil_ft"]) == ("on", "off")


def test_gil_read_back_says_when_rows_disagree_or_did_not_say():
    on, off = json.dumps({"gil_enabled": True}), json.dumps({"gil_enabled": False})
    assert gil.gil_read_back([on, on]) == "on"
    assert gil.gil_read_back([on, off]) == "mixed"
    assert gil.gil_read_back(["", "{}", "not json"]) == "not read back"


@pytest.mark.parametrize("ft_rps, verdict", [
    ([290, 300, 295], claims.NOT_SUPPORTED),     # ~2x: threads use both cores, no processes needed
    ([150, 149, 151], claims.SUPPORTED),         # ~1x: still one core
    ([150, 300, 230], claims.INCONCLUSIVE),      # an interval across SCALES decides nothing
])
def test_claim_3_free_threaded_line(ft_rps, verdict):
    runs = campaign(cpu_point("pyserver-threaded", [150, 152, 148], gil_on=True),
                    cpu_point("pyserver-threaded-ft", ft_rps, gil_on=False))
    line = ft_line(runs)
    assert line.verdict == verdict, line.why
    assert line.checks[0].holds_at == SCALES and "95% CI" in line.ratio
    assert "GIL read back: off" in line.why


def test_claim_3_free_threaded_line_is_not_tested_without_ft_rows():
    line = ft_line(campaign(cpu_point("pyserver-threaded", [150, 152, 148], gil_on=True)))
    assert line.verdict == claims.NOT_TESTED and "pyserver-threaded-ft" in line.why


def test_report_section_only_with_pairs():
    std = cpu_point("pyserver-threaded", [150, 152, 148], gil_on=True)
    assert sections.gil_axis(campaign(std)) == []
    text = render_markdown(sections.gil_axis(campaign(std, cpu_point("pyserver-threaded-ft", [290, 300, 295],
                                                                     gil_on=False))), ".")
    assert "## The GIL axis" in text and "| on / off |" in text and "1.97x" in text


def test_the_gil_campaign():
    """results/gil-20261203: pyserver-threaded-ft served 0.47x the standard build on /cpu at
    c16 (both builds at one N), so the free-threaded line supports claim 3 there."""
    runs = frame.load(GIL_CAMPAIGN)
    pairs = gil.pairs(runs)
    assert set(pairs["workload"]) == {"cpu", "hello", "io"}
    assert set(pairs["gil_std"]) == {"on"} and set(pairs["gil_ft"]) == {"off"}
    line = ft_line(runs)
    assert line.verdict == claims.SUPPORTED and "c16 on 2 cores" in line.checks[0].what
    assert line.checks[0].interval[1] < 1
    assert "## The GIL axis" in render_markdown(sections.gil_axis(runs), ".")
