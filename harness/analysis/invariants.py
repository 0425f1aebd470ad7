"""The invariants the audit checks: facts no honest row or point can break, each with its reason.

An :class:`Invariant` is a name, what always holds, why, and a check: rows in (as
:func:`harness.analysis.frame.load` gives them), out a Series of reasons (the row's
own figures) indexed by the rows that break it. Point invariants return a reason
for every run of the point. Thresholds come from :mod:`harness.analysis.thresholds`.
The module is the list of invariants, each beside its check, so it stays one file a
reader can audit top to bottom, a little over this project's 450-line guide.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from harness import catalog, limits
from harness.analysis import frame, stats
from harness.analysis.thresholds import (ERROR_SHARE, GENERATOR_BOUND_SHARE, LIMIT_REACHED,
                                         IDLE_WORKER_FRACTION, MIN_CLEAN_REPEATS, COST_MIN_CPU_S,
                                         NOISY_FOREIGN_SHARE,
                                         ROUNDING, UNSTABLE_CV, WAIT_SLACK_MS, WINDOW_SLACK)
from workloads.contract import WORKLOADS as ENDPOINT_WORKLOADS

STATUSES = ("ok", "failed", "not-verified")
LATENCIES = ("latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_p999_ms", "latency_max_ms")
COUNTS = ("requests", "errors_connect", "errors_read", "errors_write", "errors_timeout", "errors_status")
# Workloads whose requests go through a helper the harness runs (the /upstream delay
# service, workloads/upstream/): its CPU is the harness's own, not a neighbour's.
HELPER_WORKLOADS = frozenset({"upstream"})
# Latency measured from each request's intended send time: the only honest open-loop kind
# (Gil Tene, "How NOT to measure latency", coordinated omission).
OPEN_LOOP_LATENCY = "from-intended-time"
SERVED_ONLY_LATENCY = limits.SERVED_ONLY_LATENCY
# What one point is: POINT less the campaign (an audit reads one campaign).
POINT_KEY = tuple(k for k in frame.POINT if k != "campaign")


@dataclass(frozen=True)
class Invariant:
    name: str
    scope: str                                          # "row" | "point"
    statement: str                                      # what always holds
    why: str
    check: Callable[[pd.DataFrame], pd.Series]


def point_label(row) -> str:
    load = (f"c{int(row['connections'])}" if pd.notna(row["connections"])
            else f"{row['rate']:g}/s" if pd.notna(row["rate"]) else "no load recorded")
    where = "" if row["launcher"] == "native" else f" ({row['launcher']})"
    return f"{row['server']} {row['workload']} {row['target']} {row['driver']} {load}{where}"


def _n(x, fmt: str = "{:,.0f}") -> str:
    return "–" if x is None or pd.isna(x) else fmt.format(x)


def _reasons(runs: pd.DataFrame, mask: pd.Series, reason: Callable[[pd.Series], str]) -> pd.Series:
    bad = runs[mask.fillna(False).astype(bool)]
    return pd.Series([reason(r) for _, r in bad.iterrows()], index=bad.index, dtype=object)


def _measured(runs: pd.DataFrame) -> pd.Series:
    return runs["status"] == "ok"


# --- figures that cannot be -----------------------------------------------------------------

def negative(runs):
    cols = [c for c in COUNTS + LATENCIES + ("rps", "duration_s", "server_cpu_s", "server_rss_peak_mib",
                                            "generator_cpu_s", "cpu_us_per_request", "limit_rps")]
    below = runs[cols].lt(0)
    return _reasons(runs, below.any(axis=1), lambda r: "negative " + ", ".join(
        f"{c} {r[c]:g}" for c in cols if pd.notna(r[c]) and r[c] < 0))


def shares(runs):
    cols = ("generator_cpu_share", "foreign_cpu_share")
    out = runs[list(cols)].lt(-ROUNDING) | runs[list(cols)].gt(1 + ROUNDING)
    return _reasons(runs, out.any(axis=1), lambda r: ", ".join(
        f"{c} {r[c]:g}" for c in cols if not -ROUNDING <= r[c] <= 1 + ROUNDING) + " is not a share of 0..1")


def labels(runs):
    bad = ~runs["status"].isin(STATUSES) | ~runs["bottleneck"].isin(limits.VERDICTS)
    return _reasons(runs, bad, lambda r: f"status {r['status']!r}, verdict {r['bottleneck']!r}; "
                    f"known: {', '.join(STATUSES)} / {', '.join(v for v in limits.VERDICTS if v)}")


def duplicate_ids(runs):
    return _reasons(runs, runs["run_id"].duplicated(keep=False),
                    lambda r: f"run id {r['run_id']} stored more than once")


def failed_with_figures(runs):
    carries = (runs["rps"] > 0) | runs[list(LATENCIES)].notna().any(axis=1) \
        | runs["efficiency"].notna() | (runs["bottleneck"] != "")
    return _reasons(runs, ~_measured(runs) & carries, lambda r: (
        f"status {r['status']} ({r['failure'] or 'no reason'}) yet rps {_n(r['rps'], '{:,.1f}')}, "
        f"p50 {_n(r['latency_p50_ms'], '{:.2f}')} ms, verdict {r['bottleneck'] or '–'}: a chart would "
        f"draw a run that did not measure"))


def no_verdict(runs):
    return _reasons(runs, _measured(runs) & (runs["bottleneck"] == ""),
                    lambda r: "status ok with no verdict")


def rps_vs_requests(runs):
    bad = _measured(runs) & (((runs["requests"] > 0) & (runs["rps"] <= 0))
                             | ((runs["requests"] == 0) & (runs["rps"] > 0)))
    return _reasons(runs, bad, lambda r: f"{r['requests']:,} requests at {r['rps']:g} req/s")


def percentile_order(runs):
    lat = runs[list(LATENCIES)]
    bad = pd.Series(False, index=runs.index)
    for lo, hi in zip(LATENCIES, LATENCIES[1:]):
        bad |= lat[lo] > lat[hi] * (1 + ROUNDING)
    return _reasons(runs, bad, lambda r: "percentiles out of order: " + " / ".join(
        f"{c.split('_')[1]} {_n(r[c], '{:.2f}')}" for c in LATENCIES) + " ms")


def below_wait(runs):
    wait = runs["target"].map(frame.wait_ms).astype("float64")
    bad = _measured(runs) & (runs["requests"] > 0) & (runs["latency_p50_ms"] < wait - WAIT_SLACK_MS)
    return _reasons(runs, bad, lambda r: f"p50 {r['latency_p50_ms']:.2f} ms below the "
                    f"{frame.wait_ms(r['target']):g} ms every request waits")


def duration(runs):
    clean = _measured(runs) & (runs["rps"] > 0) & (runs["errors"] == 0)
    took = runs["requests"] / runs["rps"].where(runs["rps"] > 0)
    off = (took / runs["duration_s"] - 1).abs() > WINDOW_SLACK
    return _reasons(runs, clean & off, lambda r: (
        f"{r['requests']:,} requests at {r['rps']:,.1f} req/s take {r['requests'] / r['rps']:.2f} s, "
        f"not the {r['duration_s']:g} s the row says it ran"))


def cpu_beyond_cores(runs):
    room = runs["duration_s"] * runs["cores"].astype("float64")
    bad = runs["server_cpu_s"] > room * (1 + WINDOW_SLACK)
    return _reasons(runs, bad, lambda r: (
        f"server CPU {r['server_cpu_s']:.2f} s in {r['duration_s']:g} s on {int(r['cores'])} core(s) "
        f"({r['server_cpu_s'] / (r['duration_s'] * r['cores']):.0%} of them): the CPU was read over "
        f"another window than the requests, so its cost per request is wrong"))


def efficiency_arithmetic(runs):
    expect = runs["rps"] / runs["limit_rps"].where(runs["limit_rps"] > 0)
    wrong = (runs["efficiency"] - expect).abs() > ROUNDING * expect.abs().clip(lower=1)
    unpaired = runs["efficiency"].notna() != runs["limit_rps"].notna()
    return _reasons(runs, wrong | unpaired, lambda r: (
        f"efficiency {_n(r['efficiency'], '{:.4f}')} but rps / limit = {r['rps']:,.1f} / "
        f"{_n(r['limit_rps'], '{:,.1f}')}"))


def cost_arithmetic(runs):
    expect = runs["server_cpu_s"] * 1e6 / runs["requests"].where(runs["requests"] > 0)
    wrong = (runs["cpu_us_per_request"] - expect).abs() > ROUNDING * expect.abs().clip(lower=1)
    return _reasons(runs, wrong, lambda r: (
        f"cost {r['cpu_us_per_request']:,.1f} µs/request but server CPU / requests = "
        f"{r['server_cpu_s']:g} s / {r['requests']:,} = {r['server_cpu_s'] * 1e6 / r['requests']:,.1f} µs"))


# --- limits and verdicts -----------------------------------------------------------------------

def _parallelism(cell) -> dict:
    """A row's parallelism JSON as read back from the running server; {} where absent or broken."""
    try:
        seen = json.loads(cell) if isinstance(cell, str) and cell else {}
    except ValueError:
        return {}
    return seen if isinstance(seen, dict) else {}


