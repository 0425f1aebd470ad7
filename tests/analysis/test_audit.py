"""The audit's invariants on fabricated rows: clean rows pass, and each invariant catches
the one thing it forbids (so removing any invariant fails its test)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from harness import store
from harness.analysis import audit, frame
from harness.analysis.invariants import INVARIANTS

from arena_rows import result


def clean(repeat: int, **changes) -> dict[str, str]:
    """A go /io?ms=50 closed-loop run at c64 that breaks no invariant: 1,270 req/s for 4 s,
    99% of its Little's-law limit of 64 / 50 ms, 1 s of server CPU."""
    rps = 1270.0 + 5 * (repeat - 2)
    base = dict(run_id=f"go.io-ms50.wrk.c64.r{repeat}", repeat=repeat, order=repeat, workload="io",
                target="/io?ms=50", connections=64, duration_s=4.0, requests=int(rps * 4), rps=rps,
                latency_p50_ms=50.3, latency_p90_ms=50.8, latency_p99_ms=52.0, latency_p999_ms=55.0,
                latency_max_ms=60.0, server_cpu_s=1.0,
                generator_cpu_s=0.8, generator_cpu_share=0.2, limit_rps=1280.0,
                limit_kind="littles-law", efficiency=rps / 1280.0, bottleneck="limit")
    row = {**base, **changes}
    if "cpu_us_per_request" not in changes:     # the cost the stored CPU and requests give
        row["cpu_us_per_request"] = row["server_cpu_s"] * 1e6 / row["requests"] if row["requests"] else None
    return store.to_row(result(**row))


def rows(**changes) -> list[dict[str, str]]:
    return [clean(i, **changes) for i in (1, 2, 3)]


def names(cells: list[dict[str, str]]) -> set[str]:
    return {v.invariant for v in audit.check(frame.from_rows(cells))}


def test_clean_rows_break_nothing():
    assert names(rows()) == set()


def _first(changes: dict) -> list[dict[str, str]]:
    """Three clean repeats, the first changed."""
    out = rows()
    out[0] = clean(1, **changes)
    return out


def _python(server: str, **read_back) -> dict:
    """A Python server's row fields, with what its run read back in its parallelism JSON."""
    return dict(server=server, runtime="python", model="threads",
                parallelism=json.dumps({"processes": 1, **read_back}))


# Each invariant and rows that break it (and, where other invariants fire too, at least it).
BREAKS = {
    "negative-figure": lambda: rows(errors_timeout=-1),
    "share-out-of-range": lambda: rows(foreign_cpu_share=1.5, bottleneck="noisy"),
    "unknown-label": lambda: rows(status="okay"),
    "duplicate-run-id": lambda: [clean(1), clean(1), clean(3)],
    "failed-with-figures": lambda: rows(status="failed", failure="server exited with code 1",
                                        bottleneck="", latency_p50_ms=0.9, latency_p90_ms=1.0),
    "measured-without-verdict": lambda: rows(bottleneck=""),
    "rate-without-requests": lambda: rows(requests=0),
    "percentiles-out-of-order": lambda: rows(latency_p50_ms=58.0, latency_p90_ms=51.0),
    "latency-below-wait": lambda: rows(latency_p50_ms=0.9, latency_p90_ms=1.0),
    "duration-mismatch": lambda: rows(requests=2540),
    "cpu-beyond-cores": lambda: rows(server_cpu_s=5.0),
    "efficiency-arithmetic": lambda: rows(efficiency=0.5, bottleneck="server"),
    "cost-arithmetic": lambda: rows(cpu_us_per_request=1.0),
    "above-limit": lambda: rows(limit_rps=20.0, efficiency=1270 / 20.0, threads=1),
    "verdict-contradicts-figures": lambda: rows(bottleneck="server"),
    "helper-counted-as-noise": lambda: rows(workload="upstream", target="/upstream?ms=50",   # schema 1:
                                            foreign_cpu_share=0.2, bottleneck="noisy",      # the helper's
                                            helper_cpu_s=None),                             # CPU unrecorded
    "generator-on-server-cores": lambda: rows(server_cpus="0-1", load_cpus="0", generator_cpu_s=2.0),
    "cost-from-ticks": lambda: rows(server_cpu_s=0.15),
    # pyserver forked before per-worker sockets: 2 workers, 16 connections, one worker idle
    "idle-worker": lambda: rows(workload="cpu", target="/cpu?n=45528", connections=16, workers=2,
                                idlest_worker_cpu_share=0.01),
    "locust-as-endpoint": lambda: rows(driver="locust", workload="hello", target="/hello",
                                       limit_kind="generator", latency_p50_ms=51.0),
    "unserved-connections": lambda: rows(connections=1024),
    "load-mode": lambda: rows(driver="vegeta", latency_kind="from-intended-time"),
    "open-loop-latency": lambda: rows(driver="vegeta", connections=None, rate=1280.0, latency_kind="raw"),
    # a free-threaded entry that ran with the GIL back on (an extension not marked safe)
    "gil-state": lambda: rows(**_python("pyserver-threaded-ft", gil_enabled=True, python_build="free-threaded")),
    "too-few-clean-repeats": lambda: _first(dict(foreign_cpu_share=0.2, bottleneck="noisy")),
    # three repeats far apart (robust CV 23%)
    "unstable-point": lambda: [clean(1, rps=900.0, requests=3600, efficiency=900 / 1280, bottleneck="server"),
                               clean(2, rps=1100.0, requests=4400, efficiency=1100 / 1280, bottleneck="server"),
                               clean(3)],
    "errors-only": lambda: rows(errors_read=5080, bottleneck="errors"),
}


