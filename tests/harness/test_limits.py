"""harness.limits: ceilings, efficiency and verdicts, table-driven."""
from __future__ import annotations

import math

import pytest

from harness import limits


@pytest.mark.parametrize("model, workers, threads, slots", [
    ("threaded", 1, 16, 16),
    ("threaded", 2, 8, 16),
    ("forked", 5, 1, 5),
    ("async", 1, 1, math.inf),
    ("goroutines", 1, 2, math.inf),
    ("event-loop", 1, 1, math.inf),
    ("cluster", 2, 1, math.inf),
])
def test_concurrency_slots(model, workers, threads, slots):
    assert limits.concurrency_slots(model, workers, threads) == slots


@pytest.mark.parametrize("runtime, workers, cores, usable", [
    ("python", 1, 2, 1),      # one process: the GIL
    ("python", 5, 2, 2),      # more processes than cores
    ("node", 1, 2, 1),
    ("node", 2, 2, 2),
    ("go", 1, 2, 2),          # goroutines use every core
    ("go", 1, 1, 1),
])
def test_cpu_parallelism(runtime, workers, cores, usable):
    assert limits.cpu_parallelism(runtime, workers, cores) == usable


@pytest.mark.parametrize("kwargs, rps, kind", [
    # Little's law: min(connections, slots) / latency
    (dict(model="threaded", runtime="python", workers=1, threads=16, cores=1,
          connections=256, wait_s=0.05), 320.0, "littles-law"),
    (dict(model="async", runtime="python", workers=1, threads=1, cores=1,
          connections=256, wait_s=0.05), 5120.0, "littles-law"),
    (dict(model="forked", runtime="python", workers=5, threads=1, cores=2,
          connections=256, wait_s=0.05), 100.0, "littles-law"),
    (dict(model="threaded", runtime="python", workers=1, threads=256, cores=1,
          connections=64, wait_s=0.01), 6400.0, "littles-law"),
    # CPU: usable cores / service time; under the GIL one process gets one core
    (dict(model="threaded", runtime="python", workers=1, threads=256, cores=2,
          connections=16, cpu_service_s=0.005), 200.0, "cpu"),
    (dict(model="forked", runtime="python", workers=2, threads=1, cores=2,
          connections=16, cpu_service_s=0.005), 400.0, "cpu"),
    (dict(model="goroutines", runtime="go", workers=1, threads=2, cores=2,
          connections=16, cpu_service_s=0.005), 400.0, "cpu"),
    # Little's law on CPU time too: 1 connection can never exceed 1/S
    (dict(model="goroutines", runtime="go", workers=1, threads=2, cores=2,
          connections=1, cpu_service_s=0.005), 200.0, "littles-law"),
    # open loop: the offered rate caps the answered rate
    (dict(model="async", runtime="python", workers=1, threads=1, cores=1,
          rate=100.0, wait_s=0.05), 100.0, "offered-rate"),
    # the generator's ceiling, when it is the smallest
    (dict(model="async", runtime="python", workers=1, threads=1, cores=1,
          connections=256, wait_s=0.05, generator_rps=3000.0), 3000.0, "generator"),
    # nothing known: no limit
    (dict(model="goroutines", runtime="go", workers=1, threads=2, cores=2,
          connections=64), None, ""),
])
def test_limit(kwargs, rps, kind):
    # the server reported the catalog's sizing: its slots are workers x threads
    seen = {"reported_workers": kwargs["workers"], "reported_threads": kwargs["threads"]}
    got = limits.limit(seen=seen, **kwargs)
    assert got.kind == kind
    assert got.rps == (pytest.approx(rps) if rps is not None else None)
    assert (got.detail != "") == (rps is not None) or kind == ""


@pytest.mark.parametrize("achieved, share, ceiling", [
    (1000.0, 0.5, 2000.0),
    (1000.0, 1.0, 1000.0),
    (1000.0, 1.3, 1000.0),    # share above 1 (several threads on one core): capped
    (1000.0, 0.0, None),
    (1000.0, None, None),
    (0.0, 0.5, None),
])
def test_generator_ceiling(achieved, share, ceiling):
    assert limits.generator_ceiling(achieved, share) == ceiling


@pytest.mark.parametrize("achieved, limit, eff", [
    (310.0, 320.0, 310 / 320), (0.0, 100.0, 0.0), (50.0, None, None), (50.0, 0.0, None),
])
def test_efficiency(achieved, limit, eff):
    assert limits.efficiency(achieved, limit) == eff


