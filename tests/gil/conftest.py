"""tests/gil: the free-threaded build (make python-ft). Where it is absent every test that
needs it skips, quoting why make could not build it; ARENA_REQUIRE_PYTHON_FT=1 makes that
a failure instead, so a machine that should have it never passes silently."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import catalog
from harness.launch import native

STATUS = Path(os.environ.get("ARENA_PYTHON_FT_STATUS", "/var/tmp/arena-python-ft/unavailable.txt"))


def _missing_reason() -> str:
    reason = f"free-threaded Python not built ({catalog.VENV_FT_PYTHON} missing): run make python-ft"
    if STATUS.exists() and STATUS.read_text().strip():
        reason += " | make's attempt: " + STATUS.read_text().strip().splitlines()[-1]
    return reason


@pytest.fixture(scope="session")
def python_ft() -> Path:
    """.venv-ft's interpreter, or a skip (a failure under ARENA_REQUIRE_PYTHON_FT=1)."""
    if catalog.VENV_FT_PYTHON.exists():
        return catalog.VENV_FT_PYTHON
    if os.environ.get("ARENA_REQUIRE_PYTHON_FT") == "1":
        pytest.fail("ARENA_REQUIRE_PYTHON_FT=1 but " + _missing_reason(), pytrace=False)
    pytest.skip(_missing_reason())


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    with native.start_upstream(log_dir=tmp_path_factory.mktemp("upstream")) as up:
        yield up.url.split("://", 1)[1]
