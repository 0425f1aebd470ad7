"""A short real run under the docker launcher: load from wrk pinned to CPU 0,
the server's container on CPU 1 with 256 MiB. The engine's record of the
container has exactly that placement and limit, the runtimes see one CPU, and
the engine's stats account the run's CPU and memory."""
from __future__ import annotations

import shutil

import pytest

from harness import catalog, launch
from harness.launch import docker as launcher

SERVER_CPUS, LOAD_CPUS, MEMORY = "1", "0", "256m"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, parallelism_key", [
    ("go", "reported_gomaxprocs"),
    ("node", "runtime_availableParallelism"),
    ("gunicorn-gthread", "runtime_sched_getaffinity"),
])
def test_short_run_has_the_placement_asked_for(engine, images, name, parallelism_key, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    from harness.drivers.wrk import run_wrk

    spec = catalog.get(name)
    with launch.running(spec, launcher="docker", cpus=SERVER_CPUS, memory=MEMORY,
                        log_dir=tmp_path, engine=engine) as server:
        host = server.inspect()["HostConfig"]
        assert host["CpusetCpus"] == SERVER_CPUS
        assert host["Memory"] == 256 * 2**20
        assert host["MemorySwap"] == 256 * 2**20, "no swap beyond the memory limit"
        assert host["NetworkMode"] == "host"
        before = server.engine_usage()
        result = run_wrk(server.url + "/hello", connections=16, duration_s=2, cpus=LOAD_CPUS,
                         work_dir=tmp_path / "wrk")
        after = server.engine_usage()
        parallelism = server.placement()

    assert result.requests > 100 and result.errors == 0
    assert parallelism["cpuset_cpus"] == SERVER_CPUS
    assert parallelism["memory_limit_mib"] == 256
    assert int(parallelism[parallelism_key]) == 1, parallelism
    cpu_s = after["cpu_s"] - before["cpu_s"]
    assert 0.05 < cpu_s <= 2 * 1.2, f"server CPU {cpu_s:.2f} s over a 2 s run on one CPU"
    assert 0 < after["mem_peak_mib"] <= after["mem_limit_mib"] == 256


def test_python_cpu_count_is_the_hosts_inside_a_cpuset(engine, images, tmp_path):
    """python/cpython#80235, observed: os.cpu_count() ignores the cpuset."""
    import os
    spec = catalog.get("waitress")
    with launcher.start(spec, cpus=SERVER_CPUS, log_dir=tmp_path, engine=engine) as server:
        parallelism = server.placement()
    assert parallelism["runtime_sched_getaffinity"] == 1
    assert parallelism["runtime_cpu_count"] == os.cpu_count()
