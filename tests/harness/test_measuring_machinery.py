"""The measuring machinery against purpose-built servers on loopback (issue 4, section 7).

Every server here is tests/harness/fixture_server.py (the contract app on a threaded
wsgiref server with a fixed delay, one stall, a death or a broken answer injected).
Runs are a few seconds long and bounded by timeouts; nothing asserts how fast anything
is, only that what was measured is reported as it happened.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness import sweep as sweep_mod
from harness.drivers import locust as locust_driver
from harness.drivers import vegeta as vegeta_driver
from harness.drivers import wrk as wrk_driver
from harness.launch.native import ReadyLine, launch
from harness.run import Point, run_point
from harness.specs import LoadSpec, ServerSpec
from harness import store

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = str(Path(__file__).with_name("fixture_server.py"))
DELAY_MS = 50.0
TOLERANCE_MS = 15.0   # scheduling and HTTP overhead on a shared 2-core machine

needs_vegeta = pytest.mark.skipif(vegeta_driver.tool("vegeta") is None, reason="vegeta not installed (make loadtools)")


def fixture_spec(name: str, *args: str) -> ServerSpec:
    return ServerSpec(name=name, runtime="python", model="threaded",
                      argv=("{python}", FIXTURE, *args), workers="1", threads="64", ready="line",
                      health="/hello", workloads=("hello", "json", "io", "cpu", "mixed", "echo"),
                      app=None, why="test fixture")


def fixture(tmp_path: Path, *args: str):
    return launch([sys.executable, FIXTURE, *args], ready=ReadyLine(), log_path=tmp_path / "fixture.log",
                  cpus="1", timeout=20)


# --- a known fixed delay: every driver's p50 lands on it -------------------------------------

@pytest.mark.timeout(60)
def test_wrk_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        r = wrk_driver.run_wrk(srv.url + "/hello", connections=4, threads=1, duration_s=2, cpus="0")
    assert r.requests > 0 and DELAY_MS <= r.latency_p50_ms <= DELAY_MS + TOLERANCE_MS


@needs_vegeta
@pytest.mark.timeout(60)
def test_vegeta_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        out = vegeta_driver.run_vegeta(srv.url + "/hello", rate=40, duration_s=2, cpus="0")
    assert out.requests == 80 and out.errors == 0
    assert DELAY_MS <= out.latency_p50_ms <= DELAY_MS + TOLERANCE_MS


@pytest.mark.timeout(90)
def test_locust_p50_is_the_fixed_delay(tmp_path):
    with fixture(tmp_path, "--delay-ms", str(DELAY_MS)) as srv:
        out = locust_driver.run_locust(srv.url, scenario="endpoint", users=2, duration_s=2, cpus="0",
                                       target="/hello")
    assert out.requests > 0
    # locust rounds to whole ms below 100 ms
    assert DELAY_MS - 1 <= out.latency_p50_ms <= DELAY_MS + TOLERANCE_MS


# --- a stall of 1 s, once: open loop shows it, closed loop may hide it -----------------------

@needs_vegeta
@pytest.mark.timeout(90)
def test_one_second_stall_shows_in_the_open_loop_tail_and_closed_loop_hides_it(tmp_path):
    """vegeta keeps sending during the stall, so ~rate requests wait up to 1 s: p99.9 and
    max show the stall. wrk's 2 connections each have one request stuck, then carry on:
    2 slow samples among thousands, so its p99 stays near the fixed delay."""
    with fixture(tmp_path, "--delay-ms", "5", "--stall-at", "1", "--stall-s", "1") as srv:
        open_loop = vegeta_driver.run_vegeta(srv.url + "/hello", rate=100, duration_s=4, cpus="0")
    assert open_loop.latency_max_ms >= 900
    assert open_loop.latency_p999_ms >= 900
    assert open_loop.latency_p99_ms >= 500          # ~100 of 400 requests were caught by it
    with fixture(tmp_path, "--delay-ms", "5", "--stall-at", "1", "--stall-s", "1") as srv:
        closed = wrk_driver.run_wrk(srv.url + "/hello", connections=2, threads=1, duration_s=4, cpus="0")
    assert closed.latency_max_ms >= 900             # the stalled requests themselves were timed
    assert closed.latency_p99_ms < 500              # but the tail percentiles hide the stall


# --- a starved generator is the bottleneck -------------------------------------------------

@pytest.mark.timeout(90)
def test_starved_generator_is_flagged(tmp_path, monkeypatch):
    """wrk at nice 19 shares CPU 0 with a busy loop at nice 0 (so it gets a tiny CPU share)
    while the server has CPU 1 to itself: the generator's core had no idle time left,
    so the row names the generator as the bottleneck, not the server."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    try:
        os.sched_setaffinity(hog.pid, {0})
        point = Point(campaign="t", run_id="starved", server="fixture", workload="hello",
                      server_cpus="1", load_cpus="0",
                      load=LoadSpec(driver="wrk", connections=4, duration_s=2, warmup_s=0))
        real_popen = subprocess.Popen

        def niced(argv, *a, **kw):   # only wrk is niced: the fixture server keeps its priority
            if any(Path(str(a)).name == "wrk" for a in argv):
                kw["preexec_fn"] = lambda: os.nice(19)
            return real_popen(argv, *a, **kw)

        monkeypatch.setattr(subprocess, "Popen", niced)
        m = run_point(point, raw_dir=tmp_path / "raw", spec=fixture_spec("fixture"))
        monkeypatch.undo()
    finally:
        os.killpg(hog.pid, signal.SIGKILL)
        hog.wait()
    r = m.result
    assert r.status == "ok"
    assert r.bottleneck == "generator"
    assert r.generator_cpu_share < 0.5        # it got little CPU: starved, not busy itself
    assert m.usage.watched_busy_share > 0.9   # its core had no idle time left