def _sizing(r) -> str:
    seen = _parallelism(r["parallelism"])
    observed = ", ".join(f"{k}={v}" for k, v in seen.items() if k in ("processes", "os_threads"))
    return f"catalog sizing {r['workers']} x {r['threads']}" + (f"; observed {observed}" if observed else "")


def above_limit(runs):
    bad = _measured(runs) & (runs["efficiency"] > 1 + WINDOW_SLACK)
    return _reasons(runs, bad, lambda r: (
        f"{r['rps']:,.0f} req/s is {r['efficiency']:.0%} of its {r['limit_kind']} limit of "
        f"{r['limit_rps']:,.1f} req/s ({_sizing(r)}): a ceiling the server beats is the wrong model "
        f"of this server"))


def _opt(value):
    """A stored cell as a plain number, None where it is empty."""
    return None if value is None or pd.isna(value) else value.item() if hasattr(value, "item") else value


def _worker_idled(r) -> bool:
    """limits.worker_idled on the row's stored figures."""
    return limits.worker_idled(workload=r["workload"], workers=_opt(r["workers"]),
                               connections=_opt(r["connections"]),
                               idlest_share=_opt(r.get("idlest_worker_cpu_share")))


def expected_verdict(r) -> str:
    """The verdict limits.verdict gives this row's stored figures."""
    return limits.verdict(status=r["status"], error_share=limits.error_share(int(r["errors"]), int(r["requests"])),
                          generator_share=r["generator_cpu_share"],
                          foreign_share=r["foreign_cpu_share"],
                          efficiency=None if pd.isna(r["efficiency"]) else r["efficiency"],
                          idle_worker=_worker_idled(r))


