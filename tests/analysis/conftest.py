from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "campaign-small"


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    return FIXTURE


@pytest.fixture(scope="session")
def runs():
    from harness.analysis import frame
    return frame.load(FIXTURE)


@pytest.fixture
def campaign_copy(tmp_path):
    """A writable copy of the fixture campaign, to break in one way per test."""
    import shutil
    dest = tmp_path / "campaign-small"
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("*.py", "README.md"))
    return dest


# tests/harness/arena_rows.py: the one fabricated RunResult, kept beside RunResult's tests
import sys  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
