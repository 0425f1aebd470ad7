"""The claims check on the fixture: the verdicts it must give, and what makes them flip."""
import pandas as pd
import pytest

from harness.analysis import claims, frame

EXPECTED = {1: claims.SUPPORTED, 2: claims.SUPPORTED, 3: claims.DEPENDS, 4: claims.SUPPORTED,
            5: claims.DEPENDS}


def test_fixture_verdicts(runs):
    got = {v.number: v.verdict for v in claims.check(runs)}
    assert got == EXPECTED


def test_each_verdict_names_rows_ratio_and_flip(runs):
    for v in claims.check(runs):
        assert v.rows and v.run_ids, v.number
        assert v.ratio and v.ratio != "–", v.number
        assert "flip" in v.flips.lower() or "only with" in v.flips.lower(), v.number
        assert set(v.run_ids) <= set(runs["run_id"])


def test_claim_numbers(runs):
    v = {v.number: v for v in claims.check(runs)}
    assert "node-cluster" in v[2].ratio and "2.0x" in v[2].ratio
    assert "pyserver-async" in v[3].why and "pyserver-forked" in v[3].why
    assert "lower bound" in v[5].ratio          # generator-bound /hello runs are not the server's number


def test_python_fastest_everywhere_flips_claim_5(runs):
    boosted = runs.copy()
    boosted.loc[boosted["runtime"] == "python", "rps"] *= 100
    v5 = claims.check(boosted)[4]
    assert v5.verdict == claims.NOT_SUPPORTED


def test_go_slow_on_io_makes_claim_1_depend(runs):
    slow = runs.copy()
    slow.loc[(slow["runtime"] == "go") & (slow["workload"] == "io"), "rps"] *= 0.5
    assert claims.check(slow)[0].verdict == claims.DEPENDS


def test_missing_rows_are_not_tested_and_say_which(runs):
    no_cpu = frame.select(runs, workload=["hello", "io"])
    got = {v.number: v for v in claims.check(no_cpu)}
    assert got[1].verdict == claims.NOT_TESTED and "cpu" in got[1].why
    assert got[2].verdict == claims.NOT_TESTED
    no_node = runs[runs["runtime"] != "node"]
    assert claims.check(no_node)[1].verdict == claims.NOT_TESTED


def test_markdown_table(runs):
    table = claims.markdown_table(claims.check(runs))
    assert table.count("\n") == 6
    assert "**depends**" in table


def test_docker_rows_and_other_placements_do_not_change_the_verdicts(runs):
    """A campaign may also hold the same points in Docker, CPU work on fewer cores and
    CPU work with N calibrated per runtime: claims compare native rows, the most cores,
    and the /cpu target every runtime shares."""
    docker = runs.assign(launcher="docker", rps=runs["rps"] * 0.01,
                         run_id=runs["run_id"] + ".docker")
    cpu = runs[runs["workload"] == "cpu"]
    one_core = cpu.assign(cores=1, server_cpus="1", rps=cpu["rps"] * 0.01,
                          run_id=cpu["run_id"] + ".s1")
    calibrated = cpu.assign(target=cpu["runtime"].map({"python": "/cpu?n=30000", "go": "/cpu?n=3000000",
                                                       "node": "/cpu?n=3500000"}),
                            rps=cpu["rps"] * 0.01, run_id=cpu["run_id"] + ".svc")
    mixed = pd.concat([runs, docker, one_core, calibrated], ignore_index=True)
    got = claims.check(mixed)
    assert {v.number: v.verdict for v in got} == EXPECTED
    used = {i for v in got for i in v.run_ids}
    assert used <= set(runs["run_id"])


def test_cpu_calibrated_per_runtime_compares_models_not_speed(runs):
    """With /cpu's N calibrated per runtime (one target each, the quick sweep's view), the
    model claims still read the CPU rows, and claim 5 leaves CPU out as raw speed."""
    n = {"python": "/cpu?n=30000", "go": "/cpu?n=3000000", "node": "/cpu?n=3500000"}
    calibrated = runs.assign(target=runs["target"].where(runs["workload"] != "cpu",
                                                         runs["runtime"].map(n)))
    got = {v.number: v for v in claims.check(calibrated)}
    assert got[1].verdict != claims.NOT_TESTED and got[2].verdict != claims.NOT_TESTED
    assert "cpu left out" in got[5].why and "(hello)" in got[5].why


def test_processes_that_leave_cores_idle_are_named(runs):
    """Several processes on CPU work that kept only one core busy: claim 3 says so."""
    idle = runs.copy()
    sel = (idle["server"] == "pyserver-forked") & (idle["workload"] == "cpu")
    idle.loc[sel, "core_utilisation"] = 0.5                        # one core of two
    why = claims.check(idle)[2].why
    assert "pyserver-forked (2 processes) kept 50% of its 2 cores busy" in why, why
    assert "pyserver-forked (2 processes) kept" not in claims.check(runs)[2].why
    assert "unevenly" in why