def verdict_contradicts(runs):
    expect = pd.Series([expected_verdict(r) for _, r in runs.iterrows()], index=runs.index, dtype=object)
    # a "generator" verdict may rest on the generator's cores being starved by a
    # neighbour, which the row does not record; every other verdict is its figures'
    starved = (runs["bottleneck"] == "generator") & expect.isin(("noisy", "imbalance", "limit", "server"))
    # an idle worker the verdict does not name is idle-worker's to report, with its figures
    idle = expect == "imbalance"
    bad = _measured(runs) & (runs["bottleneck"] != expect) & ~starved & ~idle & (runs["bottleneck"] != "")
    return _reasons(runs, bad, lambda r: (
        f"verdict {r['bottleneck']} but its figures say {expected_verdict(r)}: errors "
        f"{limits.error_share(int(r['errors']), int(r['requests'])):.1%} (over {ERROR_SHARE:.0%} is errors), "
        f"generator {r['generator_cpu_share']:.0%} (over {GENERATOR_BOUND_SHARE:.0%}), foreign "
        f"{r['foreign_cpu_share']:.0%} (over {NOISY_FOREIGN_SHARE:.0%} is noisy), efficiency "
        f"{_n(r['efficiency'], '{:.0%}')} ({LIMIT_REACHED:.0%} is the limit)"))


