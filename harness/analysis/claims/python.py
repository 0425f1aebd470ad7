"""Claims 3 and 4, each on two lines: the article's own stacks (uWSGI and gunicorn with
Flask and Django) and the best Python server with the plain WSGI app."""
from __future__ import annotations

import pandas as pd

from harness.analysis import gil
from harness.analysis.claims.article import BEST_PLAIN, CLAIMS, FREE_THREADED, STACKS, Lines
from harness.analysis.claims.points import CPU, IO, Points, label, rps, run_ids
from harness.analysis.claims.runtimes import serves_io_well
from harness.analysis.claims.verdict import (Check, Verdict, band_check, combine, decided,
                                             not_tested)
from harness.analysis.thresholds import (MANY_AT_ONCE, ONE_AT_A_TIME, ONE_CORE_SLACK, SCALES,
                                         SERVES_WELL)


def _line_rows(p: Points, workload: str, servers, on: str, number: int, missing: str):
    """The Python points of one line on ``workload``, or a not-tested verdict naming what is missing."""
    top = p.top(workload)
    rows = top[(top["runtime"] == "python") & top["server"].isin(servers)] if not top.empty else top
    if rows.empty:
        return None, not_tested(number, CLAIMS[number], on, missing)
    return rows, None


PLAIN_MISSING = "Python servers with the plain WSGI app on the io workload (closed loop)"


def stacks_missing(lines: Lines) -> str:
    return "the article's stacks on the io workload (closed loop): " + ", ".join(lines.stacks)


def _unmeasured(stacks, measured) -> str:
    gone = [s for s in stacks if s not in set(measured)]
    return f" Not in this campaign: {', '.join(gone)}." if gone else ""


def in_flight_check(p: Points, point: pd.Series) -> Check:
    value, ci = p.in_flight(point)
    return Check(f"{point['server']} ({int(point['workers'])}x{int(point['threads'])}): I/O in flight "
                 "per process", value, ci, ONE_AT_A_TIME, f"one at a time up to {ONE_AT_A_TIME}, "
                 f"several above {MANY_AT_ONCE:g}", above=False, fails_at=MANY_AT_ONCE, unit="")


def _idle(cpu: pd.DataFrame) -> str:
    """Servers with several processes that kept no more than one core's share of their
    cores busy on CPU work: processes alone do not guarantee the cores are used."""
    multi = cpu[(cpu["workers"] > 1) & (cpu["cores"] > 1)] if not cpu.empty else cpu
    idle = multi[multi["core_utilisation_median"] <= 1 / multi["cores"] + ONE_CORE_SLACK] if not multi.empty else multi
    if idle.empty:
        return ""
    return ("; yet " + ", ".join(
        f"{r['server']} ({int(r['workers'])} processes) kept {r['core_utilisation_median']:.0%} "
        f"of its {int(r['cores'])} cores busy" for _, r in idle.iterrows())
        + ", so processes alone do not guarantee the cores are used (the usual cause: the "
          "client's keep-alive connections shared unevenly among workers, gunicorn#2817, #3433)")


def workers_on_stacks(p: Points, lines: Lines) -> Verdict:
    """Claim 3 on the article's stacks: does each of their processes serve one request at a time?"""
    io, gone = _line_rows(p, IO, lines.stacks, STACKS, 3, stacks_missing(lines))
    if gone:
        return gone
    checks = [in_flight_check(p, r) for _, r in io.iterrows()]
    cpu = p.top(CPU)
    cpu = cpu[cpu["server"].isin(lines.stacks)] if not cpu.empty else cpu
    verdict = combine(checks)
    why = ("; ".join(f"{c.what.split(':')[0]} keeps {c.fmt(c.value)} in flight per process" for c in checks)
           + _idle(cpu) + "." + _unmeasured(lines.stacks, io["server"]))
    flips = ("True of sync workers (gunicorn sync, uWSGI without --threads): each process serves one "
             "request and the process manager supplies the concurrency. Flips for uWSGI with --threads, "
             "gunicorn gthread and gevent, which keep several requests in flight per process.")
    return Verdict(3, CLAIMS[3], verdict, decided(verdict, checks, why), flips, STACKS, tuple(checks),
                   evidence=tuple((c.what, c.text()) for c in checks),
                   rows=tuple(label(r) for _, r in io.iterrows()),
                   run_ids=run_ids(*(r for _, r in io.iterrows())))


