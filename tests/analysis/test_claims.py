"""The claims check: the verdicts it gives on the fixture, what makes them flip, how an
interval across a claim's line makes it inconclusive, and the two lines of claims 3 and 4
(the article's stacks, the best server with the plain app), on fabricated rows and on
every committed campaign."""
from pathlib import Path

import pandas as pd
import pytest

from arena_rows import result
from harness import store
from harness.analysis import claims, frame, stats
from harness.analysis.claims.article import BEST_PLAIN, FREE_THREADED, STACKS, lines
from harness.analysis.claims.verdict import FAILS, HOLDS, UNCLEAR, Check
from harness.analysis.thresholds import TIE_BAND

RESULTS = Path(__file__).resolve().parents[2] / "results"

# the verdict lines in order: 1, 2, 3 (stacks, plain app, free-threaded build), 4 (stacks,
# plain app), 5
EXPECTED = [claims.SUPPORTED, claims.SUPPORTED, claims.NOT_TESTED, claims.DEPENDS, claims.NOT_TESTED,
            claims.NOT_TESTED, claims.SUPPORTED, claims.DEPENDS]


def by_line(verdicts):
    """{(number, "stacks" | "plain" | "ft" | ""): verdict}"""
    kind = lambda v: ("stacks" if v.tested_on.startswith(STACKS) else "plain" if v.tested_on.startswith(BEST_PLAIN)  # noqa: E731
                      else "ft" if v.tested_on == FREE_THREADED else "")
    return {(v.number, kind(v)): v for v in verdicts}


# --- fabricated rows --------------------------------------------------------------------------

TARGETS = {"io": "/io?ms=50", "hello": "/hello", "cpu": "/cpu?n=1000"}
KINDS = {"go": ("go", "goroutines"), "node": ("node", "event-loop")}


def point(server, workload, rpss, *, model="threaded", workers=1, threads=1, connections=64,
          cores=1, busy=0.5) -> list[dict]:
    """One point's repeats as stored rows: ``rpss`` the throughput of each repeat."""
    runtime, model = KINDS.get(server, ("python", model))
    return [store.to_row(result(
        run_id=f"{server}.{workload}.c{connections}.r{i}", repeat=i, server=server, runtime=runtime,
        model=model, workers=workers, threads=threads, workload=workload, target=TARGETS[workload],
        connections=connections, rps=rps, requests=int(rps * 10), duration_s=10.0,
        server_cpus="0" if cores == 1 else "0-1", server_cpu_s=busy * 10 * cores, bottleneck="server"))
        for i, rps in enumerate(rpss, 1)]


def campaign(*points) -> pd.DataFrame:
    return frame.from_rows([row for p in points for row in p], "fabricated")


def raw_speed(python_rps):
    """Go, Node and one Python server on /hello; Node is the slower rival at 10,000 req/s."""
    return campaign(point("go", "hello", [50_000, 50_500, 49_500]),
                    point("node", "hello", [10_000, 10_100, 9_900]),
                    point("granian", "hello", python_rps))


def slowest(runs):
    return by_line(claims.check(runs))[(5, "")]


# --- an interval across the line: inconclusive, with its numbers ------------------------------

def test_a_ratio_whose_interval_crosses_the_tie_band_is_inconclusive():
    v = slowest(raw_speed([6_000, 8_500, 11_000]))          # median 0.85x, repeats 0.60x-1.11x
    assert v.verdict == claims.INCONCLUSIVE
    assert v.why.startswith("Inconclusive: hello: granian / node: 0.85x, 95% CI ")
    assert f"tie band {TIE_BAND[0]:.2f}–{TIE_BAND[1]:.2f}" in v.why and "not clear of 0.91x" in v.why
    assert "95% CI" in v.ratio


def test_clearly_separated_ratios_are_decided():
    assert slowest(raw_speed([8_400, 8_500, 8_600])).verdict == claims.SUPPORTED       # 0.85x, tight
    assert slowest(raw_speed([14_800, 15_000, 15_200])).verdict == claims.NOT_SUPPORTED  # 1.5x
    assert slowest(raw_speed([9_950, 10_000, 10_050])).verdict == claims.NOT_SUPPORTED  # a tie


def test_one_repeat_has_no_interval_and_decides_nothing():
    v = slowest(raw_speed([8_500]))
    assert v.verdict == claims.INCONCLUSIVE and "fewer than 2 repeats" in v.ratio


def test_check_outcomes_on_each_side_of_its_lines():
    at_least = lambda lo, hi: Check("a / b", (lo + hi) / 2, (lo, hi), 0.9, "band").outcome  # noqa: E731
    assert (at_least(0.95, 1.2), at_least(0.5, 0.8), at_least(0.8, 1.0)) == (HOLDS, FAILS, UNCLEAR)
    # one at a time up to 1.2, several above 2: the gap between decides nothing
    flight = lambda lo, hi: Check("in flight", lo, (lo, hi), 1.2, "", above=False,  # noqa: E731
                                  fails_at=2.0).outcome
    assert (flight(0.9, 1.0), flight(3, 4), flight(1.3, 1.8), flight(1.0, 1.5)) == (HOLDS, FAILS, UNCLEAR, UNCLEAR)


