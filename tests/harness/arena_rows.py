"""A RunResult with every field filled, for tests that need a row."""
from __future__ import annotations

import dataclasses

from harness.specs import SCHEMA_VERSION, RunResult

_DEFAULTS = dict(
    schema=SCHEMA_VERSION, campaign="t", run_id="go.hello.wrk.c8.r1", repeat=1, order=1,
    started_at="2026-11-24T12:00:00+00:00", git_sha="abc", server="go", runtime="go",
    model="goroutines", workers=1, threads=1, parallelism='{"processes": 1}', launcher="native",
    workload="hello", target="/hello", driver="wrk", connections=8, rate=None, duration_s=1.0,
    server_cpus="1", load_cpus="0", status="ok", failure="", requests=100, errors_connect=0,
    errors_read=0, errors_write=0, errors_timeout=0, errors_status=0, rps=100.0,
    latency_p50_ms=1.0, latency_p90_ms=2.0, latency_p99_ms=3.0, latency_p999_ms=4.0,
    latency_max_ms=5.0, latency_kind="raw", served_share=1.0, latency_p99_corrected_ms=3.0,
    latency_histogram="",
    server_cpu_s=0.5, server_rss_peak_mib=10.0, helper_cpu_s=0.0, idlest_worker_cpu_share=None,
    generator_cpu_s=0.2, generator_cpu_share=0.2, foreign_cpu_share=0.0,
    cpu_us_per_request=5000.0, limit_rps=None, limit_kind="", limit_detail="", efficiency=None,
    bottleneck="server", rerun_of="", rerun_reason="", declared_wait_ms=None)


def result(**changes) -> RunResult:
    missing = {f.name for f in dataclasses.fields(RunResult)} - set(_DEFAULTS)
    assert not missing, f"tests/harness/rows.py lacks {missing}"
    return RunResult(**{**_DEFAULTS, **changes})
