"""Every image builds, is tagged by the content hash of its context, and is
reused when nothing changed; the compose file and the container commands are
the catalog's (no hand-kept copies)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness import catalog
from harness.launch import engine as engines
from harness.launch import images

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(1200)  # a first build on a fresh machine downloads and compiles (uWSGI)
@pytest.mark.parametrize("family", list(images.FAMILIES))
def test_image_builds_and_is_reused(engine, family, tmp_path):
    tag = images.image_for(family, engine=engine, log_dir=tmp_path)
    assert tag.startswith(f"arena/{family}:")
    image = engine.images.get(tag)
    assert image.labels.get("org.concurrency-arena.family") == family
    started = time.monotonic()
    assert images.image_for(family, engine=engine, log_dir=tmp_path) == tag
    assert time.monotonic() - started < 10, "an unchanged context must reuse the image, not rebuild"


def test_go_images_are_small_static_binaries(engine, images):
    for family in ("go", "upstream"):
        size_mib = engine.images.get(images[family]).attrs["Size"] / 2**20
        # the local stand-in for distroless is minbase Debian (~117 MiB); distroless is ~2 MiB
        assert size_mib < 160, f"{family}: {size_mib:.0f} MiB, the toolchain leaked into the final stage?"


def test_context_hash_follows_the_context(tmp_path, monkeypatch):
    family = images.FAMILIES["go"]
    files = images.context_files(family)
    assert "docker/go/Dockerfile" in files
    assert any(f.startswith("servers/go/") and f.endswith(".go") for f in files)
    assert not any(f.endswith("_test.go") for f in files), "tests are not in the image's context"
    assert not any(f.startswith((".venv/", "node_modules/", "bin/")) for f in files)
    base = images.context_hash(family, {})
    assert images.context_hash(family, {"GO_IMAGE": "golang:1.26"}) != base
    python_files = images.context_files(images.FAMILIES["python"])
    assert "pyproject.toml" in python_files and "servers/pyserver/__init__.py" in python_files
    assert not any("__pycache__" in f for f in python_files)


@pytest.mark.parametrize("name", [name for name, spec in catalog.load().items()
                                  if catalog.python_build(spec) != "free-threaded"])
def test_container_command_is_the_catalog_argv(name):
    """The container runs exactly the native argv, with the image's paths."""
    spec = catalog.get(name)
    native, native_env = catalog.command(spec, host="127.0.0.1", port=8000, cores=2)
    inside, inside_env = images.container_command(spec, host="127.0.0.1", port=8000, cores=2)
    mapping = {str(Path(__import__("sys").executable)): "/opt/venv/bin/python",
               str(Path(__import__("sys").executable).parent): "/opt/venv/bin",
               str(catalog.BIN): "/app/bin"}
    def to_image(arg: str) -> str:
        for host_path, image_path in mapping.items():
            if arg.startswith(host_path):
                return image_path + arg[len(host_path):]
        return arg
    assert [to_image(a) for a in native] == inside
    assert native_env == inside_env


def test_compose_file_is_generated_from_the_catalog():
    committed = (ROOT / "docker" / "compose.yaml").read_text()
    assert committed == images.compose_file(2), \
        "docker/compose.yaml is stale: arena docker compose > docker/compose.yaml"
    for name, spec in catalog.load().items():
        if catalog.python_build(spec) != "free-threaded":   # no 3.13t image (yet)
            assert f"\n  {name}:\n" in committed


def test_remote_engine_addresses(monkeypatch):
    monkeypatch.delenv("ARENA_DOCKER_URL_HOST", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "ssh://bench@bench-host")
    assert engines.engine_host() == "bench-host"
    assert engines.public_url("http://0.0.0.0:8080") == "http://bench-host:8080"
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.1.2.3:2376")
    assert engines.engine_host() == "10.1.2.3"
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    assert engines.engine_host() is None
    assert engines.public_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert engines.public_url("http://0.0.0.0:8080") == "http://127.0.0.1:8080"
