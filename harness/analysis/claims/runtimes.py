"""Claims 1, 2 and 5: Go, Node, and Python's raw speed, each on every server measured."""
from __future__ import annotations

import pandas as pd

from harness.analysis.claims.article import CLAIMS
from harness.analysis.claims.points import CPU, IO, Points, label, pick, rps, run_ids
from harness.analysis.claims.verdict import (Check, Verdict, band_check, combine, decided,
                                             not_tested)
from harness.analysis.thresholds import ONE_CORE_SLACK, SERVES_WELL, TIE_BAND

RAW_WORKLOADS = ("hello", "cpu")


def serves_io_well(p: Points, point: pd.Series) -> Check:
    """Throughput against the Little's-law limit of the client's connections."""
    value, ci = p.io_share(point)
    return Check(f"{point['server']} / Little's-law limit, I/O", value, ci, SERVES_WELL,
                 f"handles I/O well from {SERVES_WELL:.0%}", unit="%")


def claim_go(p: Points) -> Verdict:
    on = "Go against the best other server"
    io, cpu = p.top(IO), p.top(CPU)
    if io.empty or cpu.empty:
        return not_tested(1, CLAIMS[1], on, "both the io and the cpu workloads (closed loop)")
    go_io, go_cpu = pick(io, io["runtime"] == "go"), pick(cpu, cpu["runtime"] == "go")
    if go_io is None or go_cpu is None:
        return not_tested(1, CLAIMS[1], on, "a Go server on both io and cpu")
    rival_io, rival_cpu = pick(io, io["runtime"] != "go"), pick(cpu, cpu["runtime"] != "go")
    checks = [serves_io_well(p, go_io)]
    if rival_cpu is not None:
        checks.append(band_check(f"{go_cpu['server']} / {rival_cpu['server']}, CPU",
                                 *p.ratio(go_cpu, rival_cpu)))
    verdict = combine(checks)
    why = (f"On I/O Go reaches {checks[0].value:.0%} of the Little's-law limit "
           f"({rps(go_io['rps_median'])})" + (f"; on CPU it serves {checks[1].value:.2f}x the best other "
                                               f"server ({rival_cpu['server']})" if rival_cpu is not None else "")
           + ".")
    flips = (f"Flips if Go fell under {SERVES_WELL:.0%} of its I/O limit, or another server beat it by "
             f"more than the tie band on CPU work.")
    if rival_io is not None:
        io_ratio = go_io["rps_median"] / rival_io["rps_median"]
        flips += (" On I/O it has no lead to lose: every model with enough concurrency slots meets "
                  f"the same limit ({rival_io['server']} at {1 / io_ratio:.2f}x Go).")
    return Verdict(
        1, CLAIMS[1], verdict, decided(verdict, checks, why), flips, on, tuple(checks),
        evidence=(("Go I/O throughput", rps(go_io["rps_median"])),
                  ("Go CPU throughput", rps(go_cpu["rps_median"])),
                  ("best other CPU throughput", rps(rival_cpu["rps_median"]) if rival_cpu is not None else "–")),
        rows=tuple(label(r) for r in (go_io, go_cpu, rival_io, rival_cpu) if r is not None),
        run_ids=run_ids(go_io, go_cpu, rival_io, rival_cpu))