def test_generator_saturation_verdict_from_its_cpu_share():
    from harness import limits
    assert limits.verdict(generator_share=0.97, efficiency=0.3) == "generator"
    assert limits.verdict(generator_share=0.97, foreign_share=0.5) == "generator"


# --- verification failure, death mid-run, bad sweep files, Ctrl-C ------------------------

def _sweep_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent(body))
    return path


def _catalog_with_fixtures(monkeypatch, specs: dict[str, ServerSpec]):
    from harness import catalog
    real = catalog.load()
    merged = {**real, **specs}
    monkeypatch.setattr(catalog, "load", lambda path=None: merged)
    monkeypatch.setattr(catalog, "get", lambda name, path=None: merged[name])


@pytest.mark.timeout(120)
def test_unverified_and_dying_servers_become_rows_and_the_sweep_goes_on(tmp_path, monkeypatch):
    specs = {"fx-broken": fixture_spec("fx-broken", "--broken"),
             "fx-dies": fixture_spec("fx-dies", "--die-at", "2"),
             "fx-ok": fixture_spec("fx-ok", "--delay-ms", "2")}
    _catalog_with_fixtures(monkeypatch, specs)
    path = _sweep_file(tmp_path, f"""
        campaign = "machinery"
        results = "{tmp_path / 'results'}"
        servers = ["fx-broken", "fx-dies", "fx-ok"]
        duration_s = 3
        warmup_s = 0
        [[points]]
        workload = "hello"
        driver = "wrk"
        connections = [2]
    """)
    camp = sweep_mod.run_sweep(sweep_mod.load(path), out=open(os.devnull, "w"))
    rows = {r["server"]: r for r in camp.rows()}
    assert set(rows) == {"fx-broken", "fx-dies", "fx-ok"}
    assert rows["fx-broken"]["status"] == "not-verified" and "/hello" in rows["fx-broken"]["failure"]
    assert rows["fx-broken"]["requests"] == "0" and rows["fx-broken"]["rps"] == "0.0"
    assert not (camp.dir / "raw" / rows["fx-broken"]["run_id"] / "outcome.json").exists()
    assert rows["fx-dies"]["status"] == "failed" and "exited with code 3" in rows["fx-dies"]["failure"]
    assert rows["fx-ok"]["status"] == "ok" and int(rows["fx-ok"]["requests"]) > 0
    assert rows["fx-dies"]["bottleneck"] == ""       # a failed run gets no verdict


BAD_SWEEPS = [
    ('servers = ["nope"]', "servers", "unknown server 'nope'", 2),
    ('servers = ["go"]\ncolour = "red"', "colour", "unknown key", 3),
    ('servers = ["go"]\nduration_s = -1', "duration_s", "must be a number > 0", 3),
    ('servers = ["go"]', "workload", "unknown workload 'sleepy'", None),
    ('servers = ["go"]', "driver", "unknown driver", None),
]


@pytest.mark.parametrize("top, key, message, line", BAD_SWEEPS)
def test_bad_sweep_files_name_file_line_and_key(tmp_path, top, key, message, line):
    point = {"workload": 'workload = "sleepy"\ndriver = "wrk"',
             "driver": 'workload = "hello"\ndriver = "ab"'}.get(key, 'workload = "hello"\ndriver = "wrk"')
    text = f'campaign = "c"\n{top}\n\n[[points]]\n{point}\nconnections = [1]\n'
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(sweep_mod.SweepError) as err:
        sweep_mod.load(path)
    msg = str(err.value)
    assert str(path) in msg and f": {key}: " in msg and message in msg
    expected_line = line or text.splitlines().index(next(l for l in text.splitlines()
                                                          if l.startswith(key))) + 1
    assert f"{path}:{expected_line}:" in msg


