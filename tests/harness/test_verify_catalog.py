"""Every catalog server, started by name as a real process, serves the contract byte
for byte; and a deliberately broken handler makes `arena verify` fail by name."""
from __future__ import annotations

import subprocess
import sys

import pytest

from harness import catalog
from harness.launch import native
from harness.verify import verify

# The free-threaded (-ft) entries need make python-ft: tests/gil verifies them, or skips saying why.
SPECS = {name: spec for name, spec in catalog.load().items()
         if catalog.python_build(spec) != "free-threaded"}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    with native.start_upstream(log_dir=tmp_path_factory.mktemp("upstream")) as up:
        yield up.url.split("://", 1)[1]


@pytest.mark.parametrize("name", list(SPECS))
def test_catalog_server_serves_the_contract(name, upstream, tmp_path):
    spec = SPECS[name]
    with native.start(spec, log_dir=tmp_path, upstream=upstream) as server:
        report = verify(name, server.url, workloads=spec.workloads)
    assert report.ok, "\n".join(map(str, report.mismatches))
    assert report.checked >= 15


BROKEN = '''
[[server]]
name = "broken-cpu"
runtime = "python"
model = "threaded"
workers = "1"
threads = "4"
ready = "http"
workloads = ["hello", "json", "cpu"]
argv = ["{python}", "-m", "gunicorn", "--bind", "{host}:{port}", "--worker-class", "gthread",
        "--threads", "{threads}", "--no-control-socket", "tests.harness.broken_cpu_app:app"]
why = "a test double with a wrong CPU result"
'''


def test_arena_verify_names_server_endpoint_and_difference(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text(BROKEN)
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())",
         "verify", "--catalog", str(path), "broken-cpu"],
        cwd=catalog.ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL broken-cpu" in result.stdout
    assert "broken-cpu: GET /cpu?n=1000: body differs" in result.stdout
    assert '"result":42' in result.stdout and '"result":1268113592' in result.stdout


def test_arena_verify_unknown_server_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())",
         "verify", "nginx"], cwd=catalog.ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown server 'nginx'" in result.stderr
