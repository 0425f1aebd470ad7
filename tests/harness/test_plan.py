"""harness/plan/plan.py: sweep files read through the settings schema, and the runs they plan
(pure: parsing and planning).

Errors name the file, the line and the key. A CPU-bound point gives the server both
cores; a point can run natively and in Docker side by side; a point can size the
server itself. All of these are part of the run id, so one campaign holds them apart
and a resumed sweep finds them again.
"""
from __future__ import annotations

import textwrap

import pytest

from harness import sweep
from harness.plan import plan


def _load(tmp_path, body: str):
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent(body))
    return plan.load(path)


BASE = """
    campaign = "c"
    servers = ["go", "node"]
    repeats = 2
"""


def test_point_placement_and_launchers_are_in_the_run_ids(tmp_path):
    sw = _load(tmp_path, BASE + """
    [[points]]
    workload = "hello"
    connections = [8]
    [[points]]
    workload = "cpu"
    connections = [4]
    server_cpus = "0-1"
    [[points]]
    workload = "hello"
    connections = [16]
    launcher = ["native", "docker"]
    """)
    hello, cpu, both = sw.points
    assert (hello.server_cpus, hello.load_cpus, hello.launchers, hello.placed) == ("1", "0", ("native",), False)
    assert (cpu.server_cpus, cpu.load_cpus, cpu.placed) == ("0-1", "0", True)
    assert both.launchers == ("native", "docker")
    ids = [p.run_id for p in plan.plan(sw)]
    assert "go.hello.wrk.c8.r1" in ids                      # defaults leave ids as they were
    assert "go.cpu-n80000.wrk.c4.s0-1.r1" in ids
    # native and docker of one level run one after the other, in every repeat
    i = ids.index("node.hello.wrk.c16.r2")
    assert ids[i + 1] == "node.hello.wrk.c16.docker.r2"
    assert len(ids) == len(set(ids)) == 2 * 2 * 4


def test_top_level_launcher_and_memory_reach_every_point(tmp_path):
    sw = _load(tmp_path, BASE + """
    launcher = "docker"
    memory = "512m"
    [[points]]
    workload = "hello"
    connections = [8]
    [[points]]
    workload = "hello"
    connections = [9]
    memory = "1g"
    """)
    assert [(p.launchers, p.memory) for p in sw.points] == [(("docker",), "512m"), (("docker",), "1g")]
    assert all(p.run_id.endswith((".docker.r1", ".docker.r2")) for p in plan.plan(sw))
    with pytest.raises(plan.SweepError, match="point 1: memory with --launcher native: a memory limit needs a container"):
        plan.with_launcher(sw, "native")


def test_with_launcher_overrides_the_file(tmp_path):
    sw = _load(tmp_path, BASE + """
    [[points]]
    workload = "hello"
    connections = [8]
    launcher = ["native", "docker"]
    """)
    only = plan.with_launcher(sw, "docker")
    assert plan.launchers(only) == {"docker"}
    assert {p.run_id for p in plan.plan(only)} == {
        f"{s}.hello.wrk.c8.docker.r{r}" for s in ("go", "node") for r in (1, 2)}


@pytest.mark.parametrize("setting, key, message", [
    ('launcher = "podman"', "launcher", "must be one of native, docker"),
    ('launcher = []', "launcher", "must be one of native, docker"),
    ('launcher = ["docker", "docker"]', "launcher", "must be one of native, docker"),
    ('memory = "512m"', "memory", "a memory limit needs a container"),
    ('launcher = "docker"\nmemory = "lots"', "memory", "must be a memory size"),
    ('server_cpus = "all"', "server_cpus", "must be a taskset CPU list"),
    ('load_cpus = 0', "load_cpus", "must be a taskset CPU list"),
])
def test_bad_point_placement_names_the_line_and_key(tmp_path, setting, key, message):
    text = BASE + f"""
    [[points]]
    workload = "hello"
    connections = [8]
    {setting}
    """
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(plan.SweepError) as err:
        plan.load(path)
    line = textwrap.dedent(text).splitlines().index(next(
        l for l in textwrap.dedent(text).splitlines() if l.startswith(key))) + 1
    assert f"{path}:{line}: {key}: " in str(err.value) and message in str(err.value)


def test_saturation_is_read_from_rows_of_the_same_launcher_and_cores():
    def row(rps, launcher="native", cpus="1", connections="64"):
        return {"server": "go", "workload": "hello", "target": "/hello", "status": "ok", "driver": "wrk",
                "bottleneck": "server", "connections": connections, "rps": str(rps),
                "launcher": launcher, "server_cpus": cpus}
    rows = [row(100), row(120), row(90, launcher="docker"), row(400, cpus="0-1")]
    assert sweep.saturation(rows, "go", "hello", "/hello", server_cpus="1") == 110
    assert sweep.saturation(rows, "go", "hello", "/hello", launcher="docker") == 90
    assert sweep.saturation(rows, "go", "hello", "/hello", server_cpus="0-1") == 400
    assert sweep.saturation(rows, "go", "hello", "/hello", launcher="docker", server_cpus="0-1") is None


