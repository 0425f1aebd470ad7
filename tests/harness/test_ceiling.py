"""The load path's ceiling: scheduled before the /hello runs it bounds, resolved from the
campaign's rows (pure logic), and nginx's configuration."""
from __future__ import annotations

import pytest

from harness import row as rows_mod
from harness import catalog, store
from harness.launch import ceiling as nginx
from harness.plan import ceiling
from harness.specs import LoadSpec, RunSpec

from arena_rows import result


def run(server="go", workload="hello", repeat=1, connections=64, driver="wrk", **kw) -> RunSpec:
    load = LoadSpec(driver=driver, connections=connections if driver != "vegeta" else None,
                    rate=1000 if driver == "vegeta" else None, duration_s=3.0, warmup_s=1.0)
    return RunSpec(campaign="c", run_id=f"{server}.{workload}.{driver}.c{connections}.r{repeat}",
                   server=server, workload=workload, load=load, repeat=repeat, **kw)


def test_one_ceiling_run_before_the_first_hello_run_of_each_repeat_placement_and_level():
    planned = [run("go"), run("node"), run("go", connections=256), run("go", "io"),
               run("go", driver="vegeta"), run("go", server_cpus="0-1"),
               run("go", repeat=2), run("node", repeat=2)]
    out = ceiling.scheduled(planned, "nginx")
    ids = [r.run_id for r in out]
    assert ids == ["nginx-ceiling.hello.wrk.c64.s1.l0.r1", "go.hello.wrk.c64.r1", "node.hello.wrk.c64.r1",
                   "nginx-ceiling.hello.wrk.c256.s1.l0.r1", "go.hello.wrk.c256.r1", "go.io.wrk.c64.r1",
                   "go.hello.vegeta.c64.r1",
                   "nginx-ceiling.hello.wrk.c64.s0-1.l0.r1", "go.hello.wrk.c64.r1",
                   "nginx-ceiling.hello.wrk.c64.s1.l0.r2", "go.hello.wrk.c64.r2", "node.hello.wrk.c64.r2"]
    first = out[0]
    assert (first.server, first.launcher, first.load.connections, first.load.duration_s,
            first.server_cpus, first.load_cpus) == ("nginx-ceiling", "ceiling", 64, 3.0, "1", "0")
    assert ceiling.scheduled(planned, "none") == planned
    with pytest.raises(ValueError, match="ceiling must be one of"):
        ceiling.scheduled(planned, "apache")


def ceiling_row(repeat: int, rps: float, **kw) -> dict:
    return store.to_row(result(**{**dict(server="nginx-ceiling", runtime="nginx", launcher="ceiling",
                                         run_id=f"nginx-ceiling.hello.wrk.c64.s1.l0.r{repeat}",
                                         repeat=repeat, connections=64, rps=rps, bottleneck="generator"),
                                  **kw}))


def test_a_hello_run_takes_its_own_repeats_ceiling():
    stored = [ceiling_row(1, 40_000.0), ceiling_row(2, 42_000.0)]
    got = ceiling.resolve(run("go", repeat=2), lambda: stored)
    assert (got.ceiling_rps, got.ceiling_run_id) == (42_000.0, "nginx-ceiling.hello.wrk.c64.s1.l0.r2")


def test_without_its_repeats_ceiling_the_median_run_of_the_others():
    stored = [ceiling_row(1, 40_000.0), ceiling_row(2, 44_000.0), ceiling_row(3, 41_000.0),
              ceiling_row(4, 39_000.0)]
    got = ceiling.resolve(run("go", repeat=5), lambda: stored)
    assert (got.ceiling_rps, got.ceiling_run_id) == (40_000.0, "nginx-ceiling.hello.wrk.c64.s1.l0.r1")


def test_a_clean_ceiling_comes_before_a_noisy_one_which_stands_only_alone():
    noisy_r1 = ceiling_row(1, 20_000.0, bottleneck="noisy")
    stored = [noisy_r1, ceiling_row(2, 42_000.0), ceiling_row(3, 40_000.0)]
    got = ceiling.resolve(run("go", repeat=1), lambda: stored)
    assert (got.ceiling_rps, got.ceiling_run_id) == (40_000.0, "nginx-ceiling.hello.wrk.c64.s1.l0.r3")
    alone = ceiling.resolve(run("go", repeat=1), lambda: [noisy_r1])
    assert (alone.ceiling_rps, alone.ceiling_run_id) == (20_000.0, "nginx-ceiling.hello.wrk.c64.s1.l0.r1")


