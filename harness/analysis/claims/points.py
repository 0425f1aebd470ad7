"""The points a claim reads: medians of repeats at one shared load, and the repeats behind them.

A claim compares servers at the highest closed-loop concurrency every server was
measured at (wrk's closed loop: locust users with think time are a scenario, not a load
level), on the most cores, natively where the campaign has native rows. Every ratio it
decides on is a ratio of medians with a bootstrap interval over the repeats
(:func:`harness.analysis.stats.ratio_ci`).
"""
from __future__ import annotations

import pandas as pd

from harness.analysis import frame, stats

IO = "io"
CPU = "cpu"

Estimate = tuple[float, "tuple[float, float] | None"]   # (ratio of medians, its interval)


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


class Points:
    """Medians of repeats at the highest closed-loop concurrency, per workload and server."""

    def __init__(self, runs: pd.DataFrame):
        self.runs = comparable(runs)
        closed = frame.select(self.runs, loop="closed", driver="wrk", usable=None)
        self.agg = frame.aggregate(closed) if not closed.empty else pd.DataFrame()
        self._by_id = self.runs.set_index("run_id") if not self.runs.empty else self.runs

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

    def repeats(self, point: pd.Series, metric: str = "rps") -> list[float]:
        """The repeats a point's median was taken over (its flagged ones only when all are)."""
        return stats.values(self._by_id.loc[list(point["run_ids"]), metric])

    def ratio(self, top: pd.Series, bottom: pd.Series, metric: str = "rps") -> Estimate:
        """median(top) / median(bottom) of ``metric``, each side's repeats resampled."""
        a, b = self.repeats(top, metric), self.repeats(bottom, metric)
        if not a or not b:
            return float("nan"), None
        ci = stats.ratio_ci(a, b) if len(a) > 1 and len(b) > 1 else None
        return stats.median(a) / stats.median(b), ci

    def scaled(self, point: pd.Series, per: float, metric: str = "rps") -> Estimate:
        """median(point) / ``per``, a known constant (a limit, a number of processes)."""
        a = self.repeats(point, metric)
        if not a or not per:
            return float("nan"), None
        return stats.median(a) / per, stats.ratio_ci(a, [per]) if len(a) > 1 else None

    def io_share(self, point: pd.Series) -> Estimate:
        """:func:`io_efficiency` with its interval over the repeats."""
        ideal = io_ideal(point)
        if ideal is None:
            return self.scaled(point, 1.0, "efficiency")
        return self.scaled(point, ideal)

    def in_flight(self, point: pd.Series) -> Estimate:
        """Requests a process keeps in flight on the I/O workload: rps x wait / processes."""
        wait = frame.wait_ms(point["target"])
        if not wait:
            return float("nan"), None
        return self.scaled(point, point["workers"] / (wait / 1000))


def io_ideal(point: pd.Series) -> float | None:
    """Little's law for the client's connections, C / wait (None when the target names no wait)."""
    wait = frame.wait_ms(point["target"])
    if not wait or pd.isna(point["connections"]):
        return None
    return point["connections"] / (wait / 1000)


def io_efficiency(point: pd.Series) -> float:
    """Median throughput / :func:`io_ideal`, the share of what I/O work allows at all.

    Not the stored ``efficiency``, which divides by the server's own limit
    (min(C, slots) / wait): a 5-worker sync server at 99% of its 100 req/s is
    efficient at being small, not "fine on I/O". The stored one only when the target
    names no wait.
    """
    ideal = io_ideal(point)
    return float(point["efficiency_median"]) if ideal is None else float(point["rps_median"] / ideal)


def pick(top: pd.DataFrame, mask) -> pd.Series | None:
    """The best (highest median rps) server among rows matching ``mask``."""
    rows = top[mask]
    if rows.empty:
        return None
    return rows.loc[rows["rps_median"].idxmax()]


def label(row: pd.Series) -> str:
    """A point as the verdicts name it: server, target, load and repeats."""
    flag = ", all repeats flagged: a lower bound" if row.get("all_flagged") else ""
    return f"{row['server']} {row['target']} c{int(row['connections'])} ({int(row['n'])} runs{flag})"


def run_ids(*points: pd.Series | None) -> tuple[str, ...]:
    return tuple(i for p in points if p is not None for i in p["run_ids"])


def rps(value: float) -> str:
    return f"{value:,.0f} req/s" if value >= 100 else f"{value:,.1f} req/s"
