"""`arena run --app` and `app =` in a sweep file, as real processes: the example Flask app
(examples/flask_db.py) measured under real servers with real wrk, its rows read back;
and every bad input refused with exit 2, its reason, and nothing measured.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = "examples.flask_db:app"

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (make tools)")


def arena(*args: str, cwd: Path = ROOT, timeout: float = 150) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def rows(results: Path, campaign: str) -> list[dict]:
    with open(results / campaign / "runs.csv", newline="") as fh:
        return list(csv.DictReader(fh))


SHORT = ("--connections", "8", "--duration", "1", "--warmup", "0")


@needs_wrk
@pytest.mark.timeout(180)
def test_the_example_app_under_two_servers_gives_a_row_each(tmp_path):
    done = arena("run", "--app", APP, "--path", "/orders", "--wait-ms", "20", "--server", "pyserver-threaded",
                 "--server", "gunicorn-sync", *SHORT, "--results", str(tmp_path), "--campaign", "mine")
    assert done.returncode == 0, done.stderr
    measured = rows(tmp_path, "mine")
    assert [r["server"] for r in measured] == ["pyserver-threaded", "gunicorn-sync"]
    for r in measured:
        assert (r["status"], r["workload"], r["target"], r["driver"]) == ("ok", APP, "/orders", "wrk")
        assert float(r["declared_wait_ms"]) == 20 and int(r["requests"]) > 0
        assert r["limit_kind"] in ("littles-law", "cpu", "generator") and r["bottleneck"]
        assert r["run_id"].startswith(f"{r['server']}.{APP}/orders-wait20ms.wrk.c8.")
    assert f"== {APP} ==" in done.stdout          # the table of the runs, as a sweep ends


@needs_wrk
@pytest.mark.timeout(180)
def test_a_sweep_file_measures_the_app_and_its_undeclared_wait_stays_empty(tmp_path):
    sweep = tmp_path / "app.toml"
    sweep.write_text(textwrap.dedent(f"""
        campaign = "swept"
        results = "{tmp_path}"
        servers = ["waitress"]
        duration_s = 1
        warmup_s = 0
        [[points]]
        app = "{APP}"
        path = "/orders"
        connections = [4]
    """))
    done = arena("sweep", str(sweep))
    assert done.returncode == 0, done.stderr
    (r,) = rows(tmp_path, "swept")
    assert (r["status"], r["workload"], r["declared_wait_ms"]) == ("ok", APP, "")
    assert r["run_id"] == f"waitress.{APP}/orders.wrk.c4.r1"


BAD_APPS = {
    "broken.py": "import no_such_package_here\n",
    "notcallable.py": "app = 42\n",
    "oneargument.py": "def app(environ):\n    return [b'']\n",
    "asgi.py": "async def app(scope, receive, send):\n    pass\n",
    "fails.py": textwrap.dedent("""
        def app(environ, start_response):
            if environ["PATH_INFO"] == "/boom":
                raise ZeroDivisionError("the app's own bug")
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
    """),
}


@pytest.fixture
def bad_apps(tmp_path) -> Path:
    for name, text in BAD_APPS.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("args, said", [
    (["--app", "broken:app"], "module 'broken' does not import: ModuleNotFoundError"),
    (["--app", "notcallable:app"], "notcallable:app is a int, not callable"),
    (["--app", "oneargument:app"], "cannot be called as app(environ, start_response)"),
    (["--app", "asgi:app"], "is async (an ASGI app?)"),
    (["--app", "fails:nothing"], "has no attribute 'nothing'"),
    (["--app", "fails.py:app"], "names a file; give the module as MODULE:CALLABLE"),
    (["--app", "fails:app", "--server", "go"], "--server go: go is a go server"),
    (["--app", "fails:app", "--server", "gunicorn-sync-flask"], "name gunicorn-sync"),
    (["--app", "fails:app", "--io-ms", "20"], "--io-ms: is the contract's /io wait"),
    (["--app", "fails:app", "--workload", "io"], "app and workload exclude each other"),
    (["--workload", "io", "--server", "go", "--wait-ms", "5"], "--wait-ms: declares your app's wait"),
])
def test_bad_input_exits_2_before_anything_is_measured(bad_apps, args, said):
    done = arena("run", *args, "--connections", "4", "--results", str(bad_apps / "results"), cwd=bad_apps)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr
    assert not (bad_apps / "results").exists()


@pytest.mark.timeout(120)
def test_a_path_that_answers_500_exits_2_with_the_server_log(bad_apps):
    done = arena("run", "--app", "fails:app", "--path", "/boom", "--server", "pyserver-threaded",
                 "--connections", "4", "--results", str(bad_apps / "results"), cwd=bad_apps)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the health check failed: GET /boom on pyserver-threaded serving fails:app answered 500" in done.stderr
    assert "--- last lines of" in done.stderr and "the app's own bug" in done.stderr   # the log tail
    assert not (bad_apps / "results").exists()


@pytest.mark.timeout(120)
def test_a_run_whose_path_fails_is_a_not_verified_row(bad_apps, monkeypatch):
    """In a sweep the first server passed the check; one that then answers 500 is recorded
    as not verified, as a server failing the contract is, and not measured."""
    from harness.run import run_point
    from harness.specs import LoadSpec, RunSpec
    monkeypatch.chdir(bad_apps)
    point = RunSpec(campaign="t", run_id="x", server="waitress", workload="fails:app", app="fails:app",
                    path="/boom", load=LoadSpec(driver="wrk", connections=4, duration_s=1, warmup_s=0))
    r = run_point(point, raw_dir=bad_apps / "raw").result
    assert (r.status, r.workload, r.target, r.rps, r.requests) == ("not-verified", "fails:app", "/boom", None, 0)
    assert "GET /boom: status differs: expected 2xx, got 500" in r.failure
