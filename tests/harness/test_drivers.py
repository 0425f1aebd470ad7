"""The driver registry and its contract, with the real tools: every driver returns a
LoadOutcome from a real run against a small server, and every way a driver fails is
one DriverError."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from harness import drivers
from harness.drivers import DriverError, LoadJob, LoadOutcome, histogram
from harness.launch.native import ReadyLine, launch
from harness.measure.host import tool

FIXTURE = Path(__file__).with_name("fixture_server.py")
NOTHING_LISTENS = "http://127.0.0.1:9"    # the discard port of loopback: connections are refused


def test_registry_names_every_driver_and_rejects_others():
    for name in drivers.DRIVERS:
        assert callable(drivers.get(name).drive)
    with pytest.raises(ValueError, match="unknown driver 'ab'; known: wrk, vegeta, locust"):
        drivers.get("ab")


def _available(name: str) -> bool:
    found = {"wrk": shutil.which("wrk"), "vegeta": tool("vegeta"),
             "locust": (Path(sys.executable).parent / "locust").exists()}
    return bool(found[name])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("fixture") / "server.log"
    with launch([sys.executable, str(FIXTURE)], ready=ReadyLine(), log_path=log, timeout=30) as srv:
        yield srv


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, load", [("wrk", {"connections": 2}), ("vegeta", {"rate": 50}),
                                        ("locust", {"connections": 2})])
def test_every_driver_returns_a_load_outcome(server, tmp_path, name, load):
    if not _available(name):
        pytest.skip(f"{name} is not installed (make loadtools, the [load] extra)")
    # 2 s: locust starts its users over the first second
    job = LoadJob(url=server.url, target="/hello", duration_s=2, cpus="0", work_dir=tmp_path, **load)
    outcome = drivers.get(name).drive(job)
    assert isinstance(outcome, LoadOutcome)
    assert outcome.driver == name and outcome.requests > 0 and outcome.rps > 0
    assert outcome.latency_p50_ms is not None and outcome.generator_cpus == 1


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, load", [("wrk", {"connections": 4}), ("vegeta", {"rate": 200})])
def test_the_rows_histogram_gives_back_the_measured_percentiles(server, tmp_path, name, load):
    """A real run's compact histogram holds every answered request, and its p50 and p99
    are the outcome's within a bucket's width (harness/drivers/histogram.py)."""
    if not _available(name):
        pytest.skip(f"{name} is not installed (make tools, make loadtools)")
    job = LoadJob(url=server.url, target="/hello", duration_s=2, cpus="0", work_dir=tmp_path, **load)
    outcome = drivers.get(name).drive(job)
    buckets = histogram.decode(outcome.extra["latency_histogram"])
    assert sum(buckets.values()) == outcome.requests
    for p, row_ms in ((50, outcome.latency_p50_ms), (99, outcome.latency_p99_ms)):
        lo, width = histogram.percentile(buckets, p)
        assert lo - width <= row_ms * 1000 < lo + 2 * width, (p, row_ms, lo, width)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, job, why", [
    ("wrk", LoadJob(url=NOTHING_LISTENS, target="/", duration_s=1, connections=1), "unable to connect"),
    ("wrk", LoadJob(url=NOTHING_LISTENS, target="/echo", duration_s=1, connections=1, method="POST"),
     "GET only"),
    ("vegeta", LoadJob(url="not a url", target="", duration_s=1, rate=10), "vegeta attack exited"),
    ("vegeta", LoadJob(url=NOTHING_LISTENS, target="/", duration_s=1), "needs a rate"),
    ("locust", LoadJob(url=NOTHING_LISTENS, target="/", duration_s=1, scenario="nope"),
     "unknown locust scenario"),
])
def test_every_driver_fails_with_a_driver_error(tmp_path, name, job, why):
    if not _available(name):
        pytest.skip(f"{name} is not installed (make loadtools, the [load] extra)")
    with pytest.raises(DriverError, match=why):
        drivers.get(name).drive(LoadJob(**{**job.__dict__, "work_dir": tmp_path}))
