"""harness/row.py on fabricated outcomes: what a row may and may not say about its run.

Each test is one class of wrong figure found in the published campaign (issue 11): a
limit below the achieved rate, figures on failed runs, the generator on the server's
cores, cost at tick resolution, locust rows as /hello, and missing promised columns.
"""
from __future__ import annotations

import dataclasses

import pytest

from harness import catalog, row
from harness.drivers.outcome import LoadOutcome
from harness.measure import resources
from harness.specs import LoadSpec, RunSpec


def outcome(**changes) -> LoadOutcome:
    base = dict(driver="wrk", loop="closed", requests=33_900, errors_connect=0, errors_read=0,
                errors_write=0, errors_timeout=0, errors_status=0, duration_s=10.0, rps=3390.8,
                latency_p50_ms=0.9, latency_p90_ms=1.5, latency_p99_ms=3.0, latency_p999_ms=5.0,
                latency_max_ms=9.0, latency_kind="raw", generator_cpu_s=2.0, generator_cpus=1,
                extra={"served_share": 0.75, "corrected_p99_ms": 12.5})
    return LoadOutcome(**{**base, **changes})


def usage(**changes) -> resources.Usage:
    base = dict(wall_s=10.0, server_cpu_s=6.0, server_rss_peak_bytes=50 << 20,
                server_processes_peak=2, machine_busy_s=8.0, harness_cpu_s=0.0, ncpu=2, samples=50,
                watched_busy_s=2.0, watched_ncpu=1)
    return resources.Usage(**{**base, **changes})


def point(server="granian", workload="io", **changes) -> RunSpec:
    load = changes.pop("load", LoadSpec(driver="wrk", connections=256, duration_s=10.0))
    return RunSpec(campaign="t", run_id=f"{server}.{workload}", server=server, workload=workload,
                   load=load, **changes)


def build(run: RunSpec, **kw) -> row.Measured:
    kw.setdefault("status", "ok")
    return row.build(run, catalog.get(run.server), catalog.workload_for(run), started_at="now",
                     sha="abc", **kw)


GRANIAN_SEEN = {"cpus_allowed": 1, "os_threads": 263, "processes": 2}


def test_granian_limit_comes_from_the_threads_it_ran_not_the_catalog():
    """Catalog threads = 1 gave 1 / 50 ms = 20 req/s against 3,391 achieved (24,592%)."""
    assert catalog.get("granian").threads == "1"
    r = build(point(), outcome=outcome(), usage=usage(), seen=GRANIAN_SEEN).result
    assert r.limit_kind == "littles-law"
    assert r.limit_rps == pytest.approx(256 / 0.05)
    assert r.efficiency <= 1.0


def test_slots_not_read_back_give_no_limit_and_say_so():
    r = build(point(), outcome=outcome(), usage=usage(), seen={}).result
    assert (r.limit_rps, r.limit_kind, r.efficiency) == (None, "unknown-slots", None)


@pytest.mark.parametrize("status", ["failed", "not-verified"])
def test_a_failed_run_carries_counts_and_its_failure_but_no_figures(status):
    """waitress exited with code 1 and its rows showed p50 0.9 ms on a 50 ms wait."""
    m = build(point("waitress"), status=status, failure="server exited with code 1",
              outcome=outcome(), usage=usage(), seen={"os_threads": 17, "processes": 1})
    r = m.result
    figures = ("rps", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_p999_ms",
               "latency_max_ms", "served_share", "latency_p99_corrected_ms", "cpu_us_per_request",
               "limit_rps", "efficiency")
    assert {f: getattr(r, f) for f in figures} == dict.fromkeys(figures)
    assert (r.latency_kind, r.limit_kind, r.bottleneck) == ("", "", "")
    assert r.requests == 33_900 and r.failure == "server exited with code 1"


def test_promised_columns_come_from_the_driver():
    r = build(point(), outcome=outcome(), usage=usage(), seen=GRANIAN_SEEN).result
    assert (r.served_share, r.latency_p99_corrected_ms, r.helper_cpu_s) == (0.75, 12.5, 0.0)


def test_the_helpers_cpu_is_recorded_and_not_foreign():
    """The /upstream service's 1.5 CPU-s were counted as foreign: 20%-> noisy."""
    busy = usage(machine_busy_s=6.0 + 2.0 + 1.5)
    without = build(point(), outcome=outcome(), usage=busy, seen=GRANIAN_SEEN).result
    assert without.foreign_cpu_share == pytest.approx(1.5 / 20)
    helped = dataclasses.replace(busy, helper_cpu_s=1.5)
    r = build(point(), outcome=outcome(), usage=helped, seen=GRANIAN_SEEN).result
    assert r.helper_cpu_s == 1.5 and r.foreign_cpu_share == pytest.approx(0.0)


