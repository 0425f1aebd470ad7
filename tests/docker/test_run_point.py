"""harness.run.run_point with the docker launcher in place of the native one:
the docker module has the same start/start_upstream signature and returns an
object of RunningServer's shape, so a real run produces a row. While the run
is on, the engine's record of the container has the placement and memory
limit asked for; afterwards nothing is left."""
from __future__ import annotations

import json
import shutil
import types

import pytest

from harness.launch import docker as launcher
from harness.specs import LoadSpec

run = pytest.importorskip("harness.run")


@pytest.mark.timeout(180)
@pytest.mark.parametrize("server, workload", [("go", "upstream"), ("gunicorn-gthread", "hello")])
def test_run_point_in_docker(engine, images, monkeypatch, tmp_path, server, workload):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    seen = {}

    def start(spec, **kwargs):
        started = launcher.start(spec, memory="256m", engine=engine, **kwargs)
        seen["host_config"] = started.inspect()["HostConfig"]
        seen["parallelism"] = started.parallelism()
        return started

    def start_upstream(**kwargs):
        return launcher.start_upstream(engine=engine, **kwargs)

    monkeypatch.setattr(run, "servers", types.SimpleNamespace(start=start, start_upstream=start_upstream))
    point = run.Point(campaign="docker-test", run_id=f"{server}.{workload}", server=server,
                      workload=workload, io_ms=5,
                      load=LoadSpec(driver="wrk", connections=8, duration_s=2, warmup_s=1),
                      server_cpus="1", load_cpus="0")
    measured = run.run_point(point, raw_dir=tmp_path / "raw")
    row = measured.result
    assert row.status == "ok", row.failure
    assert row.requests > 0 and row.rps > 0
    assert row.server_cpus == "1" and row.load_cpus == "0"
    assert row.server_cpu_s > 0, "the /proc sampler sees the container's processes (host pids)"
    assert seen["host_config"]["CpusetCpus"] == "1"
    assert seen["host_config"]["Memory"] == 256 * 2**20
    assert seen["host_config"]["NetworkMode"] == "host"
    assert json.loads(row.parallelism)["cpus_allowed"] == 1
    assert seen["parallelism"]["cpuset_cpus"] == "1"
