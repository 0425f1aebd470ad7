"""The GIL axis: each free-threaded server's points beside its standard-build twin's.

A catalog entry on the free-threaded build (PEP 703, https://peps.python.org/pep-0703/)
is named after its standard-build twin with ``-ft`` (``-ft-gil``: the same build with
the GIL turned back on). A pair is one point measured for both: same workload and wait,
load, cores and launcher. The /cpu target may differ between the two, since each build
is calibrated to the same service time with its own N (harness/plan/calibrate.py).
The GIL state shown is the one the rows read back from the running servers.
"""
from __future__ import annotations

import json

import pandas as pd

from harness.analysis import frame, stats

FT = "-ft"
# What one pair is matched on besides the workload's wait (the target's N may differ).
MATCH = ("workload", "driver", "loop", "connections", "rate", "cores", "launcher")


def twin(server: str) -> str | None:
    """The standard-build twin of a free-threaded entry, None for any other server."""
    base, ft, rest = server.partition(FT)
    if not ft or (rest and not rest.startswith("-")):
        return None
    return base + rest.removeprefix("-gil")


def gil_read_back(cells) -> str:
    """The GIL state a point's rows read back: "on", "off", "mixed", or "not read back"."""
    states = set()
    for cell in cells:
        try:
            seen = json.loads(cell) if isinstance(cell, str) and cell else {}
        except ValueError:
            seen = {}
        if isinstance(seen, dict) and isinstance(seen.get("gil_enabled"), bool):
            states.add("on" if seen["gil_enabled"] else "off")
    return states.pop() if len(states) == 1 else "mixed" if states else "not read back"


def _points(runs: pd.DataFrame) -> pd.DataFrame:
    agg = frame.aggregate(runs, ["rps", "cpu_us_per_request"])
    gil = runs.set_index("run_id")["parallelism"]
    agg["gil"] = agg["run_ids"].map(lambda ids: gil_read_back(gil.loc[list(ids)]))
    agg["wait_ms"] = agg["target"].map(frame.wait_ms)
    return agg


def _repeats(runs: pd.DataFrame, ids) -> list[float]:
    return stats.values(runs.set_index("run_id").loc[list(ids), "rps"])


def pairs(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per point a free-threaded server and its twin were both measured at: the
    twin's and the free-threaded medians (req/s, CPU µs per request), the GIL read back
    on each side, and the ratio free-threaded / standard req/s with its bootstrap interval."""
    cols = ["server", "twin", *MATCH, "target_std", "target_ft", "rps_std", "rps_ft", "ratio",
            "ratio_low", "ratio_high", "cpu_std", "cpu_ft", "gil_std", "gil_ft", "run_ids"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    pts = _points(runs)
    pts["twin"] = pts["server"].map(twin)
    key = [*MATCH, "wait_ms"]
    std = pts.drop(columns="twin").rename(columns={"server": "twin"})
    both = pts[pts["twin"].notna()].merge(std, on=["twin", *key], suffixes=("_ft", "_std"))
    out = []
    for _, r in both.iterrows():
        ft, base = _repeats(runs, r["run_ids_ft"]), _repeats(runs, r["run_ids_std"])
        ci = stats.ratio_ci(ft, base) if len(ft) > 1 and len(base) > 1 else None
        ratio = stats.median(ft) / stats.median(base) if ft and base and stats.median(base) else float("nan")
        out.append({"server": r["server"], "twin": r["twin"], **{k: r[k] for k in MATCH},
                    "target_std": r["target_std"], "target_ft": r["target_ft"],
                    "rps_std": r["rps_median_std"], "rps_ft": r["rps_median_ft"], "ratio": ratio,
                    "ratio_low": ci[0] if ci else float("nan"), "ratio_high": ci[1] if ci else float("nan"),
                    "cpu_std": r["cpu_us_per_request_median_std"], "cpu_ft": r["cpu_us_per_request_median_ft"],
                    "gil_std": r["gil_std"], "gil_ft": r["gil_ft"],
                    "run_ids": tuple(r["run_ids_ft"]) + tuple(r["run_ids_std"])})
    return pd.DataFrame(out, columns=cols).sort_values(["server", "workload", "cores", "connections"],
                                                       ignore_index=True)