def helper_as_noise(runs):
    # rows that record the helper's CPU apart (helper_cpu_s, schema 2) left it out of foreign
    recorded = runs["helper_cpu_s"].notna() if "helper_cpu_s" in runs.columns else False
    bad = runs["workload"].isin(HELPER_WORKLOADS) & (runs["bottleneck"] == "noisy") & ~recorded
    return _reasons(runs, bad, lambda r: (
        f"flagged noisy on foreign CPU {r['foreign_cpu_share']:.0%}, which counts the harness's own "
        f"{r['workload']} helper on the server's cores"))


def _overlap(r) -> int:
    server, load = frame.cpu_set(r["server_cpus"]), frame.cpu_set(r["load_cpus"])
    return len(server & load) if server and load else 0


def _generator_on_server(r) -> float:
    """Share of the server's cores the generator used: its CPU, spread over its cores,
    on those it shares with the server."""
    load, cores = frame.count_cpus(r["load_cpus"]), r["cores"]
    if not load or pd.isna(cores) or not r["duration_s"]:
        return 0.0
    return r["generator_cpu_s"] * _overlap(r) / load / (r["duration_s"] * int(cores))


def generator_shares_cores(runs):
    took = pd.Series([_generator_on_server(r) for _, r in runs.iterrows()], index=runs.index, dtype=float)
    bad = _measured(runs) & runs["bottleneck"].isin(("server", "limit")) & (took > NOISY_FOREIGN_SHARE)
    return _reasons(runs, bad, lambda r: (
        f"the generator ran on the server's cores (load CPUs {r['load_cpus']}, server CPUs "
        f"{r['server_cpus']}) and used "
        f"{_generator_on_server(r):.0%} of them, more than the {NOISY_FOREIGN_SHARE:.0%} that makes a run "
        f"noisy; the verdict {r['bottleneck']} at {_n(r['efficiency'], '{:.0%}')} of the limit ignores it"))


def cost_from_ticks(runs):
    bad = runs["cpu_us_per_request"].notna() & (runs["server_cpu_s"] < COST_MIN_CPU_S)
    return _reasons(runs, bad, lambda r: (
        f"cost {r['cpu_us_per_request']:,.0f} µs/request from {r['server_cpu_s']:g} s of CPU; under "
        f"{COST_MIN_CPU_S:g} s the work that is not per request (and /proc's 10 ms ticks, for rows "
        f"measured before schedstat) is too large a part of it"))


# Verdicts that already say the figure is not the model's, more damning than an idle worker.
_MORE_DAMNING = frozenset({"errors", "generator", "noisy"})


def idle_worker(runs):
    if "idlest_worker_cpu_share" not in runs.columns:
        return pd.Series(dtype=object)
    idled = pd.Series([_worker_idled(r) for _, r in runs.iterrows()], index=runs.index, dtype=bool)
    bad = _measured(runs) & idled & ~runs["bottleneck"].isin(_MORE_DAMNING | {"imbalance"})
    return _reasons(runs, bad, lambda r: (
        f"the idlest of {int(r['workers'])} worker processes did {r['idlest_worker_cpu_share']:.0%} of the "
        f"workers' CPU on a CPU-bound point with {int(r['connections'])} connections, under half its even "
        f"share of {1 / r['workers']:.0%}: a core waited while work queued on another worker, and the "
        f"verdict {r['bottleneck']} does not say so"))


def locust_as_endpoint(runs):
    bad = (runs["driver"] == "locust") & (runs["workload"].isin(ENDPOINT_WORKLOADS)
                                          | (runs["limit_kind"] == "generator"))
    return _reasons(runs, bad, lambda r: (
        f"a locust scenario with think time stored as workload {r['workload']} ({r['target']}) with a "
        f"{r['limit_kind'] or 'no'} limit; its limit is users / (think time + response time)"))


