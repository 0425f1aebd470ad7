"""Automatic reruns (harness/plan/reruns.py, harness/sweep.py): a point short of clean or
stable repeats gets extra runs, up to the sweep's max_reruns, each stored as its own row
with rerun_of and rerun_reason; the analysis and the audit count them as repeats; a
resumed sweep counts them against the bound.

Pure logic on fabricated rows and the loop with a scripted runner; the real fixture server
whose first run dies is in test_sweep.py.
"""
from __future__ import annotations

import io
import os
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

from arena_rows import result

from harness import store
from harness import sweep as sweep_mod
from harness.analysis import audit, frame
from harness.plan import budget, plan, reruns


def _sweep(tmp_path: Path, body: str, *, repeats: int = 3, max_reruns: int = 3) -> plan.Sweep:
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent(f"""
        campaign = "rr"
        results = "{tmp_path / 'results'}"
        servers = ["go"]
        repeats = {repeats}
        max_reruns = {max_reruns}
        duration_s = 1
        warmup_s = 0
    """) + textwrap.dedent(body))
    return plan.load(path)


HELLO = """
    [[points]]
    workload = "hello"
    connections = [8]
"""


def _rows(*results) -> list[dict]:
    return [store.to_row(r) for r in results]


def _ok(run_id: str, rps: float = 100.0, **changes):
    repeat = int(run_id.rsplit(".r", 1)[1])
    return result(**{"run_id": run_id, "repeat": repeat, "rps": rps, "requests": int(rps or 0), **changes})


FAILED = dict(status="failed", failure="exited with code 3", rps=None, latency_p50_ms=None,
              latency_p90_ms=None, latency_p99_ms=None, latency_p999_ms=None, latency_max_ms=None,
              bottleneck="", requests=0)


def _next(sw, rows):
    return reruns.next_round(plan.plan(sw), rows, repeats=sw.repeats, max_reruns=sw.max_reruns)


def test_a_failed_or_noisy_run_gets_a_rerun_with_the_next_repeat(tmp_path):
    sw = _sweep(tmp_path, HELLO)
    rows = _rows(_ok("go.hello.wrk.c8.r1"), _ok("go.hello.wrk.c8.r2", bottleneck="noisy",
                                                 foreign_cpu_share=0.3), _ok("go.hello.wrk.c8.r3"))
    (rerun,) = _next(sw, rows)
    assert (rerun.run.run_id, rerun.run.repeat, rerun.of) == ("go.hello.wrk.c8.r4", 4, "go.hello.wrk.c8.r2")
    assert rerun.reason.startswith("too-few-clean-repeats: 2 clean of 3 needed (noisy")
    rows[1] = store.to_row(result(run_id="go.hello.wrk.c8.r2", repeat=2, **FAILED))
    (rerun,) = _next(sw, rows)
    assert rerun.of == "go.hello.wrk.c8.r2" and "failed (exited with code 3)" in rerun.reason


def test_what_a_rerun_cannot_change_is_not_rerun(tmp_path):
    sw = _sweep(tmp_path, HELLO)
    ids = [f"go.hello.wrk.c8.r{i}" for i in (1, 2, 3)]
    generator = _rows(*(_ok(i, bottleneck="generator", generator_cpu_share=0.99) for i in ids))
    erring = _rows(*(_ok(i, bottleneck="errors", errors_read=500) for i in ids))
    unverified = _rows(*(result(run_id=i, **{**FAILED, "status": "not-verified"}) for i in ids))
    clean = _rows(*(_ok(i, rps) for i, rps in zip(ids, (100, 101, 99))))
    for rows in (generator, erring, unverified, clean):
        assert _next(sw, rows) == []
    # generator-bound beside clean runs: the flag comes and goes, so a rerun may help
    mixed = clean[:2] + generator[2:]
    assert [r.of for r in _next(sw, mixed)] == [ids[2]]


def test_an_unstable_point_reruns_its_outlier_and_the_bound_holds(tmp_path):
    sw = _sweep(tmp_path, HELLO, max_reruns=2)
    rows = _rows(_ok("go.hello.wrk.c8.r1", 100), _ok("go.hello.wrk.c8.r2", 160), _ok("go.hello.wrk.c8.r3", 125))
    (rerun,) = _next(sw, rows)
    assert rerun.of == "go.hello.wrk.c8.r2" and rerun.reason.startswith("unstable-point:")
    assert "robust coefficient of variation" in rerun.reason
    more = rows + _rows(*(replace(_ok(f"go.hello.wrk.c8.r{i}", 160), rerun_of="go.hello.wrk.c8.r2",
                                  rerun_reason="unstable-point") for i in (4, 5)))
    assert _next(sw, more) == []                    # two reruns made: the bound of 2 is used
    assert _next(replace(sw, max_reruns=0), rows) == []


def test_one_stray_repeat_beside_agreeing_ones_is_not_rerun(tmp_path):
    # the median's spread (robust CV 3%), not the mean's (CV 28%): the median stands
    sw = _sweep(tmp_path, HELLO)
    rows = _rows(_ok("go.hello.wrk.c8.r1", 100), _ok("go.hello.wrk.c8.r2", 160), _ok("go.hello.wrk.c8.r3", 102))
    assert _next(sw, rows) == []


def test_an_imbalanced_run_is_rerun(tmp_path):
    sw = _sweep(tmp_path, HELLO)
    ids = [f"go.hello.wrk.c8.r{i}" for i in (1, 2, 3)]
    rows = _rows(_ok(ids[0], 100), _ok(ids[1], 101), _ok(ids[2], 60, bottleneck="imbalance"))
    (rerun,) = _next(sw, rows)
    assert rerun.of == ids[2] and "imbalance" in rerun.reason


