"""harness/reference.py: `arena list` and `arena docs` (the pages generated from schemas)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from harness import catalog, reference
from workloads import contract

ROOT = Path(__file__).resolve().parents[2]


def _arena(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_list_shows_every_server_sized_for_the_cores_and_every_workload():
    out = _arena("list", "--cores", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for name, spec in catalog.load().items():
        [line] = [l for l in lines if l.split()[:1] == [name]]
        assert f"{spec.workers} = {catalog.size(spec.workers, 3)}" in line
    assert "2*cores+1 = 7" in out.stdout                 # gunicorn-sync at 3 cores
    for name in contract.WORKLOADS:
        assert any(l.split()[:1] == [name] for l in lines)


def test_list_refuses_a_bad_core_count():
    out = _arena("list", "--cores", "0")
    assert out.returncode == 2 and "must be >= 1" in out.stderr


def test_docs_writes_the_committed_pages(tmp_path):
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    out = _arena("docs", "--no-results", "--docs-dir", str(tmp_path), "--readme", str(readme))
    assert out.returncode == 0, out.stderr
    for name in ("pyserver-options.md", "servers.md", "sweep-files.md"):
        assert (tmp_path / name).read_text() == (ROOT / "docs" / name).read_text(), name
    assert readme.read_text() == (ROOT / "README.md").read_text()


def test_the_readme_servers_block_is_replaced_not_appended():
    text = f"before\n{reference.SERVERS_START}\nold table\n{reference.SERVERS_END}\nafter\n"
    once = reference.with_servers_table(text)
    assert "old table" not in once and once == reference.with_servers_table(once)
    assert once.startswith("before\n") and once.endswith(f"{reference.SERVERS_END}\nafter\n")