def _processes_scale(p: Points, cpu: pd.DataFrame):
    """The best forked server with several processes against the best one-process server
    on CPU work, or None without both."""
    single, multi = cpu[cpu["workers"] == 1], cpu[(cpu["model"] == "forked") & (cpu["workers"] > 1)]
    if single.empty or multi.empty:
        return None
    one, many = single.loc[single["rps_median"].idxmax()], multi.loc[multi["rps_median"].idxmax()]
    check = Check(f"{many['server']} ({int(many['workers'])} processes) / {one['server']} (one process), CPU",
                  *p.ratio(many, one), SCALES, f"processes scale from {SCALES:g}x")
    return check, one, many


def workers_on_best_plain(p: Points, lines: Lines) -> Verdict:
    """Claim 3 on the plain app: does the Python server keeping the most requests in flight
    per process need processes, and do processes scale CPU work?"""
    io, gone = _line_rows(p, IO, lines.plain, BEST_PLAIN, 3, PLAIN_MISSING)
    if gone:
        return gone
    io = io.assign(_in_flight=[p.in_flight(r)[0] for _, r in io.iterrows()])
    best = io.loc[io["_in_flight"].idxmax()]
    checks = [in_flight_check(p, best)]
    cpu = p.top(CPU)
    cpu = cpu[(cpu["runtime"] == "python") & cpu["server"].isin(lines.plain)] if not cpu.empty else cpu
    scale = _processes_scale(p, cpu) if not cpu.empty else None
    used = [best]
    why = f"One {best['server']} process keeps {checks[0].fmt(checks[0].value)} I/O requests in flight"
    if scale:
        checks.append(scale[0])
        used += [scale[1], scale[2]]
        why += (f"; on CPU work {scale[2]['server']} ({int(scale[2]['workers'])} processes) serves "
                f"{scale[0].value:.2f}x {scale[1]['server']} (one process)")
    else:
        why += "; CPU work was not measured on both one process and several"
    verdict = combine(checks)
    why += _idle(cpu) + "."
    flips = ("Threads and greenlets serve many I/O requests in one process, so the claim flips for I/O; "
             "for CPU work threads do not scale under the GIL and processes do (the claim holds there "
             f"while processes serve >= {SCALES:g}x one process).")
    return Verdict(3, CLAIMS[3], verdict, decided(verdict, checks, why), flips,
                   f"{BEST_PLAIN} ({best['server']})", tuple(checks),
                   evidence=tuple((c.what, c.text()) for c in checks),
                   rows=tuple(label(r) for r in used), run_ids=run_ids(*used))


FT_SERVER = "pyserver-threaded-ft"
FT_MISSING = (f"{FT_SERVER} beside {gil.twin(FT_SERVER)} on calibrated /cpu (closed loop) at the same "
              "connections and cores")