def test_fewer_repeats_need_fewer_clean_ones(tmp_path):
    sw = _sweep(tmp_path, HELLO, repeats=1)
    assert _next(sw, _rows(_ok("go.hello.wrk.c8.r1"))) == []
    (rerun,) = _next(sw, _rows(result(run_id="go.hello.wrk.c8.r1", **FAILED)))
    assert rerun.run.run_id == "go.hello.wrk.c8.r2" and "0 clean of 1 needed" in rerun.reason


def test_a_rate_fraction_rerun_keeps_the_rate_its_point_ran_at(tmp_path):
    sw = _sweep(tmp_path, HELLO + """
    [[points]]
    workload = "hello"
    driver = "vegeta"
    rate_fractions = [0.5]
    """, repeats=1)
    closed = _ok("go.hello.wrk.c8.r1", 1000)
    frac = _ok("go.hello.vegeta.f0.5.r1", 480, driver="vegeta", connections=None, rate=500.0,
               bottleneck="noisy", foreign_cpu_share=0.3)
    (rerun,) = _next(sw, _rows(closed, frac))
    assert rerun.run.run_id == "go.hello.vegeta.f0.5.r2"
    assert (rerun.run.rate_fraction, rerun.run.load.rate) == (0.5, 500.0)
    never = _ok("go.hello.vegeta.f0.5.r1", **{**FAILED, "driver": "vegeta", "connections": None})
    assert _next(sw, _rows(closed, never)) == []    # no saturation was ever measured for it


@dataclass
class _Measured:
    result: object


class _Script:
    """A runner that plays given verdicts per run id (default: clean), recording the calls."""

    def __init__(self, verdicts: dict[str, dict]):
        self.verdicts, self.calls = verdicts, []

    def __call__(self, run, *, raw_dir, spec):
        self.calls.append(run.run_id)
        changes = self.verdicts.get(run.run_id, self.verdicts.get(plan.point_of(run.run_id), {}))
        return _Measured(_ok(run.run_id, campaign=run.campaign, order=run.order,
                             connections=run.load.connections, **changes))


def test_the_sweep_reruns_stores_why_and_a_resume_counts_what_is_stored(tmp_path):
    sw = _sweep(tmp_path, """
    [[points]]
    workload = "hello"
    connections = [8, 16]
    """, max_reruns=2)
    noisy = dict(bottleneck="noisy", foreign_cpu_share=0.3)
    script = _Script({"go.hello.wrk.c8.r2": noisy, "go.hello.wrk.c16": FAILED})
    camp = sweep_mod.run_sweep(sw, out=open(os.devnull, "w"), runner=script)
    rows = {r["run_id"]: r for r in camp.rows()}
    # c8: one noisy repeat, one rerun fixes it; c16 fails every time: two reruns, still flagged
    assert rows["go.hello.wrk.c8.r4"]["rerun_of"] == "go.hello.wrk.c8.r2"
    assert "noisy" in rows["go.hello.wrk.c8.r4"]["rerun_reason"]
    assert [i for i in rows if i.startswith("go.hello.wrk.c16")] == [f"go.hello.wrk.c16.r{i}" for i in range(1, 6)]
    assert rows["go.hello.wrk.c16.r5"]["rerun_of"] == "go.hello.wrk.c16.r2"
    assert "go.hello.wrk.c8.r5" not in rows and all(rows[f"go.hello.wrk.c8.r{i}"]["rerun_of"] == "" for i in (1, 2, 3))
    assert [int(r["order"]) for r in camp.rows()] == list(range(1, len(rows) + 1))
    # the audit counts the rerun as a repeat: c8 passes, c16 stays flagged
    found = {v.point for v in audit.check(frame.from_rows(camp.rows())) if v.invariant == "too-few-clean-repeats"}
    assert found == {"go hello /hello wrk c16"}
    script.calls.clear()
    sweep_mod.run_sweep(sw, out=open(os.devnull, "w"), runner=script)
    assert script.calls == []                       # everything planned and every rerun is stored


def test_a_resume_mid_reruns_goes_on_from_the_stored_ones(tmp_path):
    sw = _sweep(tmp_path, HELLO, max_reruns=3)
    camp = store.Campaign(sw.results, sw.campaign)
    camp.append(_ok("go.hello.wrk.c8.r1", campaign="rr"))
    camp.append(result(run_id="go.hello.wrk.c8.r2", repeat=2, campaign="rr", **FAILED))
    camp.append(_ok("go.hello.wrk.c8.r3", campaign="rr"))
    camp.append(replace(result(run_id="go.hello.wrk.c8.r4", repeat=4, campaign="rr", **FAILED),
                        rerun_of="go.hello.wrk.c8.r2", rerun_reason="too-few-clean-repeats"))
    script = _Script({})
    sweep_mod.run_sweep(sw, out=open(os.devnull, "w"), runner=script)
    assert script.calls == ["go.hello.wrk.c8.r5"]
    assert store.read_rows(camp.runs_path)[-1]["rerun_of"] == "go.hello.wrk.c8.r4"


def test_the_dry_run_estimates_the_time_and_the_rerun_bound(tmp_path):
    sw = _sweep(tmp_path, HELLO, repeats=2, max_reruns=1)
    out = io.StringIO()
    sweep_mod.run_sweep(sw, dry_run=True, out=out)
    each = 0 + 1 + budget.RUN_OVERHEAD_S               # warm-up, duration, start and stop
    assert f"estimate: 2 runs, about {2 * each:.0f} s" in out.getvalue()
    assert "reruns: up to 1 per point short of clean or stable repeats, 1 points: at most 1 runs" in out.getvalue()
    assert not (sw.results / sw.campaign).exists()     # a dry run writes nothing
