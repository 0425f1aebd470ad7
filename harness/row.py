"""A run's row: RunResult built in one place from RunSpec, LoadOutcome, usage and Limit.

    measured = row.build(run, server, workload, started_at=..., sha=..., status="ok",
                         outcome=outcome, usage=usage, seen=parallelism)

Every row of results/<campaign>/runs.csv comes from ``build``: a measured run, a
failed one (counts and the failure, no figures: a run that did not measure a working
server has no rate, latency, cost, limit or verdict, whatever its driver returned)
and a run the sweep could not plan (a rate fraction without a saturation to take it of).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from harness import catalog, limits, scenarios
from harness.drivers.outcome import LoadOutcome
from harness.measure import resources
from harness.specs import SCHEMA_VERSION, RunResult, RunSpec, ServerSpec, Sizing, WorkloadSpec

FAILURE_CHARS = 500     # a failure's first lines; the whole traceback is in raw/error.txt


@dataclass
class Measured:
    """A run's row plus what did not fit in it (for raw/)."""

    result: RunResult
    outcome: LoadOutcome | None = None
    usage: resources.Usage | None = None
    parallelism: dict = field(default_factory=dict)
    limit: limits.Limit | None = None


@dataclass(frozen=True)
class Judgement:
    """What a measured run means: its ceiling, how close it came, what held it back."""

    limit: limits.Limit | None = None
    efficiency: float | None = None
    bottleneck: str = ""
    generator_share: float | None = None
    foreign_share: float | None = None


def judge(run: RunSpec, server: ServerSpec, wl: WorkloadSpec, sized: Sizing, *, status: str,
          outcome: LoadOutcome | None, usage: resources.Usage | None, seen: dict | None,
          think_s: float | None = None, cpu_per_request_s: float | None = None) -> Judgement:
    """The theoretical limit of the run, the efficiency against it and the verdict.

    ``cpu_per_request_s`` is the server CPU the run spent per request, as the row stores
    it (None: too little CPU to say); it bounds the CPU limit where the calibration
    overstated the work (limits.limit). A run that did not measure (status other than
    "ok") has none of them.
    """
    if outcome is None or status != "ok":
        return Judgement()
    gen_share = outcome.generator_share
    foreign = usage.foreign_share(outcome.generator_cpu_s or 0.0) if usage else None
    load_set, server_set = run.load_placement.cpus, run.server_placement.cpus
    gen_cores = limits.generator_cores_on(outcome.generator_cpu_s, outcome.duration_s,
                                          load_set, server_set)
    lim = limits.limit(model=server.model, runtime=server.runtime, workers=sized.workers,
                       threads=sized.threads, cores=sized.cores, seen=seen,
                       connections=run.load.connections if outcome.loop == "closed" else None,
                       rate=run.load.rate if outcome.loop == "open" else None,
                       wait_s=wl.wait_s, cpu_service_s=wl.cpu_service_s or 0.0, think_s=think_s,
                       generator_cores=gen_cores,
                       generator_rps=limits.generator_ceiling(outcome.rps, gen_share),
                       path_ceiling=_path_ceiling(run), measured_cpu_s=cpu_per_request_s)
    eff = limits.efficiency(outcome.rps, lim.rps)
    # the generator could not send more if it used > 90% of its cores, or if its cores
    # had no idle time left for it because a neighbour took them (the server's own CPU on
    # cores it shares with the generator is the contention the limit already takes in)
    starved = usage.watched_busy_share_without(_server_cpu_on(usage, load_set, server_set)) \
        if usage else None
    busiest = max((s for s in (gen_share, starved) if s is not None), default=None)
    idle = limits.worker_idled(workload=wl.name, workers=sized.workers,
                               connections=run.load.connections if outcome.loop == "closed" else None,
                               idlest_share=_idlest_share(seen))
    verdict = limits.verdict(status=status,
                             error_share=limits.error_share(outcome.errors, outcome.requests),
                             generator_share=busiest, foreign_share=foreign, efficiency=eff,
                             idle_worker=idle)
    return Judgement(lim, eff, verdict, gen_share, foreign)


def _idlest_share(seen: dict | None) -> float | None:
    """The idlest worker process's share of the workers' CPU (run._measure's balance)."""
    return (seen or {}).get("balance", {}).get("idlest_cpu_share")


def _path_ceiling(run: RunSpec) -> limits.PathCeiling | None:
    """The load path's ceiling the sweep resolved for this run (harness/plan/ceiling.py)."""
    if run.ceiling_rps is None or not run.ceiling_run_id:
        return None
    return limits.PathCeiling(run.ceiling_rps, run.ceiling_run_id)


def _server_cpu_on(usage: resources.Usage, load_set: frozenset[int], server_set: frozenset[int]) -> float:
    """The server's CPU seconds on the generator's cores (spread evenly over its own cores)."""
    shared = load_set & server_set
    return usage.server_cpu_s * len(shared) / len(server_set) if shared and server_set else 0.0


def cost_us_per_request(server_cpu_s: float, requests: int) -> float | None:
    """Server CPU per answered request in µs, only where the run used enough CPU to say
    (resources.COST_MIN_CPU_S); else None."""
    if requests <= 0 or server_cpu_s < resources.COST_MIN_CPU_S:
        return None
    return server_cpu_s / requests * 1e6


