"""The article's five claims, checked against stored rows.

Each check reads medians of repeats (:func:`harness.analysis.frame.aggregate`) and
returns a :class:`Verdict`: ``supported``, ``not supported`` or ``depends``
(true under one condition, false under another), or ``not tested`` when the
campaign lacks the rows the claim needs (the reason names them). Every verdict
carries the rows it used, the numbers and ratio behind it, and the condition
under which it would flip. Thresholds are named constants in :mod:`harness.analysis.thresholds`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from harness.analysis import frame
from harness.analysis.thresholds import (MANY_AT_ONCE, ONE_AT_A_TIME, ONE_CORE_SLACK, SCALES,
                                         SERVES_WELL, TIE)

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
DEPENDS = "depends"
NOT_TESTED = "not tested"

IO = "io"
CPU = "cpu"
RAW_WORKLOADS = ("hello", "cpu")

CLAIMS = {
    1: "Go serves well whether the work is I/O-bound or CPU-bound.",
    2: "Node handles I/O-bound load well but struggles with CPU-bound work (one core).",
    3: "A Python WSGI app handles one request at a time per worker, so it needs a process "
       "manager (uWSGI/gunicorn) spawning processes to serve concurrent requests.",
    4: "Python does fine on I/O-bound work, given that concurrency.",
    5: "Python is the slowest of the three on raw speed.",
}


@dataclass(frozen=True)
class Verdict:
    number: int
    claim: str
    verdict: str
    why: str                                   # one sentence with the deciding numbers
    ratio: str                                 # the headline ratio, as text
    flips: str                                 # the condition under which it would flip
    evidence: tuple[tuple[str, str], ...] = ()  # (what, number)
    rows: tuple[str, ...] = ()                 # the points used: "server workload load (n runs)"
    run_ids: tuple[str, ...] = field(default=(), repr=False)


# --- reading the points a claim needs ---------------------------------------------------------

def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The rows a claim compares: one launcher (native where there are native rows), and
    per workload the target measured for the most runtimes: a /cpu?n=N shared by every
    runtime is the same work. Where no target is shared (N calibrated per runtime to
    one service time) every runtime keeps its own, which compares models, not speed."""
    if runs.empty:
        return runs
    runs = frame.one_launcher(runs)
    keep = []
    for _, rows in runs.groupby("workload", sort=False):
        reach = rows.groupby("target").agg(runtimes=("runtime", "nunique"), servers=("server", "nunique"))
        reach = reach.sort_values(["runtimes", "servers"], ascending=False)
        keep.append(rows if reach["runtimes"].iloc[0] == 1 else rows[rows["target"] == reach.index[0]])
    return pd.concat(keep)


class _Points:
    """Medians of repeats at the highest closed-loop concurrency, per workload and server."""

    def __init__(self, runs: pd.DataFrame):
        self.runs = comparable(runs)
        # wrk's closed loop: locust users with think time are a scenario, not a load level
        closed = frame.select(self.runs, loop="closed", driver="wrk", usable=None)
        self.agg = frame.aggregate(closed) if not closed.empty else pd.DataFrame()

    def top(self, workload: str) -> pd.DataFrame:
        """One row per server for ``workload``: at the most connections measured for every
        server (so servers compare at one load), on the most cores where it ran on several."""
        if self.agg.empty:
            return self.agg
        rows = self.agg[self.agg["workload"] == workload]
        if rows.empty:
            return rows
        rows = rows[rows["cores"] == rows.groupby("server")["cores"].transform("max")]
        return frame.shared_top(rows).set_index("server", drop=False)

    def ids(self, workload: str, servers) -> tuple[str, ...]:
        top = self.top(workload)
        out = []
        for server in servers:
            if server not in top.index:
                continue
            point = top.loc[server]
            sel = self.runs[(self.runs["server"] == server) & (self.runs["workload"] == workload)
                            & (self.runs["loop"] == "closed") & (self.runs["driver"] == "wrk")
                            & (self.runs["connections"] == point["connections"])
                            & (self.runs["cores"] == point["cores"])]
            out += list(sel["run_id"])
        return tuple(out)


def io_efficiency(row: pd.Series) -> float:
    """Throughput / Little's law for the client's connections, C / wait.

    Not the stored ``efficiency``, which divides by the server's own limit
    (min(C, slots) / wait): a 5-worker sync server at 99% of its 100 req/s is
    efficient at being small, not "fine on I/O".
    """
    wait = frame.wait_ms(row["target"])
    if not wait or pd.isna(row["connections"]):
        return float(row["efficiency_median"])
    return float(row["rps_median"] / (row["connections"] / (wait / 1000)))


