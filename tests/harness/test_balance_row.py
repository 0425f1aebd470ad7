"""The row's balance column (idlest_worker_cpu_share) on real runs, and the audit's flag on it.

pyserver forked with one listening socket shared by its 2 workers has a known imbalance
on keep-alive clients (docs/pyserver-forked-balance.md: one worker takes the
connections, the other idles); with a socket per worker both carry the work.
"""
from __future__ import annotations

import dataclasses

import pytest

from harness import catalog
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec


def forked(listener: str):
    spec = catalog.get("pyserver-forked")
    app = spec.argv.index("{app}")
    return dataclasses.replace(spec, name=f"pyserver-forked-{listener}",
                               argv=(*spec.argv[:app], "--listener", listener, *spec.argv[app:]))


def cpu_run(run_id: str) -> RunSpec:
    return RunSpec(campaign="t", run_id=run_id, server="pyserver-forked", workload="cpu", cpu_n=20_000,
                   server_cpus="0-1", load_cpus="0",
                   load=LoadSpec(driver="wrk", connections=16, duration_s=3, warmup_s=1))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("listener, balanced", [("shared", False), ("per-worker", True)])
def test_the_balance_column_shows_a_known_imbalance(tmp_path, listener, balanced):
    m = run_point(cpu_run(listener), raw_dir=tmp_path / listener, spec=forked(listener))
    r = m.result
    assert r.status == "ok", r.failure
    assert len(m.parallelism["balance"]["workers"]) == 2
    share = r.idlest_worker_cpu_share
    assert share is not None and 0 <= share <= 0.5
    if balanced:
        assert share >= 0.25, f"per-worker sockets: the idler worker did only {share:.0%}"
    else:
        assert share < 0.25, f"one shared socket: expected one idle worker, got {share:.0%}"


@pytest.mark.timeout(60)
def test_a_single_process_server_has_no_balance_figure(tmp_path):
    run = dataclasses.replace(cpu_run("single"), server="go", server_cpus="1",
                              load=LoadSpec(driver="wrk", connections=4, duration_s=1, warmup_s=0))
    r = run_point(run, raw_dir=tmp_path / "go").result
    assert r.status == "ok", r.failure
    assert r.idlest_worker_cpu_share is None