def test_every_invariant_has_a_breaking_case():
    assert set(BREAKS) == {i.name for i in INVARIANTS}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_invariant_catches_what_it_forbids(name):
    found = names(BREAKS[name]())
    assert name in found, f"{name} missed; found {sorted(found)}"


def test_an_idle_worker_is_flagged_only_where_every_worker_had_work():
    cpu = dict(workload="cpu", target="/cpu?n=45528", workers=2)
    assert "idle-worker" not in names(rows(**cpu, connections=16, idlest_worker_cpu_share=0.45))
    assert "idle-worker" not in names(rows(**cpu, connections=1, idlest_worker_cpu_share=0.0))
    assert "idle-worker" in names(rows(**cpu, connections=16, idlest_worker_cpu_share=0.2))


def test_an_idle_worker_named_by_the_verdict_passes():
    idle = dict(workload="cpu", target="/cpu?n=45528", workers=2, connections=16, idlest_worker_cpu_share=0.01)
    # the verdict says imbalance: the row states what happened; its point has no clean repeat
    found = names(rows(**idle, bottleneck="imbalance"))
    assert not found & {"idle-worker", "verdict-contradicts-figures"}
    assert "too-few-clean-repeats" in found
    # a balanced row called imbalance contradicts its figures
    assert "verdict-contradicts-figures" in names(_first(dict(bottleneck="imbalance")))


def test_a_point_bound_by_the_generator_in_every_repeat_is_a_lower_bound_not_a_gap():
    assert "too-few-clean-repeats" not in names(rows(bottleneck="generator", generator_cpu_share=0.97))
    # one generator-bound repeat beside clean ones is still a missing repeat
    assert "too-few-clean-repeats" in names(_first(dict(bottleneck="generator", generator_cpu_share=0.97)))


def test_one_stray_repeat_does_not_make_a_point_unstable():
    # the median's spread: four repeats agree, one is 30% off (the CV would be 13%)
    cells = [clean(i) for i in (1, 2, 3, 4)] + [clean(5, rps=900.0, requests=3600, efficiency=900 / 1280,
                                                       bottleneck="server")]
    assert "unstable-point" not in names(cells)


def test_a_row_that_says_its_latency_is_of_the_served_alone_passes():
    assert "unserved-connections" not in names(rows(connections=1024, latency_kind="served-only"))


def test_a_gil_state_the_catalog_expects_passes():
    assert names(rows(**_python("pyserver-threaded-ft", gil_enabled=False, python_build="free-threaded"))) == set()
    # the same interpreter with PYTHON_GIL=1: the GIL on is what that entry expects
    assert names(rows(**_python("pyserver-threaded-ft-gil", gil_enabled=True, python_build="free-threaded"))) \
        == set()
    assert names(rows(**_python("pyserver-threaded", gil_enabled=True, python_build="default"))) == set()