def test_point_level_errors(tmp_path):
    text = ('campaign = "c"\nservers = ["go"]\n[[points]]\nworkload = "hello"\ndriver = "vegeta"\n'
            'connections = [4]\n')
    path = tmp_path / "b.toml"
    path.write_text(text)
    with pytest.raises(sweep_mod.SweepError, match=r"b\.toml:6: connections: vegeta is an open loop"):
        sweep_mod.load(path)


def test_shipped_sweeps_load():
    for name in ("quick.toml", "full.toml"):
        s = sweep_mod.load(sweep_mod.SWEEPS / name)
        plan = sweep_mod.plan(s)
        assert len({p.run_id for p in plan}) == len(plan)          # run ids are unique
        # interleaved: the first repeat of every run comes before any second repeat
        firsts = [i for i, p in enumerate(plan) if p.repeat == 1 and p.fraction is None]
        seconds = [i for i, p in enumerate(plan) if p.repeat == 2 and p.fraction is None]
        assert max(firsts) < min(seconds)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_mid_sweep_then_rerun_resumes_without_duplicates(tmp_path, monkeypatch, sig):
    """SIGINT (or SIGTERM) to a real `arena sweep` process in its second run: exit 130,
    the first row kept, the server of the interrupted run stopped; the rerun adds the
    rest, once."""
    path = _sweep_file(tmp_path, f"""
        campaign = "resume"
        results = "{tmp_path / 'results'}"
        servers = ["fx-a", "fx-b", "fx-c"]
        duration_s = 2
        warmup_s = 0
        [[points]]
        workload = "hello"
        driver = "wrk"
        connections = [2]
    """)
    # the subprocess sees the fixture servers through a tiny catalog shim
    shim = tmp_path / "shim.py"
    shim.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
        from harness import catalog
        from test_measuring_machinery import fixture_spec
        real = catalog.load()
        extra = {{n: fixture_spec(n, "--delay-ms", "2") for n in ("fx-a", "fx-b", "fx-c")}}
        merged = {{**real, **extra}}
        catalog.load = lambda path=None: merged
        catalog.get = lambda name, path=None: merged[name]
        from harness.commands import main
        sys.exit(main(["sweep", {str(path)!r}]))
    """))
    runs = tmp_path / "results" / "resume" / "runs.csv"
    proc = subprocess.Popen([sys.executable, str(shim)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:          # wait until the first row is stored
        if runs.exists() and len(store.read_rows(runs)) >= 1:
            break
        time.sleep(0.1)
    time.sleep(1.0)                             # into the second run
    proc.send_signal(sig)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 130, output
    assert "resume" in output
    first = [r["run_id"] for r in store.read_rows(runs)]
    assert 1 <= len(first) < 3
    # no fixture server left behind: every pid in the stored logs' READY lines is gone
    for log in (tmp_path / "results" / "resume" / "raw").rglob("fx-*.log"):
        for line in log.read_text().splitlines():
            if line.startswith("READY"):
                pid = int(line.split("pid=")[1].split()[0])
                assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
    again = subprocess.run([sys.executable, str(shim)], cwd=ROOT, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stdout.decode() + again.stderr.decode()
    ids = [r["run_id"] for r in store.read_rows(runs)]
    assert len(ids) == len(set(ids)) == 3
    assert ids[:len(first)] == first            # nothing already written was lost or rewritten


@needs_vegeta
@pytest.mark.timeout(90)
def test_an_open_loop_point_warms_up_closed_loop_at_a_few_connections(tmp_path, monkeypatch):
    """Warmed up at its own rate, an overloaded open-loop point would first work off the
    warm-up's queue; the harness warms it with wrk at WARMUP_CONNECTIONS instead."""
    from harness import run as run_mod
    spec = fixture_spec("fx-warm", "--delay-ms", "2")
    _catalog_with_fixtures(monkeypatch, {"fx-warm": spec})
    point = Point(campaign="c", run_id="fx-warm.hello.vegeta.r50", server="fx-warm", workload="hello",
                  load=LoadSpec(driver="vegeta", rate=50, duration_s=1, warmup_s=1))
    measured = run_point(point, raw_dir=tmp_path / "raw", spec=spec)
    assert measured.result.status == "ok", measured.result.failure
    warm = tmp_path / "raw" / "warmup"
    assert (warm / "wrk-stdout.txt").exists() and not (warm / "results.gob").exists()
    report = json.loads((warm / "wrk-report.json").read_text())
    assert report["connections"] == run_mod.WARMUP_CONNECTIONS
    assert (tmp_path / "raw" / "results.gob").exists()         # the measurement itself is vegeta's
