"""`make help` names every target a user can type (each one declared .PHONY in the
Makefile or an mk/*.mk fragment), so a target added without a help line is caught here."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(*args: str) -> str:
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True,
                          text=True, timeout=60).stdout


def phony_targets() -> set[str]:
    """The .PHONY targets from make's own database (-p), without running any rule (-q, and
    the empty target ':' so nothing is built)."""
    database = _make("-pRrq", "-f", "Makefile", ":")
    names: set[str] = set()
    for line in database.splitlines():
        if line.startswith(".PHONY:"):
            names.update(line.split(":", 1)[1].split())
    return names


def test_make_help_names_every_phony_target():
    targets = phony_targets()
    assert {"bench", "test", "help", "lock", "notebook", "docs", "bench-full", "bench-docker"} <= targets
    shown = _make("help")
    missing = sorted(t for t in targets if not re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", shown))
    assert not missing, f"make help does not name: {missing}"


def test_make_help_starts_with_the_two_commands():
    first = [line.split()[1] for line in _make("help").splitlines()[1:3]]
    assert first == ["bench", "test"]


def test_make_help_and_arena_help_name_benchmarking_your_own_app():
    """Issue 15: one obvious way in, for a user's own WSGI app too."""
    assert "arena run --app pkg.module:app --path /endpoint" in _make("help")
    arena_help = subprocess.run([sys.executable, "-m", "harness.cli", "--help"], cwd=ROOT, capture_output=True,
                                text=True, timeout=60).stdout
    assert "--app: your own WSGI app under every Python server" in " ".join(arena_help.split())
