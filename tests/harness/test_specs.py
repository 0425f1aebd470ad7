"""harness/specs.py: the values resolved once (pure)."""
from __future__ import annotations

import os

import pytest

from harness import catalog
from harness.specs import LoadSpec, Placement, PlacementError, RunSpec


@pytest.mark.parametrize("text, cpus", [
    ("1", {1}), ("0-1", {0, 1}), ("0,2-3", {0, 2, 3}),
    ("0-2,1", {0, 1, 2}),           # overlapping ranges count once
    (" 0 , 3 ", {0, 3}),
])
def test_placement_parses_taskset_lists(text, cpus):
    placement = Placement.parse(text)
    assert placement.cpus == cpus and placement.count == len(cpus)
    assert placement.taskset == text.strip() == str(placement)


def test_placement_unpinned_is_every_usable_cpu():
    for value in (None, ""):
        placement = Placement.parse(value)
        assert placement.cpus == set(os.sched_getaffinity(0)) and placement.taskset is None


def test_placement_of_numbers_and_of_itself():
    placement = Placement.parse([2, 1, 1])
    assert (placement.text, placement.count) == ("1,2", 2)
    assert Placement.parse(placement) is placement


@pytest.mark.parametrize("text", ["all", "1-", "-1", "2-1", "1,,2", "0x1", "1.5"])
def test_placement_bad_input_is_a_clear_error(text):
    with pytest.raises(PlacementError, match=r"is not a CPU list such as \"1\""):
        Placement.parse(text)


def test_run_spec_resolves_its_placements_once_and_rejects_bad_ones():
    run = RunSpec(campaign="c", run_id="r", server="go", workload="hello",
                  load=LoadSpec(driver="wrk", connections=1), server_cpus="0-1", load_cpus=None)
    assert run.server_placement.count == 2 and run.load_placement.taskset is None
    with pytest.raises(PlacementError):
        RunSpec(campaign="c", run_id="r", server="go", workload="hello",
                load=LoadSpec(driver="wrk", connections=1), server_cpus="one")


def test_workload_spec_carries_its_known_costs():
    io = catalog.workload("io", io_ms=20)
    assert (io.target, io.wait_s, io.cpu_service_s, io.calibrated) == ("/io?ms=20", 0.02, None, False)
    cpu = catalog.workload("cpu", cpu_n=1000, cpu_service_s=0.005, calibrated=True)
    assert (cpu.target, cpu.cpu_n, cpu.cpu_service_s, cpu.calibrated) == ("/cpu?n=1000", 1000, 0.005, True)
    assert catalog.workload("echo").method == "POST"
    with pytest.raises(ValueError, match="unknown workload 'sleepy'"):
        catalog.workload("sleepy")