@pytest.mark.parametrize("broken", [
    dict(status="failed", rps=None),                # nginx missing: its row failed
    dict(bottleneck="errors"),
    dict(connections=256), dict(server_cpus="0-1"), dict(load_cpus="1"), dict(driver="vegeta"),
])
def test_a_ceiling_that_failed_or_measured_another_point_bounds_nothing(broken):
    cells = {**ceiling_row(1, 40_000.0), **store.to_row(result(**{
        **dict(server="nginx-ceiling", run_id="x", repeat=1, connections=64, rps=40_000.0), **broken}))}
    got = ceiling.resolve(run("go"), lambda: [cells])
    assert got.ceiling_rps is None and got.ceiling_run_id is None


def test_only_wrk_hello_runs_of_compared_servers_are_bounded_and_only_they_read_the_rows():
    stored = [ceiling_row(1, 40_000.0)]
    reads = []

    def rows():                 # the campaign's runs.csv, read once per bounded run only
        reads.append(1)
        return stored
    for other in (run("go", "io"), run("go", driver="vegeta"), run("nginx-ceiling")):
        assert ceiling.resolve(other, rows) == other
    assert not reads
    assert ceiling.resolve(run("go"), rows).ceiling_rps == 40_000.0 and len(reads) == 1


def test_the_resolved_ceiling_is_the_hello_rows_limit():
    """row.build: the resolved ceiling, not the generator's share, is the /hello row's limit."""
    from harness.drivers.outcome import LoadOutcome
    outcome = LoadOutcome(driver="wrk", loop="closed", requests=90_000, errors_connect=0, errors_read=0,
                          errors_write=0, errors_timeout=0, errors_status=0, duration_s=3.0, rps=30_000.0,
                          latency_p50_ms=2.0, latency_p90_ms=2.5, latency_p99_ms=4.0, latency_p999_ms=6.0,
                          latency_max_ms=9.0, latency_kind="raw", generator_cpu_s=2.4, generator_cpus=1)
    hello = ceiling.resolve(run("go"), lambda: [ceiling_row(1, 40_000.0)])
    built = rows_mod.build(hello, catalog.get("go"), catalog.workload_for(hello), started_at="now",
                           sha="abc", status="ok", outcome=outcome, seen={}).result
    assert (built.limit_kind, built.limit_rps, built.efficiency) == ("load-path", 40_000.0, 0.75)
    assert "nginx-ceiling.hello.wrk.c64.s1.l0.r1" in built.limit_detail
    guessed = rows_mod.build(run("go"), catalog.get("go"), catalog.workload_for(run("go")), started_at="now",
                             sha="abc", status="ok", outcome=outcome, seen={}).result
    assert guessed.limit_kind == "generator" and guessed.limit_rps == pytest.approx(37_500.0)


def test_nginx_answers_the_contracts_hello_bytes_and_404(tmp_path):
    text = nginx.config("127.0.0.1", 8123, tmp_path)
    assert "worker_processes 1;" in text and "access_log off;" in text
    assert "listen 127.0.0.1:8123;" in text
    assert 'location = /hello {\n            default_type text/plain;\n            return 200 "Hello, World!";' in text
    assert 'return 404 "Not Found";' in text
    assert f"pid {tmp_path / 'nginx.pid'};" in text


def test_the_ceiling_launcher_starts_nothing_but_the_ceiling(tmp_path):
    with pytest.raises(nginx.LaunchError, match="starts nginx-ceiling only"):
        nginx.start(catalog.get("go"), log_dir=tmp_path)


def test_without_nginx_the_ceiling_fails_saying_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(nginx.shutil, "which", lambda _name: None)
    assert "make ceiling" in nginx.unavailable()
    with pytest.raises(nginx.LaunchError, match="nginx is missing: `make ceiling` installs"):
        nginx.start(log_dir=tmp_path)
