"""The GIL state in a row is what the running server said, never what its entry implies:
pyserver's READY line and the apps' /_arena/info are read back into the row's parallelism."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from harness import catalog
from harness.launch import native
from harness.launch.native import LaunchError
from harness.measure.parallelism import observe
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec


def test_the_standard_build_reports_its_gil(tmp_path):
    with native.start(catalog.get("pyserver-threaded"), log_dir=tmp_path) as server:
        seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
    assert "gil_enabled=1 python_build=default" in server.ready_line
    assert (seen["gil_enabled"], seen["python_build"]) == (True, "default")
    assert seen["reported_runtime"] == "python"     # the app's /_arena/info answered


def test_go_reports_no_gil(tmp_path):
    if not (catalog.BIN / "arena-go").exists():
        pytest.skip("bin/arena-go not built (make runtimes)")
    with native.start(catalog.get("go"), log_dir=tmp_path) as server:
        seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
    assert (seen["gil_enabled"], seen["python_build"]) == (None, None)


def test_an_absent_build_is_a_launch_error_naming_make_python_ft(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "VENV_FT_PYTHON", tmp_path / "no-such-python")
    with pytest.raises(LaunchError, match="free-threaded Python not built: run make python-ft"):
        native.start(catalog.get("pyserver-threaded-ft"), log_dir=tmp_path)


def test_a_gil_turned_back_on_is_reported(python_ft, tmp_path, monkeypatch):
    """PYTHON_GIL=1 re-enables the GIL on a free-threaded build, as an unsafe extension
    would: the server says so, although its entry runs the free-threaded build."""
    monkeypatch.setenv("PYTHON_GIL", "1")
    with native.start(catalog.get("pyserver-threaded-ft"), log_dir=tmp_path) as server:
        seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
    assert "gil_enabled=1 python_build=free-threaded" in server.ready_line
    assert (seen["gil_enabled"], seen["python_build"]) == (True, "free-threaded")


@pytest.mark.timeout(90)
def test_a_real_run_records_the_gil_state(python_ft, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make tools)")
    point = RunSpec(campaign="gil-test", run_id="pyserver-threaded-ft.hello", server="pyserver-threaded-ft",
                  workload="hello", server_cpus="1", load_cpus="0",
                  load=LoadSpec(driver="wrk", connections=4, duration_s=1, warmup_s=0))
    row = run_point(point, raw_dir=tmp_path / "raw").result
    assert row.status == "ok", row.failure
    seen = json.loads(row.parallelism)
    assert (seen["gil_enabled"], seen["python_build"]) == (False, "free-threaded")


def test_pyserver_installs_without_gevent_and_async_says_why(python_ft):
    """.venv-ft has pyserver without its 'async' extra: the threaded and forked modes
    import, and --mode async exits 2 naming the missing extra."""
    assert subprocess.run([str(python_ft), "-c", "import gevent"], capture_output=True).returncode != 0
    proc = subprocess.run([str(python_ft), "-m", "pyserver", "--mode", "async", "--bind",
                           "127.0.0.1:0", "workloads.python.wsgi_app:app"],
                          capture_output=True, text=True, timeout=30, cwd=str(catalog.ROOT))
    assert proc.returncode == 2
    assert "gevent" in proc.stderr and "concurrency-arena[async]" in proc.stderr
    assert proc.stdout == ""          # no READY: nothing listened