def test_ratio_interval_resamples_both_sides():
    lo, hi = stats.ratio_ci([90, 100, 110], [45, 50, 55])
    assert lo < 2.0 < hi and lo >= 90 / 55 and hi <= 110 / 45
    assert stats.ratio_ci([90, 100, 110], [50]) == pytest.approx((1.8, 2.2))   # a constant side
    assert stats.ratio_ci([100], [50]) is None


# --- claims 3 and 4: the article's stacks and the best server with the plain app --------------

def stacks_and_plain():
    """On I/O (c64, 50 ms: a limit of 1,280 req/s): gunicorn-sync-django, 3 sync processes
    serving one request each, and granian with the plain app at the limit, beside Node."""
    return campaign(point("gunicorn-sync-django", "io", [57, 58, 59], model="forked", workers=3),
                    point("granian", "io", [1_240, 1_250, 1_260], workers=1),
                    point("node", "io", [1_245, 1_255, 1_250]))


def test_the_stacks_line_and_the_plain_app_line_differ():
    got = by_line(claims.check(stacks_and_plain()))
    assert got[(3, "stacks")].verdict == claims.SUPPORTED          # 0.97 in flight per process
    assert got[(3, "plain")].verdict == claims.NOT_SUPPORTED       # one process, 62 in flight
    assert got[(4, "stacks")].verdict == claims.NOT_SUPPORTED      # 5% of the limit
    assert got[(4, "plain")].verdict == claims.SUPPORTED           # 98%, a tie with Node
    assert "gunicorn-sync-django" in got[(3, "stacks")].ratio and "granian" in got[(3, "plain")].tested_on
    missing = got[(4, "stacks")].why
    assert "Not in this campaign: " in missing and "uwsgi-flask" in missing and "uwsgi-django" in missing
    assert "gunicorn-sync-django," not in missing


def test_stacks_with_sync_and_threaded_workers_depend_and_name_both():
    """uWSGI with threads keeps several requests in flight per process, gunicorn sync one."""
    runs = campaign(point("gunicorn-sync-django", "io", [57, 58, 59], model="forked", workers=3),
                    point("uwsgi-flask", "io", [1_200, 1_220, 1_240], workers=4, threads=8))
    v = by_line(claims.check(runs))[(3, "stacks")]
    assert v.verdict == claims.DEPENDS
    assert "gunicorn-sync-django (3x1) keeps 0.97 in flight" in v.why
    assert "uwsgi-flask (4x8) keeps 15 in flight" in v.why


def test_without_stacks_rows_the_stacks_line_is_not_tested_and_names_them():
    runs = campaign(point("granian", "io", [1_240, 1_250, 1_260]), point("node", "io", [1_250] * 3))
    got = by_line(claims.check(runs))
    for n in (3, 4):
        assert got[(n, "stacks")].verdict == claims.NOT_TESTED
        assert "uwsgi-flask" in got[(n, "stacks")].why and "gunicorn-gevent-django" in got[(n, "stacks")].why
        assert got[(n, "plain")].verdict != claims.NOT_TESTED


def test_the_stacks_are_the_catalogs_uwsgi_and_gunicorn_framework_variants():
    found = lines()
    assert {"uwsgi-flask", "uwsgi-django", "gunicorn-sync-flask", "gunicorn-sync-django",
            "gunicorn-gthread-django", "gunicorn-gevent-flask"} <= set(found.stacks)
    assert not [s for s in found.stacks if "-ft" in s or "pyserver" in s or "granian" in s]
    assert {"granian", "pyserver-async", "uwsgi", "pyserver-threaded-ft-gil"} <= found.plain
    assert not found.plain & set(found.stacks)


# --- the fixture campaign ------------------------------------------------------------------------

def test_fixture_verdicts(runs):
    assert [v.verdict for v in claims.check(runs)] == EXPECTED


def test_each_tested_line_names_rows_interval_and_flip(runs):
    for v in claims.check(runs):
        if v.verdict == claims.NOT_TESTED:
            assert "no rows for" in v.why and v.ratio == "–"
            continue
        assert v.rows and v.run_ids and v.checks, v.number
        assert v.ratio.count("95% CI") == len(v.checks), v.number
        assert "flip" in v.flips.lower() or "only with" in v.flips.lower(), v.number
        assert set(v.run_ids) <= set(runs["run_id"])


def test_claim_numbers(runs):
    v = by_line(claims.check(runs))
    assert "node-cluster" in v[(2, "")].flips and "2.0x" in v[(2, "")].flips
    assert "pyserver-async" in v[(3, "plain")].why and "pyserver-forked" in v[(3, "plain")].why
    assert "lower bound" in v[(5, "")].ratio     # generator-bound /hello runs are not the server's number


def test_python_fastest_everywhere_flips_claim_5(runs):
    boosted = runs.copy()
    boosted.loc[boosted["runtime"] == "python", "rps"] *= 100
    assert slowest(boosted).verdict == claims.NOT_SUPPORTED