def unserved(runs):
    closed = _measured(runs) & (runs["driver"] == "wrk") & (runs["rps"] > 0) & runs["connections"].notna()
    idle = pd.Series([limits.connections_unserved(connections=_opt(r["connections"]), rps=_opt(r["rps"]),
                                                  latency_max_ms=_opt(r["latency_max_ms"]))
                      for _, r in runs.iterrows()], index=runs.index, dtype=bool)
    bad = closed & idle & (runs["latency_kind"] != SERVED_ONLY_LATENCY)
    return _reasons(runs, bad, lambda r: (
        f"{int(r['connections'])} connections / {r['rps']:,.1f} req/s = {r['connections'] / r['rps'] * 1000:,.0f} ms "
        f"per request (Little's law), longer than the slowest latency recorded ({r['latency_max_ms']:,.0f} ms): "
        f"some connections waited unserved, yet latency_kind {r['latency_kind']!r} presents the percentiles "
        f"as every request's"))


def load_mode(runs):
    open_driver = runs["driver"] == "vegeta"
    bad = _measured(runs) & ((open_driver & (runs["rate"].isna() | runs["connections"].notna()))
                             | (~open_driver & (runs["connections"].isna() | runs["rate"].notna())))
    return _reasons(runs, bad, lambda r: (
        f"{r['driver']} run with connections {_n(r['connections'])} and rate {_n(r['rate'], '{:g}')}"))


def open_loop_latency(runs):
    bad = _measured(runs) & (runs["driver"] == "vegeta") & (runs["latency_kind"] != OPEN_LOOP_LATENCY)
    return _reasons(runs, bad, lambda r: f"open-loop latency of kind {r['latency_kind']!r}")


# --- the Python build -------------------------------------------------------------------------

GIL_FIELDS = ("gil_enabled", "python_build")


def expected_gil_states(servers) -> dict[str, dict]:
    """What each of ``servers`` in the catalog should read back, {field: value} over GIL_FIELDS
    (catalog.expects_gil, catalog.python_build); servers not in the catalog or not Python are
    left out. The catalog is read once, each server looked up once."""
    entries = catalog.load()
    out = {}
    for server in set(servers):
        spec = entries.get(server)
        if spec is not None and catalog.python_build(spec) is not None:
            out[server] = {"gil_enabled": catalog.expects_gil(spec), "python_build": catalog.python_build(spec)}
    return out


def _differing(got: dict, want: dict) -> list[str]:
    """The GIL_FIELDS read back (not None) that differ from what ``want`` expects."""
    return [f for f in GIL_FIELDS if f in want and got.get(f) is not None and got[f] != want[f]]


def gil_mismatches(runs, expected: dict[str, dict]) -> pd.Series:
    """Rows whose read-back GIL state or Python build differs from ``expected[server]``; a field
    the row did not read back (old campaigns, a server that did not say) is not compared."""
    seen = runs["parallelism"].map(_parallelism)
    wrong = pd.Series([_differing(got, expected.get(server, {})) for server, got in zip(runs["server"], seen)],
                      index=runs.index, dtype=object)
    return _reasons(runs, wrong.map(bool), lambda r: (
        f"{r['server']} read back " + ", ".join(
            f"{f} {json.dumps(seen[r.name][f])} where its catalog entry expects "
            f"{json.dumps(expected[r['server']][f])}" for f in wrong[r.name])
        + ": the row measured another interpreter than its entry names (an extension not marked "
        "free-threading safe re-enables the GIL at run time)"))


def gil_state(runs):
    return gil_mismatches(runs, expected_gil_states(runs["server"]))


# --- points ----------------------------------------------------------------------------------

def _per_point(runs: pd.DataFrame, reason: Callable[[pd.DataFrame], str | None]) -> pd.Series:
    """``reason(point's rows)`` for every row of each point it finds wrong."""
    out = []
    for _, group in runs.groupby(list(POINT_KEY), dropna=False, sort=False):
        why = reason(group)
        if why:
            out.append(pd.Series(why, index=group.index, dtype=object))
    return pd.concat(out) if out else pd.Series(dtype=object)


def few_clean(runs):
    def reason(g):
        clean = int(g["usable"].sum())
        # every repeat erring is the server's answer; every repeat generator-bound is a
        # lower bound, published as one (drawn hollow): more runs measure the generator again
        if clean >= MIN_CLEAN_REPEATS or any((_measured(g) & (g["bottleneck"] == v)).all()
                                             for v in ("errors", "generator")):
            return None
        others = "; ".join(sorted(set(g.loc[~g["usable"], "flags"]))) or "none stored"
        return f"{clean} clean repeat(s) of {MIN_CLEAN_REPEATS} needed; the others: {others}"
    return _per_point(runs, reason)