def _outcome_columns(o: LoadOutcome | None, status: str, connections: int | None) -> dict:
    """The driver's columns of the row. Counts always; figures only for a run that
    measured (status "ok"): a failed run's rates and latencies describe no server."""
    counts = dict(requests=0, errors_connect=0, errors_read=0, errors_write=0, errors_timeout=0,
                  errors_status=0, generator_cpu_s=0.0)
    figures = dict(rps=None, latency_p50_ms=None, latency_p90_ms=None, latency_p99_ms=None,
                   latency_p999_ms=None, latency_max_ms=None, latency_kind="", served_share=None,
                   latency_p99_corrected_ms=None, latency_histogram="")
    if o is None:
        return {**counts, **figures}
    counts = dict(requests=o.requests, errors_connect=o.errors_connect, errors_read=o.errors_read,
                  errors_write=o.errors_write, errors_timeout=o.errors_timeout,
                  errors_status=o.errors_status, generator_cpu_s=o.generator_cpu_s or 0.0)
    if status != "ok":
        return {**counts, **figures}
    return {**counts, **dict(
        rps=o.rps, latency_p50_ms=o.latency_p50_ms, latency_p90_ms=o.latency_p90_ms,
        latency_p99_ms=o.latency_p99_ms, latency_p999_ms=o.latency_p999_ms,
        latency_max_ms=o.latency_max_ms, latency_kind=_latency_kind(o, connections),
        served_share=o.extra.get("served_share"),
        latency_p99_corrected_ms=o.extra.get("corrected_p99_ms"),
        latency_histogram=o.extra.get("latency_histogram", ""))}


def _latency_kind(o: LoadOutcome, connections: int | None) -> str:
    """The driver's latency kind, or served-only when Little's law shows connections that
    were never answered: then the percentiles are of the served requests alone."""
    if o.loop == "closed" and limits.connections_unserved(connections=connections, rps=o.rps,
                                                          latency_max_ms=o.latency_max_ms):
        return limits.SERVED_ONLY_LATENCY
    return o.latency_kind


def build(run: RunSpec, server: ServerSpec, wl: WorkloadSpec, *, started_at: str, sha: str,
          status: str, failure: str = "", outcome: LoadOutcome | None = None,
          usage: resources.Usage | None = None, seen: dict | None = None,
          remote: dict | None = None) -> Measured:
    """The row of a run. ``remote``: the engine's CPU seconds and memory peak of a
    server on another machine, which /proc here cannot see. ``seen["balance"]`` (from
    run._measure) gives the idlest worker process's share of the workers' CPU. The harness's own helper
    (the /upstream delay service) has its CPU in ``usage.helper_cpu_s``: neither the
    server's nor foreign."""
    sized = catalog.sizing(server, run.server_placement.count)
    wl, think_s = _as_measured(run, wl)
    server_cpu_s = remote["cpu_s"] if remote else usage.server_cpu_s if usage else 0.0
    cost_us = cost_us_per_request(server_cpu_s, outcome.requests) \
        if (status == "ok" and (usage or remote) and outcome) else None
    # the row's own cost, the one it stores, is also what bounds its CPU limit
    verdict = judge(run, server, wl, sized, status=status, outcome=outcome, usage=usage, seen=seen,
                    think_s=think_s, cpu_per_request_s=cost_us / 1e6 if cost_us is not None else None)
    rss = remote["mem_peak_mib"] if remote else usage.server_rss_peak_mib if usage else 0.0
    open_loop = run.load.driver == "vegeta"
    lim = verdict.limit
    result = RunResult(
        schema=SCHEMA_VERSION, campaign=run.campaign, run_id=run.run_id, repeat=run.repeat,
        order=run.order, started_at=started_at, git_sha=sha, server=server.name,
        runtime=server.runtime, model=server.model, workers=sized.workers, threads=sized.threads,
        parallelism=json.dumps(seen or {}, sort_keys=True), launcher=run.launcher,
        workload=wl.name, target=wl.target, driver=run.load.driver,
        connections=None if open_loop else run.load.connections,
        rate=run.load.rate if open_loop else None,
        duration_s=run.load.duration_s, server_cpus=run.server_cpus or "",
        load_cpus=run.load_cpus or "", status=status, failure=failure[:FAILURE_CHARS],
        # Little's law without think time: wrk's connections (locust's users think between requests)
        **_outcome_columns(outcome, status, run.load.connections if run.load.driver == "wrk" else None),
        server_cpu_s=server_cpu_s, server_rss_peak_mib=rss,
        helper_cpu_s=usage.helper_cpu_s if usage else 0.0,
        idlest_worker_cpu_share=_idlest_share(seen) if status == "ok" else None,
        generator_cpu_share=verdict.generator_share if verdict.generator_share is not None else 0.0,
        foreign_cpu_share=verdict.foreign_share if verdict.foreign_share is not None else 0.0,
        cpu_us_per_request=cost_us,
        limit_rps=lim.rps if lim else None, limit_kind=lim.kind if lim else "",
        limit_detail=lim.detail if lim else "", efficiency=verdict.efficiency, bottleneck=verdict.bottleneck,
        declared_wait_ms=wl.wait_s * 1000 if wl.wait_declared else None)
    return Measured(result=result, outcome=outcome, usage=usage, parallelism=seen or {}, limit=lim)


def _as_measured(run: RunSpec, wl: WorkloadSpec) -> tuple[WorkloadSpec, float | None]:
    """The workload a row names and its users' think time (None: not a user scenario).

    A locust scenario that mixes paths is its own workload (``browse``, its mix as the
    target, its least mean response time as the wait); one that requests a single
    endpoint measures that endpoint's workload.
    """
    if run.load.driver != "locust":
        return wl, None
    facts = scenarios.facts(run.scenario)
    if facts.mix is None:
        return wl, facts.think_s
    return replace(wl, name=facts.name, target=facts.mix, wait_s=facts.least_response_s,
                   cpu_service_s=None), facts.think_s
