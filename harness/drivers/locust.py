"""locust, user scenarios: headless runs of ``workloads/scenarios/*.py`` locustfiles.

    locust -f SCENARIO --headless -u USERS -r USERS -t Ds --host URL --csv PREFIX
           --json-file PREFIX --only-summary [--master --expect-workers N]
    locust -f SCENARIO --worker --master-host 127.0.0.1 --master-port P      (x N)

Only the stats files are read: ``PREFIX_stats.csv`` (the ``Aggregated`` row's counts
and percentiles) and ``PREFIX_failures.csv`` (errors by message, sorted into kinds).

Caveats, stated in every row through ``latency_kind = "locust-buckets"``: a closed
loop (a user waits for its answer, then thinks; locust/user/wait_time.py), and
response times bucketed to about two significant digits (below 100 ms to whole ms;
locust/stats.py, bucket_response_time, https://github.com/locustio/locust),
so sub-millisecond loopback latencies read as 0 or 1 ms. Use locust for scenarios
and for load beyond one machine, wrk for saturation and vegeta for tail latency.

``workers > 0`` runs locust's master/worker mode on loopback: the master only
aggregates; each worker is one process (one core, the GIL). Running workers on other
machines (``locust -f SCENARIO --worker --master-host MASTER_IP``) is how load grows
beyond one box; see the README.
"""
from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

from harness.drivers import DriverError, LoadJob
from harness.drivers.outcome import LoadOutcome
from harness.drivers.process import Command, cpus_of, run_bounded, work_folder
from harness.launch.ready import free_port

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "workloads" / "scenarios"
PERCENTILE_COLUMNS = {"p50": "50%", "p90": "90%", "p99": "99%", "p999": "99.9%", "max": "100%"}


def scenario_path(name: str) -> Path:
    """``browse`` or ``browse.py`` or a path -> the locustfile; unknown name = error listing them."""
    path = Path(name)
    if path.suffix == ".py" and path.exists():
        return path
    candidate = SCENARIOS / f"{path.stem}.py"
    if candidate.exists():
        return candidate
    known = sorted(p.stem for p in SCENARIOS.glob("*.py") if not p.name.startswith("_"))
    raise DriverError(f"unknown locust scenario {name!r}; {SCENARIOS} has: {', '.join(known)}")


def locust_bin() -> str:
    exe = Path(sys.executable).parent / "locust"
    if exe.exists():
        return str(exe)
    raise DriverError(f"locust is not installed in {Path(sys.executable).parent} "
                      "(pip install locust; the project's [load] extra)")


def build_argv(*, locustfile: str, host: str, users: int, duration_s: int, prefix: str,
               workers: int = 0, master_port: int | None = None, locust: str = "locust",
               cpus: str | None = None) -> list[str]:
    if users < 1 or duration_s < 1 or workers < 0:
        raise DriverError("locust: users and duration must be >= 1, workers >= 0")
    argv = [locust, "-f", locustfile, "--headless", "-u", str(users), "-r", str(users),
            "-t", f"{int(duration_s)}s", "--host", host, "--csv", prefix,
            "--json-file", prefix, "--only-summary", "--stop-timeout", "5",
            "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    if workers:
        argv += ["--master", "--expect-workers", str(workers), "--expect-workers-max-wait", "30",
                 "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port)]
    return (["taskset", "-c", cpus] if cpus else []) + argv


def worker_argv(*, locustfile: str, master_port: int, locust: str = "locust",
                cpus: str | None = None) -> list[str]:
    argv = [locust, "-f", locustfile, "--worker", "--master-host", "127.0.0.1",
            "--master-port", str(master_port), "--loglevel", "WARNING"]
    return (["taskset", "-c", cpus] if cpus else []) + argv


def _num(text: str) -> float | None:
    text = (text or "").strip()
    if text in ("", "N/A"):
        return None
    return float(text)


def parse_stats(text: str) -> dict:
    """The ``Aggregated`` row of ``_stats.csv``: counts, rps, percentiles (ms)."""
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("Name") == "Aggregated":
            out = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                   "rps": _num(row["Requests/s"]) or 0.0}
            for key, col in PERCENTILE_COLUMNS.items():
                out[key] = _num(row.get(col, ""))
            return out
    raise DriverError("locust stats CSV has no Aggregated row")


def parse_failures(text: str) -> dict[str, int]:
    """``_failures.csv`` -> errors by kind (connect, read, write, timeout, status)."""
    kinds = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}
    for row in csv.DictReader(io.StringIO(text)):
        n = int(row.get("Occurrences") or 0)
        error = (row.get("Error") or "").lower()
        if "refused" in error or "connect" in error:
            kinds["connect"] += n
        elif "timeout" in error or "timed out" in error:
            kinds["timeout"] += n
        elif "httperror" in error or "status" in error or any(c in error for c in (" 4", " 5")):
            kinds["status"] += n
        elif "write" in error or "broken pipe" in error:
            kinds["write"] += n
        else:
            kinds["read"] += n
    return kinds