def free_threaded(p: Points) -> Verdict:
    """Claim 3 on the free-threaded build: does one process with threads use the cores
    once the GIL is gone? Its /cpu req/s against the standard build's at the same
    connections, on the most cores and connections both were measured at."""
    pairs = gil.pairs(p.runs)
    cpu = pairs[(pairs["server"] == FT_SERVER) & (pairs["workload"] == CPU) & (pairs["driver"] == "wrk")]
    if cpu.empty:
        return not_tested(3, CLAIMS[3], FREE_THREADED, FT_MISSING)
    r = cpu.sort_values(["cores", "connections"]).iloc[-1]
    ci = None if pd.isna(r["ratio_low"]) else (r["ratio_low"], r["ratio_high"])
    check = Check(f"{FT_SERVER} / {r['twin']}, CPU c{int(r['connections'])} on {int(r['cores'])} cores",
                  r["ratio"], ci, SCALES, f"threads use the cores from {SCALES:g}x", above=False)
    verdict = combine([check])
    why = (f"One {FT_SERVER} process (GIL read back: {r['gil_ft']}) serves {rps(r['rps_ft'])} of "
           f"`{r['target_ft']}` at {int(r['connections'])} connections on {int(r['cores'])} cores, "
           f"{r['ratio']:.2f}x {r['twin']} (GIL {r['gil_std']}, `{r['target_std']}`: {rps(r['rps_std'])}); "
           f"CPU per request {r['cpu_ft']:,.0f} µs against {r['cpu_std']:,.0f} µs.")
    flips = (f"Flips when one free-threaded process with threads serves >= {SCALES:g}x the standard "
             "build on CPU work (each build calibrated to the same service time): threads then use "
             "the cores, and processes are no longer needed for them.")
    return Verdict(3, CLAIMS[3], verdict, decided(verdict, [check], why), flips, FREE_THREADED,
                   (check,), evidence=((check.what, check.text()),),
                   rows=(f"{FT_SERVER} {r['target_ft']} c{int(r['connections'])}",
                         f"{r['twin']} {r['target_std']} c{int(r['connections'])}"),
                   run_ids=tuple(r["run_ids"]))


def python_io(p: Points, servers, on: str, missing: str, unmeasured_from=()) -> Verdict:
    """Claim 4 on one line: the line's best server against the Little's-law limit and Node."""
    io, gone = _line_rows(p, IO, servers, on, 4, missing)
    if gone:
        return gone
    shares = {s: p.io_share(r)[0] for s, r in io.iterrows()}
    best = io.loc[max(shares, key=shares.get)]
    top = p.top(IO)
    nodes = top[(top["runtime"] == "node") & (top["workers"] == 1)]
    node = nodes.loc[nodes["rps_median"].idxmax()] if not nodes.empty else None
    checks = [serves_io_well(p, best)]
    if node is not None:
        checks.append(band_check(f"{best['server']} / {node['server']}, I/O", *p.ratio(best, node)))
    verdict = combine(checks)
    why = (f"Best, {best['server']} ({best['model']}), reaches {checks[0].value:.0%} of the Little's-law "
           f"limit ({rps(best['rps_median'] / checks[0].value)} at {int(best['connections'])} connections)"
           + (f" and {checks[1].value:.2f}x Node" if node is not None else "") + "."
           + _unmeasured(unmeasured_from, io["server"]))
    short = {s: v for s, v in shares.items() if v < SERVES_WELL}
    if short:
        worst = io.loc[min(short, key=short.get)]
        flips = (f"Only with concurrency sized to the load (threads or greenlets): {len(short)} of "
                 f"{len(io)} servers here stay under {SERVES_WELL:.0%} of the limit, down to "
                 f"{worst['server']} ({worst['model']}, {int(worst['workers'])}x{int(worst['threads'])}) "
                 f"at {rps(worst['rps_median'])}, {short[worst['server']]:.1%} of it.")
    else:
        flips = (f"Flips if the best server here fell under {SERVES_WELL:.0%} of the limit or under "
                 "the tie band against Node.")
    used = [r for _, r in io.iterrows()] + ([node] if node is not None else [])
    return Verdict(4, CLAIMS[4], verdict, decided(verdict, checks, why), flips,
                   on if unmeasured_from else f"{on} ({best['server']})", tuple(checks),
                   evidence=tuple((f"{r['server']} ({r['model']})", f"{rps(r['rps_median'])}, "
                                   f"{shares[s]:.0%} of limit") for s, r in io.iterrows()),
                   rows=tuple(label(r) for r in used), run_ids=run_ids(*used))


def python_claims(p: Points, lines: Lines) -> list[Verdict]:
    """Claims 3 and 4, the article's stacks first, then the best server with the plain app
    (claim 3 then on the free-threaded build)."""
    return [workers_on_stacks(p, lines), workers_on_best_plain(p, lines), free_threaded(p),
            python_io(p, lines.stacks, STACKS, stacks_missing(lines), lines.stacks),
            python_io(p, lines.plain, BEST_PLAIN, PLAIN_MISSING)]