def _label(row: pd.Series) -> str:
    flag = ", all repeats flagged: a lower bound" if row.get("all_flagged") else ""
    return f"{row['server']} {row['target']} c{int(row['connections'])} ({int(row['n'])} runs{flag})"


def _rps(value: float) -> str:
    return f"{value:,.0f} req/s" if value >= 100 else f"{value:,.1f} req/s"


def _not_tested(n: int, missing: str) -> Verdict:
    return Verdict(n, CLAIMS[n], NOT_TESTED, f"The campaign has no rows for {missing}.", "–",
                   f"Measure {missing} to test it.")


def _pick(top: pd.DataFrame, mask) -> pd.Series | None:
    """The best (highest rps) server among rows matching ``mask``."""
    rows = top[mask]
    if rows.empty:
        return None
    return rows.loc[rows["rps_median"].idxmax()]


def _verdict(a: bool, b: bool) -> str:
    return SUPPORTED if a and b else NOT_SUPPORTED if not a and not b else DEPENDS


# --- the five checks ---------------------------------------------------------------------------

def claim_go(p: _Points) -> Verdict:
    io, cpu = p.top(IO), p.top(CPU)
    if io.empty or cpu.empty:
        return _not_tested(1, "both the io and the cpu workloads (closed loop)")
    go_io = _pick(io, io["runtime"] == "go")
    go_cpu = _pick(cpu, cpu["runtime"] == "go")
    if go_io is None or go_cpu is None:
        return _not_tested(1, "a Go server on both io and cpu")
    rival_io = _pick(io, io["runtime"] != "go")
    rival_cpu = _pick(cpu, cpu["runtime"] != "go")
    io_well = io_efficiency(go_io) >= SERVES_WELL
    cpu_ratio = go_cpu["rps_median"] / rival_cpu["rps_median"] if rival_cpu is not None else float("inf")
    cpu_well = cpu_ratio >= 1 - TIE
    why = (f"On I/O Go reaches {io_efficiency(go_io):.0%} of the Little's-law limit "
           f"({_rps(go_io['rps_median'])}); on CPU it serves {cpu_ratio:.1f}x the best other server"
           f"{' (' + rival_cpu['server'] + ')' if rival_cpu is not None else ''}.")
    io_ratio = go_io["rps_median"] / rival_io["rps_median"] if rival_io is not None else float("nan")
    flips = (f"Flips if Go fell under {SERVES_WELL:.0%} of its I/O limit, or another server beat it by "
             f"more than {TIE:.0%} on CPU work. On I/O it has no lead to lose: every model with "
             f"enough concurrency slots meets the same limit ({rival_io['server']} at "
             f"{io_ratio:.2f}x Go)." if rival_io is not None else
             f"Flips if Go fell under {SERVES_WELL:.0%} of its I/O limit.")
    return Verdict(
        1, CLAIMS[1], _verdict(io_well, cpu_well), why,
        f"CPU: Go / {rival_cpu['server'] if rival_cpu is not None else '–'} = {cpu_ratio:.1f}x; "
        f"I/O: Go / {rival_io['server'] if rival_io is not None else '–'} = {io_ratio:.2f}x",
        flips,
        evidence=(("Go I/O throughput", _rps(go_io["rps_median"])),
                  ("Go I/O throughput / Little's-law limit", f"{io_efficiency(go_io):.0%}"),
                  ("Go CPU throughput", _rps(go_cpu["rps_median"])),
                  ("best other CPU throughput", _rps(rival_cpu["rps_median"]) if rival_cpu is not None else "–")),
        rows=tuple(_label(r) for r in (go_io, go_cpu, rival_io, rival_cpu) if r is not None),
        run_ids=p.ids(IO, [go_io["server"]] + ([rival_io["server"]] if rival_io is not None else []))
        + p.ids(CPU, [go_cpu["server"]] + ([rival_cpu["server"]] if rival_cpu is not None else [])),
    )


