"""harness/sweep.py, the loop, against fixture servers: failures become rows and the sweep goes
on; SIGINT or SIGTERM mid-sweep keeps every finished row and the rerun resumes; a run that
failed once is rerun automatically and the rerun measures."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fixture_catalog import ROOT, catalog_with_fixtures, fixture_spec

from harness import store
from harness import sweep as sweep_mod
from harness.plan import plan


HELLO_C2 = """
    [[points]]
    workload = "hello"
    driver = "wrk"
    connections = [2]
"""


def _sweep_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent(body))
    return path


@pytest.mark.timeout(120)
def test_unverified_and_dying_servers_become_rows_and_the_sweep_goes_on(tmp_path, monkeypatch):
    specs = {"fx-broken": fixture_spec("fx-broken", "--broken"),
             "fx-dies": fixture_spec("fx-dies", "--die-at", "2"),
             "fx-ok": fixture_spec("fx-ok", "--delay-ms", "2")}
    catalog_with_fixtures(monkeypatch, specs)
    path = _sweep_file(tmp_path, f"""
        campaign = "machinery"
        results = "{tmp_path / 'results'}"
        servers = ["fx-broken", "fx-dies", "fx-ok"]
        max_reruns = 0
        duration_s = 3
        warmup_s = 0
    """ + HELLO_C2)
    camp = sweep_mod.run_sweep(plan.load(path), out=open(os.devnull, "w"))
    rows = {r["server"]: r for r in camp.rows()}
    assert set(rows) == {"fx-broken", "fx-dies", "fx-ok"}
    assert rows["fx-broken"]["status"] == "not-verified" and "/hello" in rows["fx-broken"]["failure"]
    assert rows["fx-broken"]["requests"] == "0" and rows["fx-broken"]["rps"] == ""
    assert not (camp.dir / "raw" / rows["fx-broken"]["run_id"] / "outcome.json").exists()
    assert rows["fx-dies"]["status"] == "failed" and "exited with code 3" in rows["fx-dies"]["failure"]
    assert rows["fx-ok"]["status"] == "ok" and int(rows["fx-ok"]["requests"]) > 0
    assert rows["fx-dies"]["bottleneck"] == ""       # a failed run gets no verdict


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_mid_sweep_then_rerun_resumes_without_duplicates(tmp_path, monkeypatch, sig):
    """SIGINT (or SIGTERM) to a real `arena sweep` process in its second run: exit 130,
    the first row kept, the server of the interrupted run stopped; the rerun adds the
    rest, once."""
    path = _sweep_file(tmp_path, f"""
        campaign = "resume"
        results = "{tmp_path / 'results'}"
        servers = ["fx-a", "fx-b", "fx-c"]
        max_reruns = 0
        duration_s = 2
        warmup_s = 0
    """ + HELLO_C2)
    # the subprocess sees the fixture servers through a tiny catalog shim
    shim = tmp_path / "shim.py"
    shim.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
        from harness import catalog
        from fixture_catalog import fixture_spec
        real = catalog.load()
        extra = {{n: fixture_spec(n, "--delay-ms", "2") for n in ("fx-a", "fx-b", "fx-c")}}
        merged = {{**real, **extra}}
        catalog.load = lambda path=None: merged
        catalog.get = lambda name, path=None: merged[name]
        from harness.commands import main
        sys.exit(main(["sweep", {str(path)!r}]))
    """))
    runs = tmp_path / "results" / "resume" / "runs.csv"
    proc = subprocess.Popen([sys.executable, str(shim)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:          # wait until the first row is stored
        if runs.exists() and len(store.read_rows(runs)) >= 1:
            break
        time.sleep(0.1)
    time.sleep(1.0)                             # into the second run
    proc.send_signal(sig)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 130, output
    assert "resume" in output
    first = [r["run_id"] for r in store.read_rows(runs)]
    assert 1 <= len(first) < 3
    # no fixture server left behind: every pid in the stored logs' READY lines is gone
    for log in (tmp_path / "results" / "resume" / "raw").rglob("fx-*.log"):
        for line in log.read_text().splitlines():
            if line.startswith("READY"):
                pid = int(line.split("pid=")[1].split()[0])
                assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
    again = subprocess.run([sys.executable, str(shim)], cwd=ROOT, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stdout.decode() + again.stderr.decode()
    ids = [r["run_id"] for r in store.read_rows(runs)]
    assert len(ids) == len(set(ids)) == 3
    assert ids[:len(first)] == first            # nothing already written was lost or rewritten


@pytest.mark.timeout(120)
def test_a_real_server_whose_first_run_dies_is_rerun_and_the_rerun_measures(tmp_path, monkeypatch):
    marker = tmp_path / "died-once"
    catalog_with_fixtures(monkeypatch, {"fx-once": fixture_spec("fx-once", "--die-at", "1",
                                                                "--die-once", str(marker))})
    path = _sweep_file(tmp_path, f"""
        campaign = "real"
        results = "{tmp_path / 'results'}"
        servers = ["fx-once"]
        repeats = 1
        max_reruns = 2
        duration_s = 2
        warmup_s = 0
    """ + HELLO_C2)
    camp = sweep_mod.run_sweep(plan.load(path), out=open(os.devnull, "w"))
    rows = camp.rows()
    first, rerun = rows[0], rows[1]
    assert first["run_id"] == "fx-once.hello.wrk.c2.r1" and first["status"] == "failed"
    assert (rerun["run_id"], rerun["rerun_of"]) == ("fx-once.hello.wrk.c2.r2", "fx-once.hello.wrk.c2.r1")
    assert rerun["rerun_reason"].startswith("too-few-clean-repeats: 0 clean of 1 needed (failed")
    assert rerun["status"] == "ok" and int(rerun["requests"]) > 0
    assert len(rows) <= 3                           # a noisy machine may add the second, never more
