"""The launcher registry: launchers by name, one interface, an unknown name refused."""
from __future__ import annotations

import pytest

from harness import catalog, launch
from harness.launch import native


def test_registry_gives_each_launcher_and_rejects_others():
    assert launch.LAUNCHERS == ("native", "docker")
    assert launch.get("native") is native
    for name in launch.LAUNCHERS:
        chosen = launch.get(name)
        assert callable(chosen.start) and callable(chosen.start_upstream)
        assert callable(chosen.unavailable)
    with pytest.raises(ValueError, match="unknown launcher 'podman'; known: native, docker"):
        launch.get("podman")


def test_native_refuses_a_memory_limit(tmp_path):
    with pytest.raises(launch.LaunchError, match="memory limit needs a container"):
        native.start(catalog.get("go"), memory="128m", log_dir=tmp_path)
    assert native.unavailable() is None


@pytest.mark.timeout(60)
def test_running_starts_the_upstream_a_server_calls(tmp_path):
    """`running` brings the delay service for a server with /upstream; the server's
    /upstream answers through it, and both are stopped afterwards."""
    import urllib.request

    spec = catalog.get("go")
    assert "upstream" in spec.workloads
    with launch.running(spec, cpus="1", log_dir=tmp_path) as server:
        assert not server.engine_usage() and server.placement() == {} and server.local
        with urllib.request.urlopen(server.url + "/upstream?ms=1", timeout=10) as answer:
            assert answer.status == 200
        pids = server.pids()
    assert pids and not any(native.process_tree(pid) for pid in pids)
    assert (tmp_path / "upstream.log").exists() and (tmp_path / "go.log").exists()
