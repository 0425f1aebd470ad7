"""vegeta and locust drivers: argv building and parsing of their machine-readable output (pure)."""
from __future__ import annotations

import pytest

from harness.drivers import DriverError, locust, vegeta
from harness.drivers.outcome import percentile


@pytest.mark.parametrize("values, p, expected", [
    ([], 50, None), ([5.0], 99.9, 5.0), ([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 75, 3),
    (list(range(1, 1001)), 99.9, 999), (list(range(1, 1001)), 100, 1000), ([1, 2], 0, 1),
])
def test_percentile_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


def _csv(rows):
    # timestamp_ns, code, latency_ns, bytes_out, bytes_in, error, body, attack, seq, method, url, headers
    return "".join(f"{ts},{code},{lat},0,0,{err},,,{seq},GET,http://x/hello,\n"
                   for ts, code, lat, err, seq in rows)


def test_vegeta_latency_counts_from_the_scheduled_send_time():
    # rate 10/s: request seq is due at t0 + seq * 100 ms. Request 2 went out 300 ms late
    # (its worker was busy) and took 10 ms: vegeta says 10 ms, the schedule says 310 ms.
    ms = 1_000_000
    records = vegeta.parse_csv(_csv([
        (1_000 * ms, 200, 10 * ms, "", 0),
        (1_100 * ms, 200, 10 * ms, "", 1),
        (1_500 * ms, 200, 10 * ms, "", 2),
        (1_300 * ms, 200, 10 * ms, "", 3),
    ]))
    out = vegeta.summarise(records, rate=10, duration_s=0.4)
    assert out.latency_kind == "from-intended-time" and out.loop == "open"
    assert out.latency_max_ms == pytest.approx(310.0)
    assert out.extra["service_max_ms"] == pytest.approx(10.0)
    assert out.extra["send_lag_max_ms"] == pytest.approx(300.0)
    assert out.latency_p50_ms == pytest.approx(10.0)
    assert out.requests == 4 and out.errors == 0
    assert out.duration_s == pytest.approx(0.51)   # first send to last answer


def test_vegeta_errors_by_kind():
    records = vegeta.parse_csv(_csv([
        (0, 0, 1, "dial tcp 127.0.0.1:1: connect: connection refused", 0),
        (1, 0, 1, "Get x: context deadline exceeded (Client.Timeout exceeded)", 1),
        (2, 500, 1, "500 Internal Server Error", 2),
        (3, 0, 1, "read tcp: connection reset by peer", 3),
        (4, 200, 1, "", 4),
    ]))
    out = vegeta.summarise(records, rate=1000, duration_s=0.005)
    assert (out.errors_connect, out.errors_timeout, out.errors_status, out.errors_read) == (1, 1, 1, 1)
    assert out.requests == 2          # answered: the 500 and the 200


def test_vegeta_requests_that_never_left_are_timeouts():
    # rate 100/s for 1 s is 100 requests due; only 40 went out (every worker was waiting on
    # the server): the 60 that never left count as timeouts, not as requests never asked for.
    ms = 1_000_000
    records = vegeta.parse_csv(_csv([(i * 10 * ms, 200, 5 * ms, "", i) for i in range(40)]))
    out = vegeta.summarise(records, rate=100, duration_s=1.0)
    assert out.extra["expected_sent"] == 100 and out.extra["unsent"] == 60
    assert out.errors_timeout == 60 and out.requests == 40
    # one or two short is the pacer's rounding at the end, not a stall
    full = vegeta.parse_csv(_csv([(i * 10 * ms, 200, 5 * ms, "", i) for i in range(99)]))
    assert vegeta.summarise(full, rate=100, duration_s=1.0).errors_timeout == 0


def test_vegeta_bad_input_and_argv():
    with pytest.raises(DriverError, match="line 1: 3 fields"):
        vegeta.parse_csv("1,2,3\n")
    with pytest.raises(DriverError):
        vegeta.summarise([], rate=1, duration_s=1)
    argv = vegeta.attack_argv(targets="t", rate=50, duration_s=2, timeout_s=5, output="o", cpus="0")
    assert argv[:3] == ["taskset", "-c", "0"] and "-rate=50/1s" in argv and "-duration=2s" in argv
    assert f"-max-workers={vegeta.MAX_WORKERS}" in argv
    with pytest.raises(DriverError):
        vegeta.attack_argv(targets="t", rate=0, duration_s=2, timeout_s=5, output="o")
    assert vegeta.targets_text("http://h/echo", "POST", "/b", ["A: b"]) == "POST http://h/echo\nA: b\n@/b\n"


STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,/hello,100,2,21,22.1,20,55,13,33.3,0.6,21,22,22,23,25,26,27,27,55,55,55
,Aggregated,100,2,21,22.1,20,55,13,33.3,0.6,21,22,22,23,25,26,27,27,55,55,55
"""
FAILURES = """Method,Name,Error,Occurrences
GET,/hello,"ConnectionRefusedError(111, 'Connection refused')",1
GET,/hello,HTTPError('500 Server Error: Internal Server Error for url: /hello'),1
"""


def test_locust_stats_and_failures():
    stats = locust.parse_stats(STATS)
    assert stats["requests"] == 100 and stats["p50"] == 21 and stats["p999"] == 55
    fails = locust.parse_failures(FAILURES)
    assert fails["connect"] == 1 and fails["status"] == 1
    out = locust.summarise(stats, fails, duration_s=3.0, generator_cpu_s=0.3, generator_cpus=1,
                           users=4, workers=0, scenario="endpoint")
    assert out.requests == 99 and out.errors == 2 and out.latency_kind == "locust-buckets"
    assert out.generator_share == pytest.approx(0.1)
    with pytest.raises(DriverError, match="Aggregated"):
        locust.parse_stats(STATS.splitlines()[0] + "\n")


def test_locust_argv_and_scenarios():
    argv = locust.build_argv(locustfile="f.py", host="http://h:1", users=8, duration_s=5,
                             prefix="/tmp/p", workers=2, master_port=5000, cpus="0")
    assert argv[:3] == ["taskset", "-c", "0"]
    assert "--headless" in argv and "--master" in argv and argv[argv.index("--expect-workers") + 1] == "2"
    assert "--worker" in locust.worker_argv(locustfile="f.py", master_port=5000)
    assert locust.scenario_path("browse").name == "browse.py"
    with pytest.raises(DriverError, match="unknown locust scenario 'nope'.*browse"):
        locust.scenario_path("nope")
