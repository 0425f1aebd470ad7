"""harness.drivers.wrk: pure parsing into a LoadOutcome, argv, the correction arithmetic,
and real wrk runs."""

from __future__ import annotations

import json
import random
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from harness.drivers import DriverError, LoadOutcome
from harness.drivers.wrk import REPORT_SCRIPT, build_argv, parse_report, run_wrk
from harness.launch.native import ReadyLine, launch

SAMPLE = {
    "schema": 1, "requests": 2391, "duration_us": 3003839, "bytes": 95640,
    "errors": {"connect": 0, "read": 1, "write": 0, "status": 2, "timeout": 3},
    "connections": 8, "correction_interval_us": 10079,
    "latency_corrected": {"min": 1038, "mean": 118071.75, "max": 500945, "stdev": 160109.05,
                          "percentiles": {"p50": 1187, "p75": 238043, "p90": 399316, "p99": 490309,
                                          "p99_9": 500244, "p99_99": 500945}},
    "latency_kind": "raw",
    "latency": {"count": 2391, "sum_us": 22763827, "min": 1038, "mean": 9520.63, "max": 500945,
                "stdev": 64016.59, "percentiles": {"p50": 1112, "p75": 1138, "p90": 1187, "p99": 500133,
                                                   "p99_9": 500432, "p99_99": 500945}},
    "histogram": [[1030, 2000], [1180, 343], [500000, 48]],
    "corrected_count": 4311,
    "thread_rate": {"min": 70, "mean": 990.86, "max": 3370, "stdev": 793.69},
}


def test_parse_report_raw() -> None:
    r = parse_report(json.dumps(SAMPLE), argv=["wrk", "x"], threads=1, connections=8,
                     generator_cpu_s=0.75, generator_cpus=1)
    assert isinstance(r, LoadOutcome) and r.driver == "wrk" and r.loop == "closed"
    assert r.requests == 2391 and r.duration_s == pytest.approx(3.003839)
    assert r.errors_read == 1 and r.errors_status == 2 and r.errors_timeout == 3
    assert r.errors == 6
    assert r.latency_kind == "raw"
    assert r.latency_p50_ms == 1.112 and r.latency_p99_ms == 500.133 and r.latency_p999_ms == 500.432
    assert r.latency_max_ms == 500.945
    assert r.extra["corrected_p99_ms"] == 490.309
    assert r.rps == pytest.approx(2391 / 3.003839)
    assert r.extra["served_share"] == pytest.approx(22763827 / (8 * 3003839))
    assert r.generator_share == pytest.approx(0.75 / 3.003839)
    assert r.extra["argv"] == "wrk x"


def test_parse_report_corrected_fallback_has_no_served_share() -> None:
    d = dict(SAMPLE, latency_kind="co-corrected", raw_unavailable="LuaJIT FFI not available")
    d["latency"] = dict(SAMPLE["latency_corrected"], count=None, sum_us=None)
    del d["histogram"]
    r = parse_report(d, connections=8, threads=1)
    assert r.latency_kind == "co-corrected"
    assert r.extra["served_share"] is None
    assert r.latency_p99_ms == 490.309
    assert r.extra["raw_unavailable"].startswith("LuaJIT")


def test_parse_report_generator_share_and_threads() -> None:
    r = parse_report(SAMPLE, connections=8, threads=2, generator_cpu_s=3.0, generator_cpus=1)
    # pinned to one CPU: the CPU share is against one core, not two threads
    assert r.generator_share == pytest.approx(3.0 / 3.003839)
    r2 = parse_report(SAMPLE, connections=9, threads=2)
    # wrk opens connections // threads per thread: 8 of the 9 asked for
    assert r2.extra["served_share"] == pytest.approx(22763827 / (8 * 3003839))


@pytest.mark.parametrize("missing", ["requests", "latency", "latency_kind", "errors"])
def test_parse_report_missing_fields(missing: str) -> None:
    d = dict(SAMPLE)
    del d[missing]
    with pytest.raises(DriverError, match=missing):
        parse_report(d, connections=8)