@pytest.mark.parametrize("kwargs, expected", [
    (dict(), "server"),
    (dict(efficiency=0.5), "server"),
    (dict(efficiency=0.9), "limit"),
    (dict(efficiency=0.97), "limit"),
    (dict(generator_share=0.95, efficiency=0.97), "generator"),
    (dict(generator_share=0.90), "server"),                  # at the threshold: not above it
    (dict(error_share=0.02, generator_share=0.95), "errors"),  # errors first
    (dict(error_share=0.01), "server"),
    (dict(foreign_share=0.3, efficiency=0.95), "noisy"),
    (dict(foreign_share=0.3, generator_share=0.99), "generator"),
    (dict(idle_worker=True, efficiency=0.95), "imbalance"),     # a worker idled: not the model's number
    (dict(idle_worker=True, foreign_share=0.3), "noisy"),       # a neighbour is the more damning cause
    (dict(status="not-verified", error_share=1.0), ""),
    (dict(status="failed"), ""),
])
def test_verdict(kwargs, expected):
    assert limits.verdict(**kwargs) == expected
    assert expected in limits.VERDICTS


@pytest.mark.parametrize("errors, requests, share", [(0, 0, 0.0), (1, 99, 0.01), (10, 0, 1.0)])
def test_error_share(errors, requests, share):
    assert limits.error_share(errors, requests) == share


def test_bad_sizes_are_errors():
    with pytest.raises(ValueError):
        limits.concurrency_slots("threaded", 0, 4)
    with pytest.raises(ValueError):
        limits.cpu_parallelism("go", 1, 0)


GRANIAN_SEEN = {"cpus_allowed": 1, "os_threads": 263, "processes": 2}


@pytest.mark.parametrize("model, workers, threads, seen, slots", [
    ("threaded", 1, 256, {"reported_workers": "1", "reported_threads": "256", "os_threads": 257,
                          "processes": 1}, 256),                     # pyserver: its own account
    ("threaded", 1, 4, {"os_threads": 6, "processes": 2}, 4),       # gunicorn gthread: confirmed
    ("threaded", 2, 8, {"os_threads": 17, "processes": 3}, 16),     # uwsgi: confirmed
    ("forked", 3, 1, {"os_threads": 4, "processes": 4}, 3),         # gunicorn sync: confirmed
    ("threaded", 1, 1, GRANIAN_SEEN, 263),                          # granian: its own pool
    ("threaded", 1, 64, {"os_threads": 9, "processes": 1}, 9),      # fewer than the catalog says
    ("threaded", 1, 4, {}, None),                                   # nothing read back: unknown
    ("async", 1, 1, {}, math.inf),
])
def test_observed_slots(model, workers, threads, seen, slots):
    assert limits.observed_slots(model, workers, threads, seen).count == slots


def test_granian_like_row_gets_a_limit_above_what_it_achieved():
    """The published campaign's granian /io row: catalog threads = 1, 3,391 req/s achieved at
    256 connections with 50 ms waits. The old limit was 1 / 0.05 = 20 req/s."""
    got = limits.limit(model="threaded", runtime="python", workers=1, threads=1, cores=1,
                       seen=GRANIAN_SEEN, connections=256, wait_s=0.05)
    assert got.kind == "littles-law"
    assert got.rps == pytest.approx(256 / 0.05)      # 263 threads: the 256 connections bind
    assert got.rps >= 3390.8
    assert "connections" in got.detail


def test_unknown_slots_give_no_limit_and_say_why():
    got = limits.limit(model="threaded", runtime="python", workers=1, threads=1, cores=1,
                       seen={}, connections=64, wait_s=0.05)
    assert (got.rps, got.kind) == (None, "unknown-slots")
    assert "no thread count" in got.detail


def test_unknown_slots_keep_the_ceilings_that_are_known():
    """Little's law cannot be told, but one core at 1 ms of CPU still caps the run at
    1,000 req/s: the known ceiling stays, and the detail says what is missing."""
    got = limits.limit(model="threaded", runtime="python", workers=1, threads=1, cores=1,
                       seen={}, connections=64, wait_s=0.05, cpu_service_s=0.001)
    assert (got.rps, got.kind) == (pytest.approx(1000), "cpu")
    assert "Little's law unknown" in got.detail and "no thread count" in got.detail


def test_interactive_law_replaces_the_generator_ceiling():
    """64 users thinking 100 ms on requests of at least 3.64 ms: 64 / 0.10364 req/s."""
    got = limits.limit(model="async", runtime="python", workers=1, threads=1, cores=1, seen={},
                       connections=64, wait_s=0.00364, think_s=0.1, generator_rps=200.0)
    assert got.kind == "interactive"
    assert got.rps == pytest.approx(64 / 0.10364)


@pytest.mark.parametrize("gen_cpu_s, load, server, cores", [
    (5.0, {0, 1}, {0, 1}, 0.5),         # same cores: all of it (5 CPU-s over 10 s)
    (5.0, {0, 1}, {1}, 0.25),           # half its cores are the server's
    (5.0, {0}, {1}, 0.0),               # cores of its own
    (None, {0}, {0}, 0.0),
])
def test_generator_cores_on_the_servers(gen_cpu_s, load, server, cores):
    assert limits.generator_cores_on(gen_cpu_s, 10.0, frozenset(load), frozenset(server)) == cores


