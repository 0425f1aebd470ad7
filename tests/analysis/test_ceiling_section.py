"""The report's section on the load path's ceiling: nginx's own rows per placement and
connection count (median, interval, repeats) and the /hello rows held to each, from
fabricated rows (pure logic) and through a stored campaign's report. The real sweep
(tests/harness/test_ceiling_run.py) checks it on a measured ceiling."""
from pathlib import Path

import pytest

from harness import store
from harness.analysis import frame, report, stats
from harness.analysis.render import render_markdown
from harness.analysis.sections import load_path_ceiling
from harness.limits import PathCeiling

from arena_rows import result

HEADING = "## The load path's ceiling"


def ceiling(repeat: int, rps: float | None, connections: int = 64, **kw):
    return result(**{**dict(server="nginx-ceiling", runtime="nginx", model="event-loop", launcher="ceiling",
                            run_id=f"nginx-ceiling.hello.wrk.c{connections}.s1.l0.r{repeat}", repeat=repeat,
                            connections=connections, rps=rps, bottleneck="generator"), **kw})


def hello(server: str, repeat: int, held_by=None, connections: int = 64, **kw):
    """A /hello row; ``held_by``: the ceiling row whose figure is its limit, as row.build stores it."""
    limit = PathCeiling(held_by.rps, held_by.run_id).as_limit() if held_by else None
    return result(**{**dict(server=server, runtime=server, run_id=f"{server}.hello.wrk.c{connections}.r{repeat}",
                            repeat=repeat, connections=connections, rps=30_000.0,
                            limit_rps=limit.rps if limit else 37_000.0,
                            limit_kind=limit.kind if limit else "generator",
                            limit_detail=limit.detail if limit else "the generator's share"), **kw})


def frames(results) -> tuple:
    every = frame.from_rows([store.to_row(r) for r in results])
    own = every["launcher"] == "ceiling"
    return every[own].reset_index(drop=True), every[~own].reset_index(drop=True)


def table(blocks) -> dict[tuple[str, str, str], list[str]]:
    """The section's table as {(server CPUs, load CPUs, connections): the other cells}."""
    lines = [ln for ln in render_markdown(blocks, Path(".")).splitlines() if ln.startswith("| ")][1:]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    return {tuple(c[:3]): c[3:] for c in cells}


def test_each_point_has_its_median_interval_repeats_and_the_rows_held_to_it():
    c1, c2, c3 = ceiling(1, 40_000.0), ceiling(2, 44_000.0), ceiling(3, 41_000.0)
    noisy = ceiling(4, 20_000.0, bottleneck="noisy")            # a clean one stands: left out
    c10 = ceiling(10, 43_000.0)
    alone = ceiling(1, 25_000.0, connections=256, bottleneck="noisy")     # no clean one: it stands
    failed = ceiling(1, None, connections=1024, status="failed", bottleneck="")
    own, runs = frames([c1, c2, c3, noisy, c10, alone, failed,
                        hello("go", 1, c1), hello("go", 2, c2), hello("go", 3, c3),
                        hello("node", 1, c10), hello("node", 2),            # node r2: the generator's
                        hello("go", 1, alone, connections=256), hello("go", 1, connections=1024),
                        hello("go", 1, c1, workload="io", target="/io?ms=50")])   # not /hello
    blocks = load_path_ceiling(own, runs)
    assert blocks[0].text == HEADING[3:]
    got = table(blocks)
    low, high = stats.bootstrap_ci([40_000.0, 44_000.0, 41_000.0, 43_000.0])
    assert got[("1", "0", "64")] == ["4 of 5", "42,000", f"{low:,.0f} – {high:,.0f}", "go (3), node (1)"]
    assert got[("1", "0", "256")] == ["1 (noisy)", "25,000", "–", "go (1)"]
    assert got[("1", "0", "1,024")] == ["0 of 1", "–", "–", "none"]


def test_without_ceiling_rows_one_line_or_nothing():
    own, runs = frames([hello("go", 1)])
    blocks = load_path_ceiling(own, runs)
    assert len(blocks) == 2 and "Not measured in this campaign" in blocks[1].text
    assert load_path_ceiling(None, runs) == blocks
    _, io_only = frames([hello("go", 1, workload="io", target="/io?ms=50")])
    assert load_path_ceiling(own, io_only) == []


def test_the_report_shows_the_campaigns_ceiling(tmp_path):
    camp = store.Campaign(tmp_path, "ceiling-report")
    camp.write_meta({"host": {"cores": 2}})
    ceilings = [ceiling(r, rps, campaign=camp.name) for r, rps in ((1, 40_000.0), (2, 44_000.0), (3, 41_000.0))]
    for c in ceilings:
        camp.append(c)
        camp.append(hello("go", c.repeat, c, campaign=camp.name))
    loaded = frame.load_campaign(camp.dir)
    assert list(loaded.own["server"]) == ["nginx-ceiling"] * 3 and set(loaded.runs["server"]) == {"go"}
    md = report.write_report(camp.dir, tmp_path / "out")["markdown"].read_text()
    assert md.index("## Results by workload") < md.index(HEADING) < md.index("## Stability warnings")
    section = md[md.index(HEADING):md.index("## Stability warnings")]
    assert "| 1 | 0 | 64 | 3 | 41,000 |" in section and "| go (3) |" in section


@pytest.mark.parametrize("row, stands", [
    (dict(status="ok", bottleneck="generator", rps="40000.0"), True),
    (dict(status="ok", bottleneck="generator", rps=40_000.0), True),
    (dict(status="ok", bottleneck="errors", rps="40000.0"), False),
    (dict(status="failed", bottleneck="", rps=""), False),
    (dict(status="ok", bottleneck="server", rps=float("nan")), False),
])
def test_a_ceiling_row_measured_in_text_or_loaded(row, stands):
    from harness.plan import ceiling as plan_ceiling
    assert plan_ceiling.measured(row) is stands