def claim_node(p: _Points) -> Verdict:
    io, cpu = p.top(IO), p.top(CPU)
    if io.empty or cpu.empty:
        return _not_tested(2, "both the io and the cpu workloads (closed loop)")
    single = lambda t: (t["runtime"] == "node") & (t["workers"] == 1)  # noqa: E731
    node_io, node_cpu = _pick(io, single(io)), _pick(cpu, single(cpu))
    if node_io is None or node_cpu is None:
        return _not_tested(2, "a one-process Node server on both io and cpu")
    cores = int(node_cpu["cores"]) if pd.notna(node_cpu["cores"]) else None
    one_core = 1 / cores + ONE_CORE_SLACK if cores else None
    io_well = io_efficiency(node_io) >= SERVES_WELL
    busy = node_cpu["core_utilisation_median"]
    struggles = one_core is not None and busy <= one_core
    go_cpu = _pick(cpu, cpu["runtime"] == "go")
    cluster = _pick(cpu, (cpu["runtime"] == "node") & (cpu["workers"] > 1))
    why = (f"On I/O {node_io['server']} reaches {io_efficiency(node_io):.0%} of the Little's-law "
           f"limit; on CPU it keeps {busy:.0%} of its {cores} cores busy"
           + (f" and serves {node_cpu['rps_median'] / go_cpu['rps_median']:.2f}x Go" if go_cpu is not None else "")
           + ".")
    if cluster is not None:
        gain = cluster["rps_median"] / node_cpu["rps_median"]
        flips = (f"Flips for CPU work with one event loop per core: {cluster['server']} "
                 f"({int(cluster['workers'])} workers) serves {gain:.1f}x one process.")
        ratio = f"{cluster['server']} / {node_cpu['server']} on CPU = {gain:.1f}x"
    else:
        flips = "Would flip with node:cluster, one event loop per core (not in this campaign)."
        ratio = f"{node_cpu['server']} CPU cores busy = {busy:.0%} of {cores}"
    return Verdict(
        2, CLAIMS[2], _verdict(io_well, struggles), why, ratio, flips,
        evidence=(("Node I/O throughput / Little's-law limit", f"{io_efficiency(node_io):.0%}"),
                  ("Node CPU throughput", _rps(node_cpu["rps_median"])),
                  ("Node CPU: share of its cores busy", f"{busy:.0%} (one core = {1 / cores:.0%})"),
                  ("Go CPU throughput", _rps(go_cpu["rps_median"]) if go_cpu is not None else "–"),
                  ("node cluster CPU throughput", _rps(cluster["rps_median"]) if cluster is not None else "–")),
        rows=tuple(_label(r) for r in (node_io, node_cpu, cluster, go_cpu) if r is not None),
        run_ids=p.ids(IO, [node_io["server"]]) + p.ids(CPU, [node_cpu["server"]]
                                                      + ([cluster["server"]] if cluster is not None else [])),
    )


