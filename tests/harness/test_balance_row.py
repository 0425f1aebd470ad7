"""The row's balance column (idlest_worker_cpu_share) on real runs.

A two-worker server whose second worker only sleeps has a known imbalance (the idlest
share is ~0); pyserver forked with a socket per worker spreads the work over both
(docs/pyserver-forked-balance.md). pyserver with one shared socket is not used as the
known case: which worker wins the connections there depends on timing.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness import catalog, limits
from harness.run import run_point
from harness.specs import LoadSpec, RunSpec, ServerSpec

IDLE_WORKER = str(Path(__file__).with_name("idle_worker_server.py"))


def forked(listener: str):
    spec = catalog.get("pyserver-forked")
    app = spec.argv.index("{app}")
    return dataclasses.replace(spec, name=f"pyserver-forked-{listener}",
                               argv=(*spec.argv[:app], "--listener", listener, *spec.argv[app:]))


def cpu_run(run_id: str) -> RunSpec:
    return RunSpec(campaign="t", run_id=run_id, server="pyserver-forked", workload="cpu", cpu_n=20_000,
                   server_cpus="0-1", load_cpus="0",
                   load=LoadSpec(driver="wrk", connections=16, duration_s=3, warmup_s=1))


def idle_worker() -> ServerSpec:
    return ServerSpec(name="idle-worker", runtime="python", model="forked",
                      argv=("{python}", IDLE_WORKER), workers="2", threads="1", ready="line",
                      health="/hello", workloads=("hello", "cpu"), app=None, why="test fixture")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("spec, balanced", [(idle_worker, False), (lambda: forked("per-worker"), True)])
def test_the_balance_column_shows_a_known_imbalance(tmp_path, spec, balanced):
    server = spec()
    m = run_point(cpu_run(server.name), raw_dir=tmp_path / server.name, spec=server)
    r = m.result
    assert r.status == "ok", r.failure
    assert len(m.parallelism["balance"]["workers"]) == 2
    share = r.idlest_worker_cpu_share
    assert share is not None and 0 <= share <= 0.5
    if balanced:
        assert share >= 0.25, f"per-worker sockets: the idler worker did only {share:.0%}"
        assert r.bottleneck != "imbalance"
    else:
        assert share < 0.05, f"a worker that only sleeps: expected ~0, got {share:.0%}"
        # the verdict names the idle worker, unless a neighbour's CPU (a shared CI machine)
        # made the run noisy first: limits.verdict's order, the more damning cause first
        assert r.bottleneck == "imbalance" or (
            r.bottleneck == "noisy" and r.foreign_cpu_share > limits.NOISY_FOREIGN_SHARE), \
            f"{r.bottleneck} with foreign CPU {r.foreign_cpu_share:.0%}"


@pytest.mark.timeout(60)
def test_a_single_process_server_has_no_balance_figure(tmp_path):
    run = dataclasses.replace(cpu_run("single"), server="go", server_cpus="1",
                              load=LoadSpec(driver="wrk", connections=4, duration_s=1, warmup_s=0))
    r = run_point(run, raw_dir=tmp_path / "go").result
    assert r.status == "ok", r.failure
    assert r.idlest_worker_cpu_share is None
