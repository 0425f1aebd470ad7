"""Every catalog server, in its family's container, passes the contract
verification (harness.verify, the same check `arena verify` runs), /upstream
included through the upstream container."""
from __future__ import annotations

import pytest

from harness import catalog, launch
from harness.launch import docker as launcher
from harness.verify import verify


@pytest.mark.timeout(180)
# free-threaded entries run natively only (no 3.13t image); tests/gil verifies them
@pytest.mark.parametrize("name", [name for name, spec in catalog.load().items()
                                  if catalog.python_build(spec) != "free-threaded"])
def test_container_passes_verify(engine, images, name, tmp_path):
    spec = catalog.get(name)
    with launch.running(spec, launcher="docker", cpus="1", memory="512m", log_dir=tmp_path,
                        engine=engine) as server:
        assert server.url.startswith("http://127.0.0.1:")
        report = verify(name, server.url, workloads=spec.workloads)
        assert report.ok, "\n".join(map(str, report.mismatches)) + "\n" + server.log_tail()
        assert report.checked > 0
    assert "READY" in server.log_path.read_text() or spec.ready == "http"


def test_upstream_container_serves_delay(engine, images, tmp_path):
    import http.client
    import time
    with launcher.start_upstream(log_dir=tmp_path, engine=engine) as up:
        host, port = up.url.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        t = time.monotonic()
        conn.request("GET", "/delay?ms=50")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b'{"ms":50}')
        assert time.monotonic() - t >= 0.05