def claim_python_workers(p: _Points) -> Verdict:
    io, cpu = p.top(IO), p.top(CPU)
    if io.empty:
        return _not_tested(3, "the io workload (closed loop)")
    py = io[io["runtime"] == "python"].copy()
    if py.empty:
        return _not_tested(3, "Python servers on the io workload")
    wait = frame.wait_ms(py["target"].iloc[0])
    if not wait:
        return _not_tested(3, "an io target that names its wait (/io?ms=M)")
    py["in_flight"] = py["rps_median"] * wait / 1000 / py["workers"]
    serial = py[py["in_flight"] <= ONE_AT_A_TIME]
    many = py[py["in_flight"] > MANY_AT_ONCE]
    # CPU: does one GIL-bound process scale with threads, and do processes?
    single = cpu[(cpu["runtime"] == "python") & (cpu["workers"] == 1)] if not cpu.empty else cpu
    multi = cpu[(cpu["runtime"] == "python") & (cpu["model"] == "forked") & (cpu["workers"] > 1)] \
        if not cpu.empty else cpu
    best_single = single.loc[single["rps_median"].idxmax()] if not single.empty else None
    best_multi = multi.loc[multi["rps_median"].idxmax()] if not multi.empty else None
    gain = (best_multi["rps_median"] / best_single["rps_median"]
            if best_single is not None and best_multi is not None else None)
    processes_needed_for_cpu = gain is not None and gain >= SCALES
    one_process_serves_many = not many[many["workers"] == 1].empty
    if processes_needed_for_cpu and one_process_serves_many:
        verdict = DEPENDS
    elif one_process_serves_many:
        verdict = NOT_SUPPORTED
    elif not serial.empty:
        verdict = SUPPORTED
    else:
        verdict = DEPENDS
    top_many = many.loc[many["in_flight"].idxmax()] if not many.empty else None
    parts = []
    if not serial.empty:
        s = serial.loc[serial["in_flight"].idxmin()]
        parts.append(f"{s['server']} keeps {s['in_flight']:.2f} I/O requests in flight per process "
                     f"(one at a time)")
    if top_many is not None:
        parts.append(f"one {top_many['server']} process keeps {top_many['in_flight']:.0f} in flight")
    if gain is not None:
        parts.append(f"on CPU work {best_multi['server']} ({int(best_multi['workers'])} processes) "
                     f"serves {gain:.1f}x {best_single['server']} (one process)")
    idle = _idle_processes(cpu)
    if not idle.empty:
        parts.append("yet " + ", ".join(
            f"{r['server']} ({int(r['workers'])} processes) kept {r['core_utilisation_median']:.0%} "
            f"of its {int(r['cores'])} cores busy" for _, r in idle.iterrows())
            + ", so processes alone do not guarantee the cores are used (the usual cause: the "
              "client's keep-alive connections shared unevenly among workers, gunicorn#2817, #3433)")
    why = "; ".join(parts) + "." if parts else "No Python rows to compare."
    flips = ("True of sync/forked workers only. Threads and greenlets serve many I/O requests in one "
             "process, so the claim flips for I/O; for CPU work threads do not scale under the GIL and "
             f"processes do (the claim holds there while processes serve >= {SCALES}x one process).")
    low = serial.loc[serial["in_flight"].idxmin()] if not serial.empty else None
    ratio = (f"in flight per process: {top_many['server']} {top_many['in_flight']:.0f} vs "
             f"{low['server']} {low['in_flight']:.2f}" if top_many is not None and low is not None else "–")
    evidence = tuple((f"{r['server']} ({r['model']}, {int(r['workers'])}x{int(r['threads'])}) I/O in flight "
                      f"per process", f"{r['in_flight']:.2f}") for _, r in py.iterrows())
    if gain is not None:
        evidence += ((f"CPU: {best_multi['server']} / {best_single['server']}", f"{gain:.2f}x"),)
    used = [r for r in (best_single, best_multi) if r is not None]
    return Verdict(
        3, CLAIMS[3], verdict, why, ratio, flips, evidence=evidence,
        rows=tuple(_label(r) for _, r in py.iterrows()) + tuple(_label(r) for r in used),
        run_ids=p.ids(IO, list(py["server"])) + p.ids(CPU, [r["server"] for r in used]),
    )


def _idle_processes(cpu: pd.DataFrame) -> pd.DataFrame:
    """Python servers with several processes that kept no more than one core's share of
    their cores busy on CPU work (at most 1 / cores + ONE_CORE_SLACK)."""
    if cpu.empty:
        return cpu
    multi = cpu[(cpu["runtime"] == "python") & (cpu["workers"] > 1) & (cpu["cores"] > 1)]
    return multi[multi["core_utilisation_median"] <= 1 / multi["cores"] + ONE_CORE_SLACK]


def claim_python_io(p: _Points) -> Verdict:
    io = p.top(IO)
    if io.empty:
        return _not_tested(4, "the io workload (closed loop)")
    py = io[io["runtime"] == "python"].copy()
    node = _pick(io, (io["runtime"] == "node") & (io["workers"] == 1))
    if py.empty:
        return _not_tested(4, "Python servers on the io workload")
    py["io_eff"] = [io_efficiency(r) for _, r in py.iterrows()]
    best = py.loc[py["io_eff"].idxmax()]
    well = best["io_eff"] >= SERVES_WELL
    vs_node = best["rps_median"] / node["rps_median"] if node is not None else None
    matches = vs_node is None or vs_node >= 1 - TIE
    short = py[py["io_eff"] < SERVES_WELL]
    limit = best["rps_median"] / best["io_eff"]
    why = (f"Best Python, {best['server']} ({best['model']}), reaches {best['io_eff']:.0%} of the "
           f"Little's-law limit ({_rps(limit)} at {int(best['connections'])} connections)"
           + (f" and {vs_node:.2f}x Node" if vs_node is not None else "") + ".")
    if not short.empty:
        worst = short.loc[short["rps_median"].idxmin()]
        flips = (f"Only with concurrency sized to the load (threads or greenlets): {len(short)} of "
                 f"{len(py)} Python servers stay under {SERVES_WELL:.0%} of the limit, down to "
                 f"{worst['server']} ({worst['model']}, {int(worst['workers'])}x{int(worst['threads'])}) "
                 f"at {_rps(worst['rps_median'])}, {worst['io_eff']:.1%} of it.")
    else:
        flips = (f"Flips if the best Python server fell under {SERVES_WELL:.0%} of the limit or more "
                 f"than {TIE:.0%} behind Node.")
    return Verdict(
        4, CLAIMS[4], _verdict(well, matches), why,
        f"{best['server']} / {node['server']} = {vs_node:.2f}x" if node is not None else "–", flips,
        evidence=tuple((f"{r['server']} ({r['model']})", f"{_rps(r['rps_median'])}, "
                        f"{r['io_eff']:.0%} of limit") for _, r in py.iterrows())
        + ((f"{node['server']}", _rps(node["rps_median"])),) if node is not None else (),
        rows=tuple(_label(r) for _, r in py.iterrows()) + ((_label(node),) if node is not None else ()),
        run_ids=p.ids(IO, list(py["server"]) + ([node["server"]] if node is not None else [])),
    )