def test_generator_on_the_servers_cores_lowers_the_cpu_limit():
    """Go on 2 cores at 5 ms of CPU per request: 400 req/s alone; with the generator taking
    0.6 of a core on them, 1.4 cores are left: 280 req/s, and the detail says so."""
    kw = dict(model="goroutines", runtime="go", workers=1, threads=2, cores=2, seen={},
              connections=64, cpu_service_s=0.005)
    assert limits.limit(**kw).rps == pytest.approx(400.0)
    got = limits.limit(generator_cores=0.6, **kw)
    assert (got.kind, got.rps) == ("cpu", pytest.approx(280.0))
    assert "the generator used" in got.detail


HELLO = dict(model="goroutines", runtime="go", workers=1, threads=1, cores=1, seen={}, connections=64)


def test_a_measured_load_path_ceiling_replaces_the_generators_extrapolation():
    """/hello's limit was the generator's CPU share extrapolated (X / share); with the
    campaign's nginx ceiling it is that measured figure, its run id in the detail."""
    guess = limits.limit(**HELLO, generator_rps=60_000.0)
    assert guess.kind == "generator"
    measured = limits.limit(**HELLO, generator_rps=60_000.0,
                            path_ceiling=limits.PathCeiling(41_500.0, "nginx-ceiling.hello.wrk.c64.s1.l0.r2"))
    assert (measured.rps, measured.kind) == (41_500.0, "load-path")
    assert "nginx-ceiling.hello.wrk.c64.s1.l0.r2" in measured.detail


def test_the_load_path_ceiling_is_kept_when_above_the_generators_guess():
    """Measured beats guessed even where the guess is lower: the guess is no bound."""
    lim = limits.limit(**HELLO, generator_rps=20_000.0, path_ceiling=limits.PathCeiling(41_500.0, "c.r1"))
    assert (lim.rps, lim.kind) == (41_500.0, "load-path")


def test_a_lower_known_ceiling_still_wins_over_the_load_path():
    """An open loop's offered rate (or a CPU limit) below the path's ceiling is the limit."""
    lim = limits.limit(**{**HELLO, "connections": None}, rate=2000.0,
                       path_ceiling=limits.PathCeiling(41_500.0, "c.r1"))
    assert (lim.rps, lim.kind) == (2000.0, "offered-rate")


def test_without_a_ceiling_hello_keeps_the_generators_extrapolation():
    assert limits.limit(**HELLO, generator_rps=60_000.0, path_ceiling=None).kind == "generator"


@pytest.mark.parametrize("kwargs, idled", [
    (dict(workload="cpu", workers=2, connections=16, idlest_share=0.01), True),
    (dict(workload="cpu", workers=2, connections=16, idlest_share=0.25), False),   # at half its even share
    (dict(workload="cpu", workers=2, connections=1, idlest_share=0.0), False),     # no work for the other
    (dict(workload="cpu", workers=1, connections=16, idlest_share=0.0), False),    # one process
    (dict(workload="io", workers=2, connections=256, idlest_share=0.0), False),    # waiting, not computing
    (dict(workload="cpu", workers=2, connections=16, idlest_share=None), False),   # not measured
])
def test_worker_idled(kwargs, idled):
    assert limits.worker_idled(**kwargs) is idled


@pytest.mark.parametrize("connections, rps, max_ms, unserved", [
    (256, 19.5, 2997.0, True),      # one slot, 256 keep-alive connections: 13 s a request by Little's law
    (256, 5000.0, 60.0, False),     # 51 ms a request, the slowest took 60
    (64, 1270.0, 48.0, False),      # 50.4 ms against 48: inside the window's slack
    (None, 100.0, 10.0, False),     # open loop
    (64, 0.0, None, False),         # nothing answered: no latency to judge
])
def test_connections_unserved(connections, rps, max_ms, unserved):
    assert limits.connections_unserved(connections=connections, rps=rps, latency_max_ms=max_ms) is unserved


def test_the_cpu_limit_takes_the_runs_own_cpu_where_the_calibration_overstated_it():
    go = dict(model="goroutines", runtime="go", workers=1, threads=1, cores=2, seen={}, connections=16,
              cpu_service_s=0.0047915)
    calibrated = limits.limit(**go)
    assert calibrated.kind == "cpu" and calibrated.rps == pytest.approx(2 / 0.0047915)
    # Go spent 4.49 ms a request: the limit is what 2 cores give at that cost, and says so
    own = limits.limit(**go, measured_cpu_s=0.00449)
    assert own.rps == pytest.approx(2 / 0.00449) and "the run's own" in own.detail
    # a server that spends more than the work (its own overhead) is held to the work
    assert limits.limit(**go, measured_cpu_s=0.0069).rps == calibrated.rps
