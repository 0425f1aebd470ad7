"""Effective parallelism is read back from real servers, not taken from their config."""
from __future__ import annotations

import os
import time

import pytest

from harness import catalog
from harness.launch import native
from harness.measure.parallelism import observe, ready_fields

needs_go = pytest.mark.skipif(
    not (catalog.BIN / "arena-go").exists() and not os.environ.get("ARENA_REQUIRE_RUNTIMES"),
    reason="bin/arena-go not built (make runtimes)")


def test_ready_fields():
    line = "READY mode=threaded pid=12 address=http://127.0.0.1:9 workers=2 threads=8"
    assert ready_fields(line) == {"mode": "threaded", "pid": "12", "address": "http://127.0.0.1:9",
                                  "workers": "2", "threads": "8"}
    assert ready_fields(None) == {}


@needs_go
def test_go_reports_gomaxprocs_of_its_pinning(tmp_path):
    with native.start(catalog.get("go"), cpus="0", log_dir=tmp_path) as server:
        seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
    assert seen["processes"] == 1 and seen["cpus_allowed"] == 1
    assert seen["reported_gomaxprocs"] == 1 and seen["reported_runtime"] == "go"


def test_python_peer_process_tree_is_counted(tmp_path):
    spec = catalog.get("gunicorn-sync")  # 2*cores+1 workers under a master
    with native.start(spec, cpus="0", log_dir=tmp_path) as server:
        expected = catalog.sizing(spec, 1).workers + 1
        for _ in range(200):  # workers boot after the first one answers; bounded wait
            seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
            if seen["processes"] == expected:
                break
            time.sleep(0.05)
    assert seen["processes"] == expected and seen["os_threads"] >= expected