@pytest.mark.parametrize("server_cpu_s, cost", [
    (0.02, None),                     # Go at 50 req/s for 4 s: below the floor, no cost
    (resources.COST_MIN_CPU_S, resources.COST_MIN_CPU_S / 200 * 1e6),
    (0.404, 0.404 / 200 * 1e6),
])
def test_cost_only_above_the_cpu_floor(server_cpu_s, cost):
    r = build(point("go", "hello"), outcome=outcome(requests=200, rps=50.0),
              usage=usage(server_cpu_s=server_cpu_s), seen={}).result
    assert r.cpu_us_per_request == (pytest.approx(cost) if cost else None)


def go_on_shared_cores(*, rps: float, generator_cpu_s: float, server_cpu_s: float,
                       busy_s: float):
    """A 10 s Go /cpu row (5 ms of CPU per request) with server and wrk both on cores 0-1."""
    run = point("go", "cpu", server_cpus="0-1", load_cpus="0-1", cpu_service_s=0.005,
                load=LoadSpec(driver="wrk", connections=64, duration_s=10.0))
    o = outcome(rps=rps, requests=int(rps * 10), generator_cpu_s=generator_cpu_s, generator_cpus=2)
    return build(run, outcome=o, seen={}, usage=usage(server_cpu_s=server_cpu_s, machine_busy_s=busy_s,
                                                      watched_busy_s=busy_s, watched_ncpu=2)).result


def test_generator_on_the_servers_cores_is_taken_out_of_the_cpu_limit():
    """wrk on the server's cores used 6 CPU-s in 10 s: 2 - 0.6 = 1.4 cores left for Go."""
    # 14 CPU-s for 2,700 requests: 5.2 ms each, above the 5 ms of work, so the work's figure holds
    r = go_on_shared_cores(rps=270.0, generator_cpu_s=6.0, server_cpu_s=14.0, busy_s=19.0)
    assert r.limit_kind == "cpu"
    assert r.limit_rps == pytest.approx(1.4 / 0.005)
    # the cores were full, but the server's 14 CPU-s on them are no sign of a starved
    # generator: 5 of 20 CPU-s went to others, which is not saturation
    assert r.bottleneck == "limit"


def test_a_neighbour_filling_shared_cores_still_flags_the_generator():
    r = go_on_shared_cores(rps=100.0, generator_cpu_s=0.5, server_cpu_s=1.0, busy_s=20.0)
    assert r.bottleneck == "generator"


def test_a_locust_scenario_is_its_own_workload_under_the_interactive_law():
    """Stored as workload=hello, target=/hello with a generator limit; browse has 100 ms of
    mean think time and a least mean response of 3.64 ms."""
    run = point("go", "hello", scenario="browse",
                load=LoadSpec(driver="locust", connections=64, duration_s=10.0))
    o = outcome(driver="locust", rps=600.0, requests=6000, latency_kind="locust-buckets", extra={})
    r = build(run, outcome=o, usage=usage(), seen={}).result
    assert (r.workload, r.target) == ("browse", "/hello 5, /json 3, /io?ms=20 2, /cpu?n=2000 1")
    assert r.limit_kind == "interactive"
    assert r.limit_rps == pytest.approx(64 / (0.1 + 0.00364))


def test_a_single_endpoint_locust_run_keeps_its_workload():
    run = point("go", "io", scenario="endpoint",
                load=LoadSpec(driver="locust", connections=16, duration_s=10.0))
    o = outcome(driver="locust", rps=300.0, requests=3000, latency_kind="locust-buckets", extra={})
    r = build(run, outcome=o, usage=usage(), seen={}).result
    assert (r.workload, r.target) == ("io", "/io?ms=50")
    assert r.limit_kind in ("littles-law", "interactive")
    assert r.limit_rps == pytest.approx(16 / 0.05)


def test_rows_are_complete():
    r = build(point(), outcome=outcome(), usage=usage(), seen=GRANIAN_SEEN).result
    assert all(hasattr(r, f.name) for f in dataclasses.fields(r))


def test_a_run_with_unanswered_connections_says_its_latency_is_of_the_served_alone():
    # 256 connections to 2 slots: 40 req/s, and no request took over 3 s, yet Little's law says 6.4 s
    few = outcome(requests=400, rps=40.0, latency_p50_ms=1500.0, latency_p90_ms=2700.0, latency_p99_ms=2990.0,
                  latency_p999_ms=2995.0, latency_max_ms=2997.0)
    assert build(point(), outcome=few, usage=usage()).result.latency_kind == "served-only"
    # 32 connections / 3,391 req/s = 9.4 ms a request, the slowest 9 ms: all were served
    c32 = point(load=LoadSpec(driver="wrk", connections=32, duration_s=10.0))
    assert build(c32, outcome=outcome(), usage=usage()).result.latency_kind == "raw"
