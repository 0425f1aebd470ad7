"""`arena compare A B` (harness/analysis/compare.py): verdicts from the ratio's interval,
the refusal to compare machines silently, and clear errors; on fabricated rows, then the
real command on the committed campaigns."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from arena_rows import result

from harness import store
from harness.analysis import compare, frame

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"


def _runs(campaign: str, points: dict[tuple[str, int], list[float]], **changes):
    rows = []
    for (server, conns), values in points.items():
        for i, rps in enumerate(values, 1):
            rows.append(store.to_row(result(campaign=campaign, server=server, connections=conns,
                                            run_id=f"{server}.hello.wrk.c{conns}.r{i}", repeat=i,
                                            rps=rps, requests=int(rps), **changes)))
    return frame.from_rows(rows)


def _verdicts(a, b, metric="rps") -> dict:
    table, only_a, only_b = compare.points(a, b, metric)
    return {(r["server"], r["connections"]): r["verdict"] for _, r in table.iterrows()}, only_a, only_b


def test_the_verdict_is_the_ratio_interval_against_one():
    a = _runs("a", {("go", 8): [100, 102, 98, 101], ("node", 8): [100, 102, 98, 101],
                    ("gunicorn-sync", 8): [100, 102, 98, 101], ("uwsgi", 8): [100, 130, 70],
                    ("waitress", 8): [100], ("granian", 64): [50, 51, 52]})
    b = _runs("b", {("go", 8): [150, 152, 149, 151], ("node", 8): [80, 81, 79, 80],
                    ("gunicorn-sync", 8): [101, 99, 102, 100], ("uwsgi", 8): [110, 140, 80],
                    ("waitress", 8): [140, 141, 139]})
    verdicts, only_a, only_b = _verdicts(a, b)
    assert verdicts == {("go", 8): compare.FASTER, ("node", 8): compare.SLOWER,
                        ("gunicorn-sync", 8): compare.SAME,
                        ("uwsgi", 8): compare.SAME,          # 10% higher, but inside the noise
                        ("waitress", 8): compare.TOO_FEW}    # one run in A: no interval
    assert (only_a, only_b) == (1, 0)                        # granian c64 was measured in A only


def test_for_latency_lower_is_faster():
    a = _runs("a", {("go", 8): [10, 10.2, 9.9]}, latency_p99_ms=None)
    a["latency_p99_ms"] = [10, 10.2, 9.9]
    b = a.assign(campaign="b", latency_p99_ms=[5, 5.1, 4.9])
    verdicts, _, _ = _verdicts(a, b, "latency_p99_ms")
    assert verdicts == {("go", 8): compare.FASTER}


def test_a_point_flagged_in_every_repeat_is_not_compared():
    a = _runs("a", {("go", 8): [100, 101, 99]})
    b = _runs("b", {("go", 8): [300, 301, 299]}, bottleneck="generator", generator_cpu_share=0.99)
    verdicts, _, _ = _verdicts(a, b)
    assert verdicts == {("go", 8): compare.FLAGGED}


def test_host_differences_name_the_facts_that_differ():
    same = {"host": {"hostname": "vm", "cpu_model": "x", "cores": 2}}
    other = {"host": {"hostname": "ci", "cpu_model": "x", "cores": 4}}
    assert compare.host_differences(same, same) == ()
    assert compare.host_differences(same, other) == ("hostname: 'vm' in A, 'ci' in B", "cores: 2 in A, 4 in B")


# --- the command, on the committed campaigns --------------------------------------------------

def _arena(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.commands", "compare", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_compare_two_committed_campaigns():
    done = _arena("full-20261202", "docker-vs-native-20261202")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("A = full-20261202 (2026-12-02") and "B = docker-vs-native-20261202" in out
    assert "machine: the same (hostname vm" in out
    lines = [line for line in out.splitlines() if line.startswith(("go ", "node "))]
    assert len(lines) == 2 and all("wrk c256" in line and "/io?ms=50" in line for line in lines)
    assert "3 points in both:" in out and "only in A" in out


@pytest.fixture
def elsewhere(tmp_path):
    """The docker campaign as if measured on another machine."""
    dest = tmp_path / "elsewhere"
    shutil.copytree(RESULTS / "docker-vs-native-20261202", dest,
                    ignore=shutil.ignore_patterns("raw", "charts", "report.*"))
    meta = json.loads((dest / "campaign.json").read_text())
    meta["host"]["cpu_model"] = "AMD EPYC 7763"
    (dest / "campaign.json").write_text(json.dumps(meta))
    return dest


def test_different_machines_are_refused_unless_asked_and_then_said(elsewhere):
    refused = _arena("full-20261202", str(elsewhere))
    assert refused.returncode == 2 and refused.stdout == ""
    assert "different machines (cpu_model: 'Intel(R) Xeon(R) Processor' in A, 'AMD EPYC 7763' in B)" in refused.stderr
    assert "--across-machines" in refused.stderr
    asked = _arena("full-20261202", str(elsewhere), "--across-machines")
    assert asked.returncode == 0, asked.stderr
    assert "ACROSS MACHINES (--across-machines): cpu_model:" in asked.stdout.splitlines()[2]


def test_missing_and_broken_campaigns_are_clear_errors(tmp_path, elsewhere):
    missing = _arena("full-20261202", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "nope: no such campaign directory" in missing.stderr
    runs = elsewhere / "runs.csv"
    lines = runs.read_text().splitlines(keepends=True)
    runs.write_text("".join(lines[:3] + [lines[3].replace(",", ";", 5)] + lines[4:]))
    broken = _arena("full-20261202", str(elsewhere), "--across-machines")
    assert broken.returncode == 2 and "runs.csv: line 4:" in broken.stderr
    (elsewhere / "campaign.json").write_text("{not json")
    assert "campaign.json: not readable JSON" in _arena("full-20261202", str(elsewhere)).stderr
