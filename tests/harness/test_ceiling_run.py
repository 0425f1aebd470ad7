"""The load path's ceiling through the real pipeline: `ceiling = "nginx"` in a sweep runs
Debian's nginx before the /hello runs, and their rows' limit is its measured figure."""
from __future__ import annotations

import os

import pytest

from harness import sweep as sweep_mod
from harness.analysis import frame, sections
from harness.analysis.render import render_markdown
from harness.drivers import histogram
from harness.launch import ceiling as nginx
from harness.plan import plan
from sweep_files import write_sweep

pytestmark = pytest.mark.skipif(nginx.unavailable() is not None, reason=str(nginx.unavailable()))


@pytest.mark.timeout(180)
def test_a_sweep_measures_the_ceiling_and_holds_hello_to_it(tmp_path):
    path = write_sweep(tmp_path, [dict(workload="hello", driver="wrk", connections=[8])],
                       campaign="ceiling", servers=["go"], ceiling="nginx", duration_s=2, warmup_s=0,
                       max_reruns=0)   # the rows this test counts: no rerun of a noisy run
    camp = sweep_mod.run_sweep(plan.load(path), out=open(os.devnull, "w"))
    by_server = {r["server"]: r for r in camp.rows()}
    own, go = by_server["nginx-ceiling"], by_server["go"]
    assert [r["server"] for r in camp.rows()] == ["nginx-ceiling", "go"]      # measured first
    assert own["status"] == "ok", own["failure"]
    assert own["launcher"] == "ceiling" and own["server_cpus"] == go["server_cpus"] == "1"
    assert own["connections"] == go["connections"] == "8" and own["load_cpus"] == go["load_cpus"]
    assert float(own["rps"]) > 0 and float(own["server_cpu_s"]) > 0        # nginx's tree was measured
    assert go["limit_kind"] == "load-path" and float(go["limit_rps"]) == float(own["rps"])
    assert own["run_id"] in go["limit_detail"]
    assert (camp.dir / "raw" / own["run_id"] / "nginx" / "nginx.conf").exists()
    for r in (own, go):         # each row's histogram holds its requests (test_histogram.py)
        assert sum(histogram.decode(r["latency_histogram"]).values()) == int(r["requests"])
    loaded = frame.load_campaign(camp.dir)
    assert set(loaded.runs["server"]) == {"go"} and set(loaded.own["server"]) == {"nginx-ceiling"}
    # the report's section names the measured ceiling and the /hello row held to it
    shown = render_markdown(sections.load_path_ceiling(loaded.own, loaded.runs), camp.dir)
    assert f"| {own['server_cpus']} | {own['load_cpus']} | 8 | 1 | {float(own['rps']):,.0f} | – | go (1) |" in shown
