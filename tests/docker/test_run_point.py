"""harness.run.run_point with ``launcher="docker"``: the path `arena run --launcher
docker` and sweep files take. A real run produces a row that says it ran in Docker;
while it runs, the engine's record of the container has the placement and memory
limit asked for; the engine's stats are kept beside the row; afterwards nothing is
left. The `arena run` command itself is run once, as a user would."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from harness import catalog
from harness.launch import docker as launcher
from harness.specs import LoadSpec

run = pytest.importorskip("harness.run")
from harness.specs import RunSpec  # noqa: E402


@pytest.fixture
def watched(monkeypatch):
    """The engine's record of each container the run starts, read while it runs."""
    seen = []
    real = launcher.start

    def start(spec, **kwargs):
        started = real(spec, **kwargs)
        seen.append(started.inspect()["HostConfig"])
        return started

    monkeypatch.setattr(launcher, "start", start)
    return seen


@pytest.mark.timeout(180)
@pytest.mark.parametrize("server, workload", [("go", "upstream"), ("gunicorn-gthread", "hello")])
def test_run_point_in_docker(engine, images, watched, tmp_path, server, workload):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    point = RunSpec(campaign="docker-test", run_id=f"{server}.{workload}", server=server,
                      workload=workload, io_ms=5, launcher="docker", memory="256m",
                      load=LoadSpec(driver="wrk", connections=8, duration_s=2, warmup_s=1),
                      server_cpus="1", load_cpus="0")
    measured = run.run_point(point, raw_dir=tmp_path / "raw")
    row = measured.result
    assert row.status == "ok", row.failure
    assert row.launcher == "docker"
    assert row.requests > 0 and row.rps > 0
    assert row.server_cpus == "1" and row.load_cpus == "0"
    assert row.server_cpu_s > 0, "the /proc sampler sees the container's processes (host pids)"
    host_config = watched[0]
    assert host_config["CpusetCpus"] == "1"
    assert host_config["Memory"] == 256 * 2**20
    assert host_config["NetworkMode"] == "host"
    seen = json.loads(row.parallelism)
    assert seen["cpus_allowed"] == 1 and seen["cpuset_cpus"] == "1" and seen["launcher"] == "docker"
    assert seen["memory_limit_mib"] == 256
    engine_stats = json.loads((tmp_path / "raw" / "outcome.json").read_text())["engine_stats"]
    assert engine_stats["cpu_s"] > 0 and engine_stats["mem_limit_mib"] == 256
    # the engine and /proc count the same processes' CPU over the same window
    assert engine_stats["cpu_s"] == pytest.approx(row.server_cpu_s, rel=0.5)


@pytest.mark.timeout(180)
def test_arena_run_launcher_docker_stores_a_docker_row(engine, images, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    out = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--server", "node", "--workload", "hello",
         "--connections", "4", "--duration", "1", "--warmup", "0", "--launcher", "docker",
         "--memory", "128m", "--campaign", "c", "--results", str(tmp_path)],
        cwd=catalog.ROOT, capture_output=True, text=True, timeout=170)
    assert out.returncode == 0, out.stdout + out.stderr
    from harness import store
    (row,) = store.read_rows(tmp_path / "c" / "runs.csv")
    assert row["launcher"] == "docker" and row["status"] == "ok" and ".docker." in row["run_id"]
    assert json.loads(row["parallelism"])["memory_limit_mib"] == 128


def test_memory_without_docker_is_refused(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--server", "go", "--workload", "hello",
         "--connections", "4", "--memory", "128m", "--results", str(tmp_path)],
        cwd=catalog.ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "a memory limit needs a container: set --launcher docker" in out.stderr
    assert not (tmp_path / "adhoc").exists()


def test_no_engine_is_one_clear_error_and_nothing_stored(tmp_path):
    """Runs without an engine too: a port where nothing listens stands for a dead one."""
    env = {"DOCKER_HOST": "tcp://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--server", "go", "--workload", "hello",
         "--connections", "4", "--launcher", "docker", "--results", str(tmp_path)],
        cwd=catalog.ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "no Docker engine answers at tcp://127.0.0.1:9" in out.stderr
    assert not (tmp_path / "adhoc").exists()


@pytest.mark.timeout(240)
def test_a_docker_sweep_stores_rows_and_ctrl_c_leaves_no_container(engine, images, tmp_path):
    """`launcher = "docker"` in a sweep file: the first run stores a docker row; SIGINT in
    the second stops and removes its container, keeps the row, and exits 130."""
    import signal
    import textwrap
    import time

    from harness import store
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    sweep_file = tmp_path / "d.toml"
    sweep_file.write_text(textwrap.dedent(f"""
        campaign = "dsweep"
        results = "{tmp_path / 'results'}"
        servers = ["go"]
        launcher = "docker"
        memory = "128m"
        warmup_s = 0
        [[points]]
        workload = "hello"
        connections = [4]
        duration_s = 1
        [[points]]
        workload = "json"
        connections = [4]
        duration_s = 60
    """))
    runs = tmp_path / "results" / "dsweep" / "runs.csv"
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "sweep", str(sweep_file)],
                            cwd=catalog.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:      # the first row, then the second run's container
        if runs.exists() and store.read_rows(runs) and launcher.leftovers(engine):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 130, output
    (row,) = store.read_rows(runs)
    assert row["launcher"] == "docker" and row["status"] == "ok" and row["run_id"].endswith(".docker.r1")
    assert not launcher.leftovers(engine), "the interrupted run's container was removed"
