"""harness/run.py and harness/row.py against the fixture server: what a row says about its run.

A starved generator is named the bottleneck, an open-loop point warms up closed-loop.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_catalog import catalog_with_fixtures, fixture_spec

from harness.drivers import vegeta as vegeta_driver
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec

needs_vegeta = pytest.mark.skipif(vegeta_driver.tool("vegeta") is None, reason="vegeta not installed (make loadtools)")


@pytest.mark.timeout(90)
def test_starved_generator_is_flagged(tmp_path, monkeypatch):
    """wrk at nice 19 shares CPU 0 with a busy loop at nice 0 (so it gets a tiny CPU share)
    while the server has CPU 1 to itself: the generator's core had no idle time left,
    so the row names the generator as the bottleneck, not the server."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    try:
        os.sched_setaffinity(hog.pid, {0})
        point = RunSpec(campaign="t", run_id="starved", server="fixture", workload="hello",
                      server_cpus="1", load_cpus="0",
                      load=LoadSpec(driver="wrk", connections=4, duration_s=2, warmup_s=0))
        real_popen = subprocess.Popen

        def niced(argv, *a, **kw):   # only wrk is niced: the fixture server keeps its priority
            if any(Path(str(a)).name == "wrk" for a in argv):
                kw["preexec_fn"] = lambda: os.nice(19)
            return real_popen(argv, *a, **kw)

        monkeypatch.setattr(subprocess, "Popen", niced)
        m = run_point(point, raw_dir=tmp_path / "raw", spec=fixture_spec("fixture"))
        monkeypatch.undo()
    finally:
        os.killpg(hog.pid, signal.SIGKILL)
        hog.wait()
    r = m.result
    assert r.status == "ok"
    assert r.bottleneck == "generator"
    assert r.generator_cpu_share < 0.5        # it got little CPU: starved, not busy itself
    assert m.usage.watched_busy_share > 0.9   # its core had no idle time left


def test_generator_saturation_verdict_from_its_cpu_share():
    from harness import limits
    assert limits.verdict(generator_share=0.97, efficiency=0.3) == "generator"
    assert limits.verdict(generator_share=0.97, foreign_share=0.5) == "generator"


@needs_vegeta
@pytest.mark.timeout(90)
def test_an_open_loop_point_warms_up_closed_loop_at_a_few_connections(tmp_path, monkeypatch):
    """Warmed up at its own rate, an overloaded open-loop point would first work off the
    warm-up's queue; the harness warms it with wrk at WARMUP_CONNECTIONS instead."""
    from harness import run as run_mod
    spec = fixture_spec("fx-warm", "--delay-ms", "2")
    catalog_with_fixtures(monkeypatch, {"fx-warm": spec})
    point = RunSpec(campaign="c", run_id="fx-warm.hello.vegeta.r50", server="fx-warm", workload="hello",
                  load=LoadSpec(driver="vegeta", rate=50, duration_s=1, warmup_s=1))
    measured = run_point(point, raw_dir=tmp_path / "raw", spec=spec)
    assert measured.result.status == "ok", measured.result.failure
    warm = tmp_path / "raw" / "warmup"
    assert (warm / "wrk-stdout.txt").exists() and not (warm / "results.gob").exists()
    report = json.loads((warm / "wrk-report.json").read_text())
    assert report["connections"] == run_mod.WARMUP_CONNECTIONS
    assert (tmp_path / "raw" / "results.gob").exists()         # the measurement itself is vegeta's


@pytest.mark.timeout(120)
def test_slots_come_from_the_threads_the_server_ran_not_its_catalog_entry(tmp_path):
    """A catalog entry that says 1 thread for a pyserver started with 8 (as granian's says 1
    while it runs its own pool): 8 connections on /io?ms=20 reach about 8 / 0.02 = 400 req/s.
    From the catalog the limit would be 1 / 0.02 = 50 req/s, far below what it achieved."""
    from harness.specs import ServerSpec
    spec = ServerSpec(name="pyserver-eight", runtime="python", model="threaded",
                      argv=("{python}", "-m", "pyserver", "--mode", "threaded", "--workers", "1",
                            "--threads", "8", "--bind", "{host}:{port}", "{app}"),
                      workers="1", threads="1", ready="line", health="/hello",
                      workloads=("hello", "io"), app="wsgi", why="test: sizing that is not what runs")
    point = RunSpec(campaign="t", run_id="eight", server="pyserver-eight", workload="io", io_ms=20,
                    server_cpus="1", load_cpus="0",
                    load=LoadSpec(driver="wrk", connections=8, duration_s=2, warmup_s=0.5))
    m = run_point(point, raw_dir=tmp_path / "raw", spec=spec)
    r = m.result
    assert r.status == "ok", r.failure
    assert json.loads(r.parallelism)["reported_threads"] == "8"
    assert r.rps > 50                                 # it beat the catalog's ceiling
    assert r.limit_kind == "littles-law"
    assert r.limit_rps == pytest.approx(8 / 0.02)
    assert r.rps <= r.limit_rps
    # the figures the methodology promises are in the row (wrk gives both)
    assert 0.9 <= r.served_share <= 1.0
    assert r.latency_p99_corrected_ms >= r.latency_p99_ms
