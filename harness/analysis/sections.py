"""The report's sections: each a function from rows (and host facts) to a list of blocks."""
from __future__ import annotations

import json
import math

import pandas as pd

from harness.analysis import audit, claims, frame, gil, stats, thresholds
from harness.analysis.render import Heading, Para, Table
from harness.plan import ceiling

def _num(value, fmt="{:,.0f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    return fmt.format(value)


def _load_label(row, cores: bool = False) -> str:
    """The load, the server's cores (``cores``: when the campaign's points differ in
    them) and the launcher when it is not native."""
    load = f"c{int(row['connections'])}" if pd.notna(row["connections"]) else f"{_num(row['rate'], '{:g}')}/s"
    where = []
    if cores and pd.notna(row.get("cores")):
        where.append(f"{int(row['cores'])} core{'s' if int(row['cores']) > 1 else ''}")
    if row.get("launcher", "native") != "native":
        where.append(str(row["launcher"]))
    return load + (f" ({', '.join(where)})" if where else "")


def launchers(runs: pd.DataFrame) -> list:
    """Points measured natively and in Docker in this campaign, side by side."""
    rps = frame.launchers_side_by_side(runs, "rps")
    if rps.empty:
        return []
    cpu = frame.launchers_side_by_side(runs, "cpu_us_per_request").set_index(["server", "target", "loop", "connections", "rate", "cores"])
    rows = []
    by_cores = runs["cores"].nunique() > 1
    for _, r in rps.sort_values(["server", "target", "connections"]).iterrows():
        key = (r["server"], r["target"], r["loop"], r["connections"], r["rate"], r["cores"])
        c = cpu.loc[key] if key in cpu.index else None
        rows.append([r["server"], f"`{r['target']}`", _load_label(r, cores=by_cores),
                     _num(r["before"]), _num(r["after"]),
                     _num(r["ratio"] - 1, "{:+.1%}") + ("" if r["moved"] else " (within noise)"),
                     _num(c["before"], "{:,.1f}") if c is not None else "–",
                     _num(c["after"], "{:,.1f}") if c is not None else "–"])
    return [Heading(2, "Native and Docker side by side"),
            Para("The same points, each launcher on a fresh server, one after the other in every repeat "
                 "(medians; *within noise* when the two ranges of repeats overlap). CPU per request is "
                 "read from /proc for both (a container's processes through their host pids)."),
            Table(["server", "target", "load", "native req/s", "docker req/s", "docker vs native",
                   "native CPU µs/req", "docker CPU µs/req"], rows)]


def _flatten(meta: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, name + ".")
        else:
            out.append((name, json.dumps(value) if isinstance(value, (list, bool)) else str(value)))
    return out


def environment(meta: dict) -> list:
    blocks = [Heading(2, "Environment")]
    if not meta:
        return blocks + [Para("campaign.json holds no host facts.")]
    rows = [[k, v] for k, v in _flatten(meta) if k not in ("fixture",)]
    return blocks + [Table(["fact", "value"], rows)]


def servers(runs: pd.DataFrame) -> list:
    cols = ["server", "runtime", "model", "workers", "threads", "launcher", "server_cpus", "load_cpus"]
    table = runs.drop_duplicates(cols)[cols + ["parallelism"]].sort_values(["runtime", "server"])
    rows = []
    for _, r in table.iterrows():
        try:
            par = json.loads(r["parallelism"]) if r["parallelism"] else {}
        except ValueError:
            par = {"raw": r["parallelism"]}
        observed = ", ".join(f"{k}={v}" for k, v in par.items())
        rows.append([r["server"], r["runtime"], r["model"], str(r["workers"]), str(r["threads"]),
                     r["launcher"], r["server_cpus"], r["load_cpus"], observed or "–"])
    return [Heading(2, "Servers"),
            Para("Each server's configuration as the rows recorded it: the sizing the catalog resolved "
                 "(workers x threads), where it ran, and the parallelism read back from the running "
                 "server (processes, OS threads, CPUs allowed, and what the runtime reports of itself)."),
            Table(["server", "runtime", "model", "workers", "threads", "launcher", "server CPUs",
                   "load CPUs", "observed parallelism"], rows)]


def gil_axis(runs: pd.DataFrame) -> list:
    """Each free-threaded server beside its standard-build twin, point by point; nothing
    when the campaign has no pair."""
    pairs = gil.pairs(runs)
    if pairs.empty:
        return []
    rows = [[r["server"], r["twin"], f"{r['workload']} `{r['target_ft']}`"
             + ("" if r["target_ft"] == r["target_std"] else f" (standard `{r['target_std']}`)"),
             _load_label(r, cores=True), _num(r["rps_std"]), _num(r["rps_ft"]),
             _num(r["ratio"], "{:.2f}x") + (f" ({_num(r['ratio_low'], '{:.2f}')}–{_num(r['ratio_high'], '{:.2f}')})"
                                            if pd.notna(r["ratio_low"]) else ""),
             _num(r["cpu_std"]), _num(r["cpu_ft"]), f"{r['gil_std']} / {r['gil_ft']}"]
            for _, r in pairs.iterrows()]
    return [Heading(2, "The GIL axis"),
            Para("Each server on free-threaded CPython (PEP 703, the -ft entries; -ft-gil: the same build "
                 "with the GIL turned back on) beside its standard-build twin at the same point (medians "
                 f"of repeats; the ratio free-threaded / standard with its {thresholds.CONFIDENCE:.0%} "
                 "bootstrap interval). Calibrated /cpu gives each build its own N for the same service "
                 "time where the campaign calibrated them apart. The GIL state is the one the rows read "
                 "back from the running servers (standard / free-threaded), not the one assumed."),
            Table(["server", "twin", "workload", "load", "standard req/s", "free-threaded req/s",
                   f"ratio ({thresholds.CONFIDENCE:.0%} CI)", "standard CPU µs/req",
                   "free-threaded CPU µs/req", "GIL read back"], rows)]


def summary(runs: pd.DataFrame) -> list:
    blocks = [Heading(2, "Results by workload")]
    agg = frame.aggregate(runs, ["rps", "latency_p50_ms", "latency_p99_ms", "efficiency",
                                 "cpu_us_per_request", "server_rss_peak_mib", "error_rate"], ci=["rps"])
    hows = {"wrk": "closed loop (wrk), by connections",
            "locust": "locust users (a scenario with think time), by users",
            "vegeta": "open loop (fixed rate), latency from the intended send time"}
    by_cores = runs["cores"].nunique() > 1
    for workload in dict.fromkeys(runs["workload"]):
        for driver, how in hows.items():
            pts = agg[(agg["workload"] == workload) & (agg["driver"] == driver)]
            if pts.empty:
                continue
            pts = pts.sort_values(["server", "connections", "rate"])
            targets = ", ".join(sorted(pts["target"].unique()))
            blocks.append(Heading(3, f"{workload}: `{targets}`, {how}"))
            rows = [[r["server"], _load_label(r, cores=by_cores), str(int(r["n"])),
                     _num(r["rps_median"]) + (" (flagged)" if r["all_flagged"] else ""),
                     f"{_num(r['rps_ci_low'])} – {_num(r['rps_ci_high'])}" if pd.notna(r["rps_ci_low"]) else "–",
                     _num(r["rps_rcv"], "{:.1%}"), _latency(r, "latency_p50_ms_median"),
                     _latency(r, "latency_p99_ms_median"), _num(r["efficiency_median"], "{:.0%}"),
                     _num(r["cpu_us_per_request_median"]), _num(r["server_rss_peak_mib_median"]),
                     _num(r["error_rate_median"], "{:.1%}"), r["verdicts"]]
                    for _, r in pts.iterrows()]
            blocks.append(Table(["server", "load", "runs", "req/s (median)", f"{thresholds.CONFIDENCE:.0%} CI",
                                 "rCV", "p50 ms", "p99 ms", "of limit", "CPU µs/req", "RSS MiB", "errors",
                                 "bottleneck"], rows))
    return blocks


def _latency(r, col: str) -> str:
    """A point's latency, or why it has none: its connections were not all answered."""
    if pd.isna(r[col]) and r["n_served_only"]:
        return "unserved"
    return _num(r[col], "{:,.1f}")


def load_path_ceiling(own: pd.DataFrame | None, runs: pd.DataFrame) -> list:
    """The load path's ceiling (harness/launch/ceiling.py), the harness's own rows: per
    placement and connection count, nginx's median req/s with its interval and repeats, and
    the /hello rows held to it. One line when the campaign has /hello wrk rows but no
    ceiling; nothing when it has neither."""
    hello = runs[(runs["workload"] == "hello") & (runs["driver"] == "wrk")]
    blocks = [Heading(2, "The load path's ceiling")]
    if own is None or own.empty:
        return [] if hello.empty else blocks + [Para(
            "Not measured in this campaign (no `ceiling = \"nginx\"` in its sweep), so no /hello "
            "row is held to it.")]
    rows = []
    for (server_cpus, load_cpus, connections), pts in own.groupby(
            ["server_cpus", "load_cpus", "connections"], dropna=False):
        every = pts.to_dict("records")
        pool = ceiling.preferred([r for r in every if ceiling.measured(r)])
        rps = [r["rps"] for r in pool]
        ci = stats.bootstrap_ci(rps)
        repeats = str(len(pool)) if len(pool) == len(every) else f"{len(pool)} of {len(every)}"
        if pool and all(r["bottleneck"] == "noisy" for r in pool):
            repeats += " (noisy)"
        rows.append([server_cpus, load_cpus, _num(connections), repeats, _num(stats.median(rps)),
                     f"{_num(ci[0])} – {_num(ci[1])}" if ci else "–", _held(hello, list(pts["run_id"]))])
    return blocks + [
        Para("What the load path alone allows: Debian's nginx with one worker process returning "
             "/hello's bytes from its configuration, on the server's CPUs, driven by the same wrk at "
             "the same connections for the same time (harness/launch/ceiling.py). Median of its "
             f"repeats with the {thresholds.CONFIDENCE:.0%} bootstrap interval; clean repeats only, "
             "noisy ones where none is clean, one that failed or had errors never. A /hello row held "
             "to it has `limit_kind` load-path and names the ceiling's run in `limit_detail` (its own "
             "repeat's, else the median of the others); its efficiency is its share of that ceiling."),
        Table(["server CPUs", "load CPUs", "connections", "repeats", "req/s (median)",
               f"{thresholds.CONFIDENCE:.0%} CI", "/hello rows held to it"], rows)]


def _held(hello: pd.DataFrame, run_ids: list[str]) -> str:
    """The /hello rows whose limit is one of ``run_ids`` (ceiling runs), by server: "go (3)"."""
    # a ceiling's run id names its point in full (harness/plan/ceiling.py): no id of
    # another point is a part of it
    held = hello[(hello["limit_kind"] == "load-path") & hello["limit_detail"].map(
        lambda detail: any(i in str(detail) for i in run_ids))]
    return ", ".join(f"{server} ({n})" for server, n in held.groupby("server").size().items()) or "none"


def audit_section(result: audit.Audit) -> list:
    """The campaign's audit: the result, every violation with its runs, and the invariants."""
    blocks = [Heading(2, "Audit"),
              Para(f"`arena audit` {result.summary()}. Each invariant below is a fact no honest row "
                   "can break; a violation not explained in the campaign's `notes.toml` means a "
                   "figure here is wrong, and `make docs` refuses to publish the campaign.")]
    if result.violations:
        blocks.append(Table(["invariant", "point", "runs", "why", "explained"],
                            [[f"`{v.invariant}`", v.point, ", ".join(v.run_ids), v.reason,
                              v.explained or "no"] for v in result.violations]))
    return blocks + [Heading(3, "Invariants"), invariants_table()]


def invariants_table() -> Table:
    """Every invariant the audit checks (the report and docs/methodology.md)."""
    return Table(["invariant", "of", "what always holds", "why"],
                 [[f"`{i.name}`", i.scope, i.statement, i.why] for i in audit.INVARIANTS])


def stability(runs: pd.DataFrame) -> list:
    noisy = frame.unstable(runs)
    blocks = [Heading(2, f"Stability warnings (robust coefficient of variation over {thresholds.UNSTABLE_CV:.0%})")]
    if noisy.empty:
        return blocks + [Para(f"None: every point's repeats agree within {thresholds.UNSTABLE_CV:.0%}.")]
    rows = [[r["server"], r["workload"], _load_label(r), str(int(r["n"])), _num(r["rps_median"]),
             f"{_num(r['rps_min'])} – {_num(r['rps_max'])}", f"{r['rps_rcv']:.1%}", f"{r['rps_cv']:.1%}"]
            for _, r in noisy.iterrows()]
    return blocks + [
        Para(f"{len(noisy)} points vary by more than {thresholds.UNSTABLE_CV:.0%} between repeats; "
             "do not read differences smaller than their range. Rerun them with more repeats, "
             "check the foreign CPU share of their runs, and pin server and generator to separate cores."),
        Table(["server", "workload", "load", "runs", "req/s (median)", "range", "rCV", "CV"], rows)]


def flagged(runs: pd.DataFrame) -> list:
    bad = frame.flagged(runs)
    blocks = [Heading(2, "Flagged runs")]
    if bad.empty:
        return blocks + [Para("None: every run stands as its server's number.")]
    groups = bad.groupby(["server", "workload", "target", "loop", "connections", "rate"], dropna=False)
    rows = []
    for (server, workload, target, loop, c, rate), g in groups:
        reasons = "; ".join(sorted(set(g["flags"])))
        load = f"c{int(c)}" if pd.notna(c) else f"{rate:g}/s"
        rows.append([server, f"{workload} `{target}`", load, str(len(g)), reasons,
                     ", ".join(g["run_id"])])
    return blocks + [
        Para(f"{len(bad)} runs are not the server's own number and are left out of medians "
             "(a point whose every run is flagged is shown as flagged, a lower bound). "
             "Generator-bound: the load generator saturated its CPU first. Errors: more than "
             f"{thresholds.ERROR_SHARE:.0%} of requests failed, as open-loop load past a "
             "server's capacity does. Not verified: the server failed the contract check and was "
             "not measured."),
        Table(["server", "workload", "load", "runs", "why", "run ids"], rows)]


def claims_section(runs: pd.DataFrame) -> list:
    verdicts = claims.check(runs)
    low, high = thresholds.TIE_BAND
    blocks = [Heading(2, "The article's claims, checked"),
              Para("Verdicts from the medians of repeats (see Results by workload), each ratio with its "
                   f"{thresholds.CONFIDENCE:.0%} bootstrap interval over the repeats; thresholds in "
                   f"`harness/analysis/thresholds.py`. Two servers within the tie band ({low:.2f}–{high:.2f}x) "
                   f"are equal; handling I/O well is {thresholds.SERVES_WELL:.0%} of the Little's-law limit. "
                   "*depends* means true under one condition and false under another; *inconclusive* means "
                   "an interval crosses the line its claim is decided at, so the repeats cannot tell. "
                   "Claims 3 and 4 are tested twice: on the article's own stacks (uWSGI and gunicorn with "
                   "Flask and Django) and on the best Python server with the plain WSGI app."),
              Table(list(claims.HEADERS), claims.table_rows(verdicts))]
    for v in verdicts:
        blocks.append(Heading(3, f"Claim {v.number}" + (f", {v.tested_on}" if v.tested_on else "")
                              + f": {v.verdict}"))
        blocks.append(Para(f"{v.claim} Ratios: {v.ratio}."))
        if v.evidence:
            blocks.append(Table(["what", "measured"], [list(e) for e in v.evidence]))
        if v.rows:
            blocks.append(Para("Rows: " + "; ".join(v.rows) + "."))
    return blocks


OVERVIEW_TEXT = ("Each server's share of what the load allows, median of repeats at the most connections "
                 "every server was measured at. I/O: throughput as a share of Little's law for the "
                 "client's connections (C / wait), the figure the claims judge by, with a black tick at the "
                 "server's own limit (its slots) where that is lower; dashed: "
                 f"{thresholds.SERVES_WELL:.0%}, serving I/O well. CPU: the share of the cores it was "
                 "given that the server kept busy; dotted: one core's share. Hatched: every repeat flagged.")

CHART_TEXT = {
    "throughput": ("Throughput vs concurrency", "One panel per concurrency model, each server a distinct "
                   "colour in it. Median of repeats, bars from the slowest to the fastest repeat; dashed: "
                   "the server's own limit as stored with each point (Little's law min(connections, slots) "
                   "/ wait for I/O; usable cores / CPU service time for CPU work), drawn only where one is "
                   "known; hollow: every repeat flagged, a lower bound. A blank panel says *not measured*."),
    "knee": ("Latency vs achieved throughput: the knee", "Each load level of the closed-loop ladder "
             "(solid) and of the open-loop rates (dashed), at the throughput it achieved: the marker is "
             "its p99, the bar runs down to its p50. Where the line turns up, more load buys queueing, "
             "not throughput."),
    "latency": ("Latency vs offered rate (open loop)", "p99 measured from each request's intended "
                "send time, so a stalled server cannot hide its queue; dotted: the workload's own wait; "
                "hollow markers: more than 1% of requests failed."),
    "cores": ("Cores kept busy", "Server CPU seconds (every process and thread) over the run's wall "
              "seconds, against the cores the server was given (dashed) and one core (dotted): a model "
              "that cannot run its code in parallel stays on the dotted line however many connections come."),
    "distribution": ("Latency distribution at one point", "p50 to max at the open-loop rate the most "
                     "servers sustained; hollow: every repeat flagged (the server did not sustain it)."),
    "cost": ("Cost at a fixed rate", "Server CPU time per request and peak memory of the whole "
             "process tree, at the open-loop rate the most servers sustained with a meaningful cost "
             f"(at least {thresholds.COST_MIN_CPU_S:g} s of server CPU, so work that is not per request "
             "does not decide it); a server left out says why."),
    "frameworks": ("What a framework costs", "CPU time per request of the plain WSGI app, Flask and "
                   "Django on the same server and model (closed loop): the price the framework adds. "
                   "One core serves at most about 1e6 / µs requests per second."),
}
