"""Catalog entries for tests/harness/fixture_server.py, and a catalog that includes them.

The fixture is the contract app on a threaded wsgiref server with a fixed delay, one
stall, a death or a broken answer injected; runs against it are a few seconds long
and bounded by timeouts.
"""
from __future__ import annotations

import sys
from pathlib import Path

from harness.launch.native import ReadyLine, launch
from harness.specs import ServerSpec

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(Path(__file__).with_name("fixture_server.py"))


def fixture_spec(name: str, *args: str) -> ServerSpec:
    return ServerSpec(name=name, runtime="python", model="threaded",
                      argv=("{python}", FIXTURE, *args), workers="1", threads="64", ready="line",
                      health="/hello", workloads=("hello", "json", "io", "cpu", "mixed", "echo"),
                      app=None, why="test fixture")


def fixture(tmp_path: Path, *args: str):
    """The fixture server started directly (no catalog), pinned to CPU 1."""
    return launch([sys.executable, FIXTURE, *args], ready=ReadyLine(), log_path=tmp_path / "fixture.log",
                  cpus="1", timeout=20)


def catalog_with_fixtures(monkeypatch, specs: dict[str, ServerSpec]) -> None:
    """The real catalog plus ``specs``, for the rest of the test."""
    from harness import catalog
    merged = {**catalog.load(), **specs}
    monkeypatch.setattr(catalog, "load", lambda path=None: merged)
    monkeypatch.setattr(catalog, "get", lambda name, path=None: merged[name])