def test_parse_report_unknown_kind() -> None:
    with pytest.raises(DriverError, match="latency_kind"):
        parse_report(dict(SAMPLE, latency_kind="magic"), connections=8)


def test_build_argv() -> None:
    argv = build_argv("http://127.0.0.1:1/hello", threads=1, connections=64, duration_s=10, timeout_s=5, cpus="0")
    assert argv[:3] == ["taskset", "-c", "0"]
    assert argv[3:] == ["wrk", "-t", "1", "-c", "64", "-d", "10s", "--timeout", "5s", "-s", str(REPORT_SCRIPT),
                        "http://127.0.0.1:1/hello"]
    assert build_argv("http://h/", connections=2, duration_s=1, cpus=[0, 1])[:3] == ["taskset", "-c", "0,1"]
    assert build_argv("http://h/", connections=2, duration_s=1, headers=["X-A: 1"])[-3:] == ["-H", "X-A: 1", "http://h/"]
    with pytest.raises(DriverError):
        build_argv("http://h/", connections=1, threads=2, duration_s=1)
    with pytest.raises(DriverError):
        build_argv("http://h/", connections=1, duration_s=1.5)


# wrk 4.1.0's stats_correct (src/stats.c), and the inverse wrk_report.lua applies.
def _stats_correct(data: list[int], max_: int, expected: int) -> list[int]:
    data = list(data)
    for n in range(expected * 2, max_ + 1):
        count = data[n]
        m = n - expected
        while count and m > expected:
            data[m] += count
            m -= expected
    return data


def _uncorrect(cor: list[int], max_: int, expected: int) -> list[int]:
    return [c - cor[m + expected] if (m > expected and m + expected <= max_) else c for m, c in enumerate(cor)]


