"""The free-threaded build is calibrated apart: its -ft servers' /cpu runs get python-ft's N
and service time, the standard build's keep python's."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import catalog
from harness.plan import calibrate, plan, settings

ROOT = Path(__file__).resolve().parents[2]
CAL = {"target_ms": 5.0, "runtimes": {
    "python": {"n": 46000, "service_ms": 4.9, "us_per_iteration": 0.1065},
    "python-ft": {"n": 21000, "service_ms": 5.1, "us_per_iteration": 0.2429}}}


@pytest.mark.parametrize("server, expected", [
    ("pyserver-threaded", "python"), ("pyserver-threaded-ft", "python-ft"),
    ("pyserver-threaded-ft-gil", "python-ft"), ("gunicorn-sync-ft", "python-ft"), ("node", "node")])
def test_each_build_has_its_own_calibration(server, expected):
    assert calibrate.calibrated_as(catalog.get(server)) == expected


def test_the_settings_name_a_free_threaded_calibration_server_in_the_catalog():
    name = settings.CAL_BY_KEY["servers"].default[calibrate.FREE_THREADED]
    assert calibrate.calibrated_as(catalog.get(name)) == calibrate.FREE_THREADED


def test_gil_sweep_runs_get_their_own_builds_n():
    """harness/sweeps/gil.toml: calibrated /cpu runs of either build, resolved as sweep.py does."""
    sweep = plan.load(ROOT / "harness" / "sweeps" / "gil.toml")
    assert sweep.calibration["servers"][calibrate.FREE_THREADED] == "gunicorn-sync-ft"
    cpu = [r for r in plan.plan(sweep) if r.workload == "cpu"]
    for run in cpu:
        key = calibrate.calibrated_as(catalog.get(run.server))
        got = calibrate.resolve_cpu(run, key, CAL)
        assert (got.cpu_n, got.cpu_service_s) == (CAL["runtimes"][key]["n"],
                                                   CAL["runtimes"][key]["service_ms"] / 1e3)
    assert {calibrate.calibrated_as(catalog.get(r.server)) for r in cpu} == {"python", "python-ft"}


def test_a_real_calibration_of_the_free_threaded_build(python_ft, tmp_path):
    """gunicorn-sync-ft measured like any runtime: N for about the target, its own cost per iteration."""
    cal = calibrate.calibrate({"target_ms": 2.0, "servers": {"python-ft": "gunicorn-sync-ft"}, "requests": 5},
                              ["python-ft"], cpus="1", log_dir=tmp_path, note=lambda m: None)
    got = cal["runtimes"]["python-ft"]
    assert got["server"] == "gunicorn-sync-ft" and got["n"] > 0 and got["us_per_iteration"] > 0