def claim_python_slowest(p: _Points) -> Verdict:
    results, evidence, labels, ids, flips_parts, skipped = {}, [], [], [], [], []
    for workload in RAW_WORKLOADS:
        top = p.top(workload)
        if top.empty:
            continue
        if top["target"].nunique() > 1:     # N calibrated per runtime: equal work by design
            skipped.append(workload)
            continue
        best = {rt: _pick(top, top["runtime"] == rt) for rt in ("python", "node", "go")}
        if any(v is None for v in best.values()):
            continue
        py, others = best["python"], [best["node"], best["go"]]
        slower_rival = min(others, key=lambda r: r["rps_median"])
        ratio = py["rps_median"] / slower_rival["rps_median"]
        results[workload] = ratio < 1 - TIE
        bound = lambda r: " (lower bound)" if r["all_flagged"] else ""  # noqa: E731
        evidence.append((f"{workload}: best Python {py['server']} / slower of Go and Node "
                         f"({slower_rival['server']})",
                         f"{_rps(py['rps_median'])}{bound(py)} / {_rps(slower_rival['rps_median'])}"
                         f"{bound(slower_rival)} = {ratio:.2f}x"))
        labels += [_label(r) for r in best.values()]
        ids += list(p.ids(workload, [r["server"] for r in best.values()]))
        flips_parts.append(f"{workload}: best Python is at {ratio:.2f}x the slower rival")
    if not results:
        return _not_tested(5, "Python, Node and Go servers on /hello or on one /cpu?n=N for all "
                              "(closed loop)")
    slowest = [w for w, s in results.items() if s]
    verdict = (SUPPORTED if len(slowest) == len(results) else
               NOT_SUPPORTED if not slowest else DEPENDS)
    why = ("Python is slowest on " + (", ".join(slowest) or "none")
           + " of the raw-speed workloads measured (" + ", ".join(results) + ")"
           + (f"; {', '.join(skipped)} left out: its N was calibrated per runtime to one service "
              "time, so it measures models, not speed" if skipped else "") + ".")
    flips = (f"Flips on a workload when the fastest Python server comes within {TIE:.0%} of the slower "
             f"of Go and Node: " + "; ".join(flips_parts) + ". A server whose HTTP core is native code "
             "(granian's is Rust) can lift Python's /hello; CPU work in Python code cannot.")
    return Verdict(5, CLAIMS[5], verdict, why, "; ".join(e[1] for e in evidence), flips,
                   evidence=tuple(evidence), rows=tuple(labels), run_ids=tuple(ids))


CHECKS = (claim_go, claim_node, claim_python_workers, claim_python_io, claim_python_slowest)


def check(runs: pd.DataFrame) -> list[Verdict]:
    """Verdicts on the five claims from these rows (one campaign)."""
    points = _Points(runs)
    return [c(points) for c in CHECKS]


def to_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    return pd.DataFrame([{"#": v.number, "claim": v.claim, "verdict": v.verdict, "why": v.why,
                          "ratio": v.ratio, "flips when": v.flips} for v in verdicts])


def markdown_table(verdicts: list[Verdict]) -> str:
    """The claims table: claim, verdict, the numbers, and when it flips."""
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| # | claim | verdict | the numbers | flips when |", "|---|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| {v.number} | {esc(v.claim)} | **{v.verdict}** | {esc(v.why)} | {esc(v.flips)} |")
    return "\n".join(lines)