def test_go_slow_on_io_makes_claim_1_depend(runs):
    slow = runs.copy()
    slow.loc[(slow["runtime"] == "go") & (slow["workload"] == "io"), "rps"] *= 0.5
    assert claims.check(slow)[0].verdict == claims.DEPENDS


def test_missing_rows_are_not_tested_and_say_which(runs):
    no_cpu = frame.select(runs, workload=["hello", "io"])
    got = claims.check(no_cpu)
    assert got[0].verdict == claims.NOT_TESTED and "cpu" in got[0].why
    assert got[1].verdict == claims.NOT_TESTED
    no_node = runs[runs["runtime"] != "node"]
    assert claims.check(no_node)[1].verdict == claims.NOT_TESTED


def test_markdown_table_has_a_line_per_verdict(runs):
    table = claims.markdown_table(claims.check(runs))
    assert table.count("\n") == 2 + len(EXPECTED) - 1
    assert "**depends**" in table and "| 3 |  | the best Python server" in table


def test_docker_rows_and_other_placements_do_not_change_the_verdicts(runs):
    """A campaign may also hold the same points in Docker, CPU work on fewer cores and
    CPU work with N calibrated per runtime: claims compare native rows, the most cores,
    and the /cpu target every runtime shares."""
    docker = runs.assign(launcher="docker", rps=runs["rps"] * 0.01, run_id=runs["run_id"] + ".docker")
    cpu = runs[runs["workload"] == "cpu"]
    one_core = cpu.assign(cores=1, server_cpus="1", rps=cpu["rps"] * 0.01, run_id=cpu["run_id"] + ".s1")
    calibrated = cpu.assign(target=cpu["runtime"].map({"python": "/cpu?n=30000", "go": "/cpu?n=3000000",
                                                       "node": "/cpu?n=3500000"}),
                            rps=cpu["rps"] * 0.01, run_id=cpu["run_id"] + ".svc")
    mixed = pd.concat([runs, docker, one_core, calibrated], ignore_index=True)
    got = claims.check(mixed)
    assert [v.verdict for v in got] == EXPECTED
    assert {i for v in got for i in v.run_ids} <= set(runs["run_id"])


def test_cpu_calibrated_per_runtime_compares_models_not_speed(runs):
    """With /cpu's N calibrated per runtime (one target each, the quick sweep's view), the
    model claims still read the CPU rows, and claim 5 leaves CPU out as raw speed."""
    n = {"python": "/cpu?n=30000", "go": "/cpu?n=3000000", "node": "/cpu?n=3500000"}
    calibrated = runs.assign(target=runs["target"].where(runs["workload"] != "cpu", runs["runtime"].map(n)))
    got = claims.check(calibrated)
    assert got[0].verdict != claims.NOT_TESTED and got[1].verdict != claims.NOT_TESTED
    assert "cpu left out" in slowest(calibrated).why and "(hello)" in slowest(calibrated).why


def test_processes_that_leave_cores_idle_are_named(runs):
    """Several processes on CPU work that kept only one core busy: claim 3 says so."""
    idle = runs.copy()
    sel = (idle["server"] == "pyserver-forked") & (idle["workload"] == "cpu")
    idle.loc[sel, "core_utilisation"] = 0.5                        # one core of two
    why = by_line(claims.check(idle))[(3, "plain")].why
    assert "pyserver-forked (2 processes) kept 50% of its 2 cores busy" in why, why
    assert "unevenly" in why
    assert "pyserver-forked (2 processes) kept" not in by_line(claims.check(runs))[(3, "plain")].why


# --- every committed campaign -------------------------------------------------------------------

CAMPAIGNS = sorted(p.parent.name for p in RESULTS.glob("*/runs.csv"))


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_committed_campaigns_render_both_lines_with_intervals(name):
    verdicts = claims.check(frame.load(RESULTS / name))
    got = by_line(verdicts)
    assert set(got) == {(1, ""), (2, ""), (3, "stacks"), (3, "plain"), (3, "ft"), (4, "stacks"), (4, "plain"),
                        (5, "")}
    table = claims.markdown_table(verdicts)
    assert table.count("| 3 |") == 3 and table.count("| 4 |") == 2 and "95% CI" in table
    for v in verdicts:
        if v.verdict == claims.NOT_TESTED:
            assert "no rows for" in v.why, (v.number, v.tested_on)
        else:
            # each check states its interval, or says it has none (a point with one usable
            # repeat), and such a check leaves the line inconclusive (next assertion)
            assert len(v.checks) > 0, (v.number, v.tested_on)
            assert v.ratio.count("95% CI") + v.ratio.count("no interval") == len(v.checks), \
                (v.number, v.tested_on)
            assert (v.verdict == claims.INCONCLUSIVE) == any(c.outcome == UNCLEAR for c in v.checks)


def test_the_published_campaign_names_the_stacks_it_lacks():
    got = by_line(claims.check(frame.load(frame.published())))
    for n in (3, 4):
        line = got[(n, "stacks")]
        if line.verdict == claims.NOT_TESTED:
            continue
        measured = {r.split()[0] for r in line.rows}
        for stack in set(lines().stacks) - measured:
            assert stack in line.why, (n, stack)