def unstable_point(runs):
    def reason(g):
        rps = g.loc[g["usable"], "rps"]
        cv = stats.robust_cv(rps)
        if cv is None or cv <= UNSTABLE_CV:
            return None
        return (f"req/s over {len(rps)} clean repeats {rps.min():,.1f}-{rps.max():,.1f}, coefficient of "
                f"variation {cv:.0%} (robust: 1.4826 MAD / median; over {UNSTABLE_CV:.0%})")
    return _per_point(runs, reason)


def errors_only(runs):
    key = [runs[k] for k in ("server", "workload", "launcher")]
    measured = _measured(runs).groupby(key).transform("sum")
    erred = (_measured(runs) & (runs["bottleneck"] == "errors")).groupby(key).transform("sum")
    bad = _measured(runs) & (measured > 0) & (measured == erred)
    return _reasons(runs, bad, lambda r: (
        f"every measured run of {r['server']} on {r['workload']} ends in errors: this one "
        f"{r['errors']:,} errors (read {r['errors_read']:,}, timeout {r['errors_timeout']:,}, status "
        f"{r['errors_status']:,}) against {r['requests']:,} requests; there is no figure for it"))


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("negative-figure", "row", "Counts, rates, CPU, memory, durations and latencies are never negative.",
         "A negative figure is a parsing or subtraction error.", negative),
    Invariant("share-out-of-range", "row", "Generator and foreign CPU shares lie in 0..1.",
         "They are fractions of CPU time that exists.", shares),
    Invariant("unknown-label", "row", f"Status is one of {', '.join(STATUSES)}; the verdict one of limits.VERDICTS.",
         "Analysis filters on these words; another one silently drops the row.", labels),
    Invariant("duplicate-run-id", "row", "Each run id is stored once.",
         "The store resumes by run id; a second row with one means two measurements share a name.",
         duplicate_ids),
    Invariant("failed-with-figures", "row", "A run that did not measure (failed, not verified) carries no rate, "
         "latency, efficiency or verdict.", "Charts and medians would draw it as a measurement "
         "(waitress's crashed runs showed the best p50 on a 50 ms wait).", failed_with_figures),
    Invariant("measured-without-verdict", "row", "A measured run has a verdict.",
         "The verdict says whether the figure is the server's.", no_verdict),
    Invariant("rate-without-requests", "row", "A measured run has requests > 0 exactly when its rate is > 0.",
         "A rate is requests over time.", rps_vs_requests),
    Invariant("percentiles-out-of-order", "row", "p50 <= p90 <= p99 <= p99.9 <= max.",
         "Percentiles of one distribution are ordered.", percentile_order),
    Invariant("latency-below-wait", "row", f"The median latency is at least the workload's own wait "
         f"(less {WAIT_SLACK_MS:g} ms of timer slack).", "Every request of /io?ms=M waits M ms before "
         "it is answered.", below_wait),
    Invariant("duration-mismatch", "row", f"For a run without errors, requests / rps is its duration "
         f"(within {WINDOW_SLACK:.0%}).", "The rate and the request count come from one window.", duration),
    Invariant("cpu-beyond-cores", "row", f"Server CPU is at most duration x its cores (+{WINDOW_SLACK:.0%}).",
         "A process tree cannot run on more CPUs than it is pinned to; more means the CPU was read "
         "over a longer window than the load.", cpu_beyond_cores),
    Invariant("efficiency-arithmetic", "row", "efficiency = rps / limit_rps, and one is stored with the other.",
         "It is stored for reading, not measured.", efficiency_arithmetic),
    Invariant("cost-arithmetic", "row", "cpu_us_per_request = server CPU / requests.",
         "It is stored for reading, not measured.", cost_arithmetic),
    Invariant("above-limit", "row", f"A server stays within its theoretical limit (+{WINDOW_SLACK:.0%} for the "
         "measuring window).", "A ceiling the server beats is a wrong model of that server (granian at "
         "24,592% of a limit computed from threads = 1).", above_limit),
    Invariant("verdict-contradicts-figures", "row", "The verdict is what harness.limits.verdict gives the row's "
         "own error share, generator share, foreign share and efficiency.",
         "A verdict decides whether the figure is published as the server's.", verdict_contradicts),
    Invariant("helper-counted-as-noise", "row", "The harness's own helper (the /upstream delay service) is "
         "never counted as foreign CPU that makes a run noisy.", "Its CPU is part of the measurement "
         "setup; counted as a neighbour it flags every fast server's upstream run.", helper_as_noise),
    Invariant("generator-on-server-cores", "row", f"A generator on the server's cores uses at most "
         f"{NOISY_FOREIGN_SHARE:.0%} of them, or the verdict says so.", "It takes CPU the server's limit "
         "counts on: Go at 60-70% of its CPU limit with the cores full was contention, not Go.",
         generator_shares_cores),
    Invariant("cost-from-ticks", "row", f"A cost per request comes from at least {COST_MIN_CPU_S:g} s of server CPU.",
         "/proc counts CPU in 10 ms ticks: Go's cost read 750 µs at 50 req/s and 101 µs at 4,000.",
         cost_from_ticks),
    Invariant("idle-worker", "row", "On a CPU-bound point with at least one connection per worker, a worker "
         f"process of a multi-process server that did under {IDLE_WORKER_FRACTION:.0%} of its even share of the "
         "workers' CPU makes the verdict imbalance.", "Connections shared unevenly leave a core idle (gunicorn#3433, granian#544, Node's "
         "cluster docs); the throughput is then the balancing's, not the model's.", idle_worker),
    Invariant("locust-as-endpoint", "row", "A locust run is stored as its scenario, with a closed-system limit, "
         "not as an endpoint workload with a generator limit.", "A scenario with think time Z and N users "
         "is bounded by N / (Z + R) (the interactive response time law), not by the endpoint's ceiling.",
         locust_as_endpoint),
    Invariant("unserved-connections", "row", "In a closed loop, connections / rps (the mean time per request, "
         f"Little's law) is at most the slowest latency recorded, or the row's latency_kind is "
         f"{SERVED_ONLY_LATENCY}.", "Otherwise some connections waited without an answer, and the "
         "percentiles, which describe only the clients that were served, would be drawn as every "
         "request's: the analysis publishes no latency for a served-only row.", unserved),
    Invariant("load-mode", "row", "An open-loop (vegeta) run has a rate and no connections; a closed-loop run "
         "connections and no rate.", "The loop decides which limit and which latency apply.", load_mode),
    Invariant("open-loop-latency", "row", "Open-loop latency is measured from each request's intended send time.",
         "Otherwise a stalled server hides its queue (coordinated omission).", open_loop_latency),
    Invariant("gil-state", "row", "A Python row's GIL state and build, as read back from the running server, "
         "are what its catalog entry expects (catalog.expects_gil, catalog.python_build).",
         "Importing an extension not marked free-threading safe re-enables the GIL at run time (PEP 703, "
         "https://peps.python.org/pep-0703/; https://docs.python.org/3.13/howto/free-threading-python.html): "
         "a free-threaded row that ran with the GIL measures something else.", gil_state),
    Invariant("too-few-clean-repeats", "point", f"A point has at least {MIN_CLEAN_REPEATS} clean repeats "
         "(ok, not generator-bound, noisy, imbalanced or erring), unless every repeat ended in errors (the "
         "server's answer) or was generator-bound (a lower bound, drawn as one).",
         "A median of fewer is one or two runs, and a flagged run is not the server's number.", few_clean),
    Invariant("unstable-point", "point", f"A point's clean repeats agree: robust coefficient of variation of "
         f"req/s (1.4826 x median absolute deviation / median) at most {UNSTABLE_CV:.0%}.", "pyperf's threshold: "
         "beyond it a difference between servers may be run-to-run noise. The point is published as its "
         "median, so the spread judged is the median's, which one stray repeat does not decide.",
         unstable_point),
    Invariant("errors-only", "point", "Each server x workload has at least one measured run that is not mostly errors.",
         "Otherwise the server was never measured on it (uWSGI: read errors on every request).", errors_only),
)