def claim_node(p: Points) -> Verdict:
    on = "one Node process (node:cluster beside it)"
    io, cpu = p.top(IO), p.top(CPU)
    if io.empty or cpu.empty:
        return not_tested(2, CLAIMS[2], on, "both the io and the cpu workloads (closed loop)")
    single = lambda t: (t["runtime"] == "node") & (t["workers"] == 1)  # noqa: E731
    node_io, node_cpu = pick(io, single(io)), pick(cpu, single(cpu))
    if node_io is None or node_cpu is None or pd.isna(node_cpu["cores"]):
        return not_tested(2, CLAIMS[2], on, "a one-process Node server on both io and cpu, its cores known")
    cores = int(node_cpu["cores"])
    one_core = 1 / cores + ONE_CORE_SLACK
    busy = Check(f"{node_cpu['server']}: share of its {cores} cores busy, CPU",
                 *p.scaled(node_cpu, 1.0, "core_utilisation"), one_core,
                 f"one core's share up to {one_core:.0%}", above=False, unit="%")
    checks = [serves_io_well(p, node_io), busy]
    verdict = combine(checks)
    go_cpu = pick(cpu, cpu["runtime"] == "go")
    cluster = pick(cpu, (cpu["runtime"] == "node") & (cpu["workers"] > 1))
    why = (f"On I/O {node_io['server']} reaches {checks[0].value:.0%} of the Little's-law "
           f"limit; on CPU it keeps {busy.value:.0%} of its {cores} cores busy"
           + (f" and serves {node_cpu['rps_median'] / go_cpu['rps_median']:.2f}x Go" if go_cpu is not None else "")
           + ".")
    if cluster is not None:
        gain = cluster["rps_median"] / node_cpu["rps_median"]
        flips = (f"Flips for CPU work with one event loop per core: {cluster['server']} "
                 f"({int(cluster['workers'])} workers) serves {gain:.1f}x one process.")
    else:
        flips = "Would flip with node:cluster, one event loop per core (not in this campaign)."
    return Verdict(
        2, CLAIMS[2], verdict, decided(verdict, checks, why), flips, on, tuple(checks),
        evidence=(("Node CPU throughput", rps(node_cpu["rps_median"])),
                  ("Go CPU throughput", rps(go_cpu["rps_median"]) if go_cpu is not None else "–"),
                  ("node cluster CPU throughput", rps(cluster["rps_median"]) if cluster is not None else "–")),
        rows=tuple(label(r) for r in (node_io, node_cpu, cluster, go_cpu) if r is not None),
        run_ids=run_ids(node_io, node_cpu, cluster))


def _raw_speed(p: Points, top: pd.DataFrame, workload: str):
    """Best Python / the slower of the best Go and best Node on ``workload``, or None."""
    best = {rt: pick(top, top["runtime"] == rt) for rt in ("python", "node", "go")}
    if any(v is None for v in best.values()):
        return None
    py, rival = best["python"], min((best["node"], best["go"]), key=lambda r: r["rps_median"])
    bound = lambda r: " (lower bound)" if r["all_flagged"] else ""  # noqa: E731
    check = band_check(f"{workload}: {py['server']}{bound(py)} / {rival['server']}{bound(rival)}",
                       *p.ratio(py, rival), slower=True)
    return check, list(best.values())


def claim_python_slowest(p: Points) -> Verdict:
    on = "the fastest server of each runtime"
    checks, used, skipped = [], [], []
    for workload in RAW_WORKLOADS:
        top = p.top(workload)
        if top.empty:
            continue
        if top["target"].nunique() > 1:     # N calibrated per runtime: equal work by design
            skipped.append(workload)
            continue
        found = _raw_speed(p, top, workload)
        if found:
            checks.append(found[0])
            used += found[1]
    if not checks:
        return not_tested(5, CLAIMS[5], on, "Python, Node and Go servers on /hello or on one "
                                            "/cpu?n=N for all (closed loop)")
    verdict = combine(checks)
    measured = [c.what.split(":")[0] for c in checks]
    slowest = [m for m, c in zip(measured, checks) if c.value < TIE_BAND[0]]
    why = ("Python's fastest server is below the slower of Go and Node on " + (", ".join(slowest) or "none")
           + " of the raw-speed workloads measured (" + ", ".join(measured) + ")"
           + (f"; {', '.join(skipped)} left out: its N was calibrated per runtime to one service "
              "time, so it measures models, not speed" if skipped else "") + ".")
    flips = ("Flips on a workload when the fastest Python server is within the tie band of the slower "
             "of Go and Node or above it. A server whose HTTP core is native code (granian's is Rust) "
             "can lift Python's /hello; CPU work in Python code cannot.")
    return Verdict(5, CLAIMS[5], verdict, decided(verdict, checks, why), flips, on, tuple(checks),
                   evidence=tuple((c.what, c.text()) for c in checks),
                   rows=tuple(label(r) for r in used), run_ids=run_ids(*used))
