"""`arena audit` as a real process: exit 0 clean, 1 on an unexplained violation, 2 on a
campaign that cannot be read (nothing written); the witness campaign fails on what it must."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import store
from harness.analysis import commands

from test_audit import BREAKS, rows

ROOT = Path(__file__).resolve().parents[2]
WITNESS = ROOT / "results" / "full-20261202"


def arena(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'servers'}"}
    return subprocess.run([sys.executable, "-m", "harness.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def campaign(tmp_path: Path, cells: list[dict[str, str]], name: str = "c") -> Path:
    """A campaign folder as the store writes it: runs.csv with its header, campaign.json."""
    folder = tmp_path / name
    folder.mkdir()
    text = store._line(store.COLUMNS) + "".join(store._line(c[k] for k in store.COLUMNS) for c in cells)
    (folder / store.RUNS_FILE).write_text(text)
    (folder / store.CAMPAIGN_FILE).write_text(json.dumps({"campaign": name, "host": {"cores": 2}}))
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_clean_campaign_exits_0(tmp_path):
    done = arena("audit", str(campaign(tmp_path, rows())))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed: 3 runs, 1 points" in done.stdout


def test_violation_exits_1_and_names_runs_and_reason(tmp_path):
    folder = campaign(tmp_path, BREAKS["above-limit"]())
    before = snapshot(folder)
    done = arena("audit", str(folder))
    assert done.returncode == 1
    assert "VIOLATION above-limit: go io /io?ms=50 wrk c64" in done.stdout
    assert "go.io-ms50.wrk.c64.r1" in done.stdout and "littles-law limit of 20.0 req/s" in done.stdout
    assert snapshot(folder) == before


def test_explained_violation_exits_0_and_prints_the_explanation(tmp_path):
    folder = campaign(tmp_path, BREAKS["cost-from-ticks"]())
    ids = ", ".join(f'"go.io-ms50.wrk.c64.r{i}"' for i in (1, 2, 3))
    (folder / store.NOTES_FILE).write_text(
        f'[[explained]]\ninvariant = "cost-from-ticks"\nruns = [{ids}]\nreason = "ticks, known"\n')
    done = commands.main(["audit", str(folder)])
    assert done == 0


def _broken_line(folder: Path) -> None:
    lines = (folder / store.RUNS_FILE).read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace(",", ";", 5)
    (folder / store.RUNS_FILE).write_text("".join(lines))


def _missing_column(folder: Path) -> None:
    lines = (folder / store.RUNS_FILE).read_text().splitlines(keepends=True)
    cut = store.COLUMNS.index("latency_p99_ms")
    drop = lambda line: ",".join(c for i, c in enumerate(line.rstrip("\n").split(",")) if i != cut) + "\n"  # noqa: E731
    (folder / store.RUNS_FILE).write_text("".join(drop(line) for line in lines))


@pytest.mark.parametrize("breakage, message", [
    (_broken_line, "line 3: "),
    (_missing_column, "missing latency_p99_ms"),
    (lambda f: (f / store.NOTES_FILE).write_text("[[explained]]\nruns = 1\n"), "runs must be"),
    (lambda f: (f / store.CAMPAIGN_FILE).write_text("{"), "not readable JSON"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, breakage, message):
    folder = campaign(tmp_path, rows())
    breakage(folder)
    before = snapshot(folder)
    done = arena("audit", str(folder))
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and done.stdout == ""
    assert snapshot(folder) == before


def test_missing_campaign_folder_exits_2(tmp_path):
    done = arena("audit", str(tmp_path / "nope"))
    assert done.returncode == 2 and "no such campaign directory" in done.stderr
    assert not (tmp_path / "nope").exists()


def test_the_witness_campaign_fails_on_what_it_must():
    """results/full-20261202 stays in the repository as the audit's witness."""
    before = snapshot(WITNESS)
    done = arena("audit", "full-20261202")
    assert done.returncode == 1
    out = done.stdout
    assert "VIOLATION above-limit: granian io /io?ms=50" in out                  # threads = 1 limit
    assert "VIOLATION failed-with-figures: waitress io /io?ms=50 vegeta 1000/s" in out
    assert "waitress.io-ms50.vegeta.r1000.r1" in out
    assert "VIOLATION helper-counted-as-noise: go upstream /upstream?ms=50" in out
    assert "VIOLATION errors-only: uwsgi hello /hello" in out and "VIOLATION errors-only: uwsgi io" in out
    assert "VIOLATION generator-on-server-cores: go cpu /cpu?n=80000 wrk c16" in out
    assert "VIOLATION cost-from-ticks: go io /io?ms=50 vegeta 50/s" in out
    assert "VIOLATION locust-as-endpoint: go hello /hello locust c50" in out
    assert snapshot(WITNESS) == before