def summarise(stats: dict, failures: dict[str, int], *, duration_s: float,
              generator_cpu_s: float | None, generator_cpus: int, users: int,
              workers: int, scenario: str) -> LoadOutcome:
    errors = sum(failures.values())
    # locust counts failed requests in Request Count; answered = those not failed at the socket
    socket_errors = errors - failures["status"]
    answered = max(0, stats["requests"] - socket_errors)
    return LoadOutcome(
        driver="locust", loop="closed", requests=answered, errors_connect=failures["connect"],
        errors_read=failures["read"], errors_write=failures["write"],
        errors_timeout=failures["timeout"], errors_status=failures["status"],
        duration_s=duration_s, rps=stats["rps"], latency_p50_ms=stats["p50"],
        latency_p90_ms=stats["p90"], latency_p99_ms=stats["p99"], latency_p999_ms=stats["p999"],
        latency_max_ms=stats["max"], latency_kind="locust-buckets",
        generator_cpu_s=generator_cpu_s, generator_cpus=generator_cpus,
        extra={"users": users, "workers": workers, "scenario": scenario,
               "failures_reported": stats["failures"]})


def run_locust(host: str, *, scenario: str, users: int, duration_s: int, workers: int = 0,
               cpus: str | None = None, target: str | None = None,
               work_dir: str | os.PathLike[str] | None = None, grace_s: float = 60.0,
               generator_cpus: int | None = None) -> LoadOutcome:
    """Run one headless locust test against ``host`` (http://h:p); bounded by a watchdog.

    ``target`` becomes ARENA_TARGET for the ``endpoint`` scenario. Every process
    (master, workers) is started in its own process group and killed if it
    outlives ``duration_s + grace_s``.
    """
    locustfile = str(scenario_path(scenario))
    locust = locust_bin()
    env = dict(os.environ)
    if target:
        env["ARENA_TARGET"] = target
    port = free_port() if workers else None
    with work_folder(work_dir, "locust") as wd:
        prefix = str(wd / "locust")
        argv = build_argv(locustfile=locustfile, host=host, users=users, duration_s=duration_s,
                          prefix=prefix, workers=workers, master_port=port, locust=locust,
                          cpus=cpus)
        # master first: it ends the test and tells the workers to quit
        commands = [Command(argv, stdout=wd / "locust-master.log")] + [
            Command(worker_argv(locustfile=locustfile, master_port=port, locust=locust, cpus=cpus),
                    stdout=wd / f"locust-worker-{i}.log") for i in range(workers)]
        done = run_bounded(commands, tool="locust", limit_s=duration_s + grace_s, env=env, cwd=ROOT)
        stats_path = Path(prefix + "_stats.csv")
        if not stats_path.exists():
            raise DriverError(f"locust wrote no {stats_path}\n{commands[0].output_tail()}")
        stats = parse_stats(stats_path.read_text())
        fail_path = Path(prefix + "_failures.csv")
        failures = parse_failures(fail_path.read_text()) if fail_path.exists() else \
            {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}
    outcome = summarise(stats, failures, duration_s=float(duration_s), generator_cpu_s=done.cpu_s,
                        generator_cpus=generator_cpus or cpus_of(cpus), users=users,
                        workers=workers, scenario=Path(locustfile).stem)
    outcome.extra.update({"argv": " ".join(argv), "wall_s": done.wall_s})
    return outcome


def drive(job: LoadJob) -> LoadOutcome:
    """``job`` as a headless locust test: its connections are the users."""
    return run_locust(job.url, scenario=job.scenario, users=job.connections or 1,
                      duration_s=max(1, round(job.duration_s)), workers=job.locust_workers,
                      cpus=job.cpus, target=job.target, work_dir=job.work_dir)