def test_gil_state_skips_rows_without_the_fields_or_an_entry():
    assert names(rows(**_python("pyserver-threaded-ft"))) == set()                  # an old campaign
    assert names(rows(**_python("pyserver-threaded-ft", gil_enabled=None, python_build=None))) == set()
    assert names(rows(**_python("gone-ft", gil_enabled=True, python_build="free-threaded"))) == set()
    assert names(rows(parallelism=json.dumps({"gil_enabled": None, "python_build": None}))) == set()  # go


def test_gil_state_names_what_was_read_back_and_expected():
    cells = rows(**_python("waitress-ft", gil_enabled=True, python_build="default"))
    v = next(v for v in audit.check(frame.from_rows(cells)) if v.invariant == "gil-state")
    assert "gil_enabled true where its catalog entry expects false" in v.reason
    assert 'python_build "default" where its catalog entry expects "free-threaded"' in v.reason


def test_violation_names_its_runs_and_figures():
    v = next(v for v in audit.check(frame.from_rows(BREAKS["above-limit"]()))
             if v.invariant == "above-limit")
    assert v.run_ids == ("go.io-ms50.wrk.c64.r1", "go.io-ms50.wrk.c64.r2", "go.io-ms50.wrk.c64.r3")
    assert "littles-law limit of 20.0 req/s" in v.reasons[0] and "catalog sizing 1 x 1" in v.reasons[0]
    assert v.point == "go io /io?ms=50 wrk c64"


def test_open_loop_points_that_only_erred_are_not_short_of_repeats():
    """Overload past capacity is a finding (the error rate), not a point missing repeats."""
    over = rows(driver="vegeta", connections=None, rate=4000.0, latency_kind="from-intended-time",
                errors_timeout=2000, bottleneck="errors", limit_rps=1280.0, limit_kind="littles-law")
    found = names(over + rows())
    assert "too-few-clean-repeats" not in found and "errors-only" not in found


# --- notes.toml ------------------------------------------------------------------------------

def test_a_note_explains_a_violation_and_the_audit_passes():
    runs = frame.from_rows(BREAKS["cost-from-ticks"]())
    ids = tuple(runs["run_id"])
    assert not audit.audit_runs(runs).ok
    note = store.Note(ids, "measured before CPU was read at ns resolution", "cost-from-ticks")
    explained = audit.audit_runs(runs, [note])
    assert explained.ok and explained.explained[0].explained.startswith("measured before")
    partial = audit.audit_runs(runs, [store.Note(ids[:2], "two of three")])
    assert not partial.ok, "a note must cover every run of the violation"
    other = audit.audit_runs(runs, [store.Note(ids, "wrong one", "above-limit")])
    assert not other.ok, "a note for another invariant explains nothing here"


def test_a_note_must_name_a_known_invariant_and_stored_runs():
    runs = frame.from_rows(rows())
    with pytest.raises(frame.CampaignError, match="unknown invariant 'no-such'"):
        audit.audit_runs(runs, [store.Note(("go.io-ms50.wrk.c64.r1",), "x", "no-such")])
    with pytest.raises(frame.CampaignError, match="no run 'gone.r1'"):
        audit.audit_runs(runs, [store.Note(("gone.r1",), "x")])


def test_summary_counts_by_invariant():
    result = audit.audit_runs(frame.from_rows(BREAKS["cost-from-ticks"]() + BREAKS["errors-only"]()
                                              [:0]), name="t")
    assert result.summary().startswith("failed: 3 runs, 1 points; 1 unexplained violation(s) (cost-from-ticks 1)")
    assert audit.audit_runs(frame.from_rows(rows())).summary().startswith("passed: 3 runs, 1 points")
    assert isinstance(pd.DataFrame([v.__dict__ for v in result.violations]), pd.DataFrame)


def test_the_audit_holds_cost_to_the_floor_rows_are_built_with():
    """One floor: a cost the harness states (row.cost_us_per_request) never violates the
    audit's cost-from-ticks, and one just under the floor is not stated (with the floors
    0.1 s and 0.4 s of two modules, a 0.2 s row had a cost the audit called wrong)."""
    from harness import row
    from harness.measure import resources
    floor = resources.COST_MIN_CPU_S
    assert row.cost_us_per_request(floor * 0.99, 1000) is None
    at_floor = rows(server_cpu_s=floor)
    assert all(r["cpu_us_per_request"] for r in at_floor)
    assert "cost-from-ticks" not in names(at_floor)
    assert "cost-from-ticks" in names(rows(server_cpu_s=floor * 0.99))
