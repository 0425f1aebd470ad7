"""Every driver against the fixture server on loopback: a known fixed delay is what p50 says,
and a 1 s stall shows in the open loop's tail (issue 4, section 7).

Nothing asserts how fast anything is, only that what was measured is reported as it happened.
"""
from __future__ import annotations

import pytest
from fixture_catalog import fixture

from harness.drivers import locust as locust_driver
from harness.drivers import vegeta as vegeta_driver
from harness.drivers import wrk as wrk_driver

DELAY_MS = 50.0
TOLERANCE_MS = 15.0   # scheduling and HTTP overhead on a shared 2-core machine

needs_vegeta = pytest.mark.skipif(vegeta_driver.tool("vegeta") is None, reason="vegeta not installed (make loadtools)")


# --- a known fixed delay: every driver's p50 lands on it -------------------------------------

@pytest.mark.timeout(60)
def test_wrk_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        r = wrk_driver.run_wrk(srv.url + "/hello", connections=4, threads=1, duration_s=2, cpus="0")
    p50 = r.latency_p50_ms
    assert r.requests > 0 and DELAY_MS <= p50 <= DELAY_MS + TOLERANCE_MS


@needs_vegeta
@pytest.mark.timeout(60)
def test_vegeta_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        out = vegeta_driver.run_vegeta(srv.url + "/hello", rate=40, duration_s=2, cpus="0")
    assert out.requests == 80 and out.errors == 0
    assert DELAY_MS <= out.latency_p50_ms <= DELAY_MS + TOLERANCE_MS


@pytest.mark.timeout(90)
def test_locust_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        out = locust_driver.run_locust(srv.url, scenario="endpoint", users=2, duration_s=2, cpus="0",
                                       target="/hello")
    assert out.requests > 0
    # locust rounds to whole ms below 100 ms
    assert DELAY_MS - 1 <= out.latency_p50_ms <= DELAY_MS + TOLERANCE_MS


# --- a stall of 1 s, once: open loop shows it, closed loop may hide it -----------------------

@needs_vegeta
@pytest.mark.timeout(90)
def test_one_second_stall_shows_in_the_open_loop_tail_and_closed_loop_hides_it(tmp_path):
    """vegeta keeps sending during the stall, so ~rate requests wait up to 1 s: p99.9 and
    max show the stall. wrk's 2 connections each have one request stuck, then carry on:
    2 slow samples among thousands, so its p99 stays near the fixed delay."""
    with fixture(tmp_path, "--delay-ms", "5", "--stall-at", "1", "--stall-s", "1") as srv:
        open_loop = vegeta_driver.run_vegeta(srv.url + "/hello", rate=100, duration_s=4, cpus="0")
    assert open_loop.latency_max_ms >= 900
    assert open_loop.latency_p999_ms >= 900
    assert open_loop.latency_p99_ms >= 500          # ~100 of 400 requests were caught by it
    with fixture(tmp_path, "--delay-ms", "5", "--stall-at", "1", "--stall-s", "1") as srv:
        closed = wrk_driver.run_wrk(srv.url + "/hello", connections=2, threads=1, duration_s=4, cpus="0")
    assert closed.latency_max_ms >= 900      # the stalled requests themselves were timed
    assert closed.latency_p99_ms < 500       # but the tail percentiles hide the stall
