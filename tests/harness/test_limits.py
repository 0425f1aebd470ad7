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
    got = limits.limit(**kwargs)
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