def test_servers_named_only_in_points_run_once_each(tmp_path):
    sw = _load(tmp_path, BASE + """
    [[points]]
    workload = "hello"
    connections = [8]
    servers = ["go", "node", "pyserver-async"]
    [[points]]
    workload = "io"
    connections = [8]
    servers = ["pyserver-async", "gunicorn-sync"]
    """)
    ids = [p.run_id for p in plan.plan(sw)]
    assert len(ids) == len(set(ids)) == 2 * 5
    assert [i.split(".")[0] for i in ids[:5]] == ["go", "node", "pyserver-async", "pyserver-async",
                                                  "gunicorn-sync"]


def test_sizing_overrides_and_rate_fractions_are_fields_of_the_run(tmp_path):
    sw = _load(tmp_path, BASE + """
    [[points]]
    workload = "hello"
    connections = [8]
    servers = ["pyserver-threaded"]
    threads = 64
    [[points]]
    workload = "io"
    driver = "vegeta"
    rate_fractions = [0.5]
    """)
    runs = plan.plan(sw)
    sized = [r for r in runs if r.server == "pyserver-threaded"]
    assert {(r.run_id, r.threads, r.workers) for r in sized} == {
        (f"pyserver-threaded.hello.wrk.c8.t64.r{n}", "64", None) for n in (1, 2)}
    fractions = [r for r in runs if r.workload == "io"]
    assert fractions == runs[-len(fractions):]          # after every run that gives a saturation
    assert {(r.rate_fraction, r.load.rate) for r in fractions} == {(0.5, None)}


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
    with pytest.raises(plan.SweepError) as err:
        plan.load(path)
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
    with pytest.raises(plan.SweepError, match=r"b\.toml:6: connections: vegeta is an open loop"):
        plan.load(path)


def test_shipped_sweeps_load():
    for name in sorted(p.name for p in plan.SWEEPS.glob("*.toml")):
        s = plan.load(plan.SWEEPS / name)
        runs = plan.plan(s)
        assert len({r.run_id for r in runs}) == len(runs)          # run ids are unique
        # interleaved: the first repeat of every run comes before any second repeat
        firsts = [i for i, p in enumerate(runs) if p.repeat == 1 and p.rate_fraction is None]
        seconds = [i for i, p in enumerate(runs) if p.repeat == 2 and p.rate_fraction is None]
        assert max(firsts) < min(seconds)


def test_the_full_campaign_has_the_ladders_and_fits_its_budget():
    """harness/sweeps/full.toml (issue 16): full curves for the nine models, fewer points for
    the peers, and a plan whose estimate leaves room for reruns inside about two hours."""
    from harness.plan import budget
    sw = plan.load(plan.SWEEPS / "full.toml")
    runs = plan.plan(sw)
    models = set(sw.servers)
    assert len(models) == 9 and sw.repeats >= 3 and sw.max_reruns >= 1
    def levels(server, workload, driver="wrk", launcher="native", **match):
        found = {r.load.connections or r.rate_fraction or r.load.rate for r in runs
                 if (r.server, r.workload, r.load.driver, r.launcher) == (server, workload, driver, launcher)
                 and all(getattr(r, k) == v for k, v in match.items())}
        return sorted(found)
    for server in models:
        assert levels(server, "hello") == [1, 4, 16, 64, 256, 1024]
        assert levels(server, "io") == [1, 4, 16, 64, 256, 1024]
        assert levels(server, "cpu", calibrated=True) == [1, 2, 4, 16, 64]
        fractions = [r.rate_fraction for r in runs if r.server == server and r.rate_fraction]
        assert min(fractions) == 0.25 and max(fractions) == 1.2
        assert levels(server, "io", "vegeta", rate_fraction=None) == [1000]
    peers = {r.server for r in runs} - models
    assert {"uwsgi", "waitress", "granian", "uwsgi-django", "gunicorn-sync-flask", "granian-ft"} <= peers
    for server in peers:
        assert len({r.run_id.rsplit(".r", 1)[0] for r in runs if r.server == server}) <= 3
    assert {r.server for r in runs if r.launcher == "docker"} == {"go", "node"}
    planned = sum(map(budget.run_seconds, runs))
    assert planned < 115 * 60            # about 2 hours with the reruns of a third of the points