@pytest.mark.parametrize("seed", range(20))
def test_correction_is_undone_exactly(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(10, 400)
    raw = [0] * size
    for _ in range(rng.randint(1, 300)):
        raw[min(size - 1, int(rng.expovariate(1 / rng.choice([3, 20, 80]))))] += rng.randint(1, 5)
    max_ = max(i for i, c in enumerate(raw) if c) if any(raw) else 0
    expected = rng.randint(1, 60)
    cor = _stats_correct(raw, max_, expected)
    assert _uncorrect(cor, max_, expected) == raw


# ------------------------------------------------------------------ real wrk

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (make tools)")

# Threaded keep-alive HTTP/1.1 server: every response sleeps DELAY seconds, every EVERY-th
# one SLOW seconds instead. One sendall per response and TCP_NODELAY (no Nagle/delayed-ACK stalls).
DELAY_SERVER = textwrap.dedent(
    """
    import itertools, socket, sys, threading, time
    delay, slow, every = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    ctr = itertools.count(1)
    lock = threading.Lock()
    def serve(c):
        buf = b""
        with c:
            while True:
                while b"\\r\\n\\r\\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                _, buf = buf.split(b"\\r\\n\\r\\n", 1)
                with lock:
                    n = next(ctr)
                time.sleep(slow if every and n % every == 0 else delay)
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(512)
    print(f"READY address=http://127.0.0.1:{s.getsockname()[1]}", flush=True)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(c,), daemon=True).start()
    """
)


def _delay_server(tmp_path: Path, delay: float, slow: float = 0.0, every: int = 0):
    return launch([sys.executable, "-c", DELAY_SERVER, str(delay), str(slow), str(every)],
                  ready=ReadyLine(), log_path=tmp_path / "server.log", timeout=20)


@needs_wrk
def test_wrk_measures_a_known_delay(tmp_path: Path) -> None:
    with _delay_server(tmp_path, 0.020) as srv:
        r = run_wrk(srv.url + "/hello", connections=4, duration_s=2, timeout_s=2, work_dir=tmp_path / "wrk")
    assert r.latency_kind == "raw", r.extra["raw_unavailable"]
    assert r.errors == 0
    assert r.requests > 0
    assert r.extra["latency_count"] == r.requests  # every completed response is in the raw histogram
    report = json.loads((tmp_path / "wrk" / "wrk-report.json").read_text())
    assert sum(c for _v, c in report["histogram"]) == r.requests
    assert r.extra["latency_min_ms"] >= 20  # the server sleeps at least 20 ms
    assert 20 <= r.latency_p50_ms <= 30  # correctness of the measuring chain, generous tolerance
    # Little's law: 4 connections always busy -> share close to 1; rate ~ 4 / latency
    assert 0.8 <= r.extra["served_share"] <= 1.01
    assert r.rps == pytest.approx(4 / (r.extra["latency_mean_ms"] / 1e3), rel=0.15)
    assert r.generator_cpu_s is not None and r.generator_cpu_s >= 0
    assert r.extra["argv"].startswith("wrk ") and " -c 4 " in r.extra["argv"]


@needs_wrk
def test_wrk_raw_latency_differs_from_corrected(tmp_path: Path) -> None:
    # 1 ms normally, 300 ms on every 20th request: wrk's correction invents samples
    # between 300 ms and the per-connection interval; raw p50 stays near 1 ms.
    with _delay_server(tmp_path, 0.001, 0.300, 20) as srv:
        r = run_wrk(srv.url + "/", connections=4, duration_s=2, timeout_s=2, cpus="0",
                    work_dir=tmp_path / "wrk")
    assert r.latency_kind == "raw"
    assert r.errors == 0
    assert r.extra["latency_count"] == r.requests
    assert r.extra["corrected_count"] > r.requests  # wrk added synthetic samples
    assert r.latency_p50_ms < 50
    assert r.latency_p99_ms >= 300
    assert r.extra["corrected_mean_ms"] > r.extra["latency_mean_ms"]
    assert r.generator_cpus == 1


@needs_wrk
def test_wrk_failure_raises(tmp_path: Path) -> None:
    # Nothing listens on port 9 of loopback: wrk refuses to start and says why.
    with pytest.raises(DriverError, match="unable to connect"):
        run_wrk("http://127.0.0.1:9/", connections=1, duration_s=1, work_dir=tmp_path / "wrk")
    with pytest.raises(DriverError, match="cannot start"):
        run_wrk("http://127.0.0.1:9/", connections=1, duration_s=1, wrk="/nonexistent/wrk-binary",
                work_dir=tmp_path / "wrk2")


# Two worker threads, each holding its keep-alive connection until the client closes it
# (uWSGI's threads with keep-alive): with 8 connections only 2 are ever answered.
STICKY_SERVER = textwrap.dedent(
    """
    import queue, socket, threading, time
    conns = queue.Queue()
    def worker():
        while True:
            c = conns.get()
            buf = b""
            with c:
                while True:
                    while b"\\r\\n\\r\\n" not in buf:
                        d = c.recv(65536)
                        if not d:
                            break
                        buf += d
                    else:
                        _, buf = buf.split(b"\\r\\n\\r\\n", 1)
                        time.sleep(0.005)
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
                        continue
                    break
    for _ in range(2):
        threading.Thread(target=worker, daemon=True).start()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    print(f"READY address=http://127.0.0.1:{s.getsockname()[1]}", flush=True)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.put(c)
    """
)


@needs_wrk
def test_served_share_sees_starved_connections(tmp_path: Path) -> None:
    with launch([sys.executable, "-c", STICKY_SERVER], ready=ReadyLine(), log_path=tmp_path / "s.log",
                timeout=20) as srv:
        r = run_wrk(srv.url + "/", connections=8, duration_s=2, timeout_s=1, work_dir=tmp_path / "wrk")
    assert r.requests > 0
    assert r.latency_p99_ms < 500  # the lucky clients look fine...
    assert 0.15 <= r.extra["served_share"] <= 0.35  # ...but only 2 of 8 connections were served
