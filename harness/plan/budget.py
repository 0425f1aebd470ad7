"""How long a sweep takes: the estimate `arena sweep --dry-run` prints, to size a campaign.

A run costs its warm-up and measured seconds plus what surrounds them: starting the
server, waiting until it is ready, verifying it against the contract and stopping it.
"""
from __future__ import annotations

from typing import Iterable

from harness.plan.plan import point_of
from harness.specs import RunSpec

# Seconds per run beyond warm-up and duration: results/full-20261202 took 71.5 minutes
# from its first to its last run start for 570 runs of 1 + 4 s, 7.5 s a run (the
# started_at column). Docker starts cost about as much (results/docker-vs-native-20261202:
# 7.4 s a run of 1 + 5 s); locust's master and worker take longer, a few seconds more.
RUN_OVERHEAD_S = 2.5
LOCUST_EXTRA_S = 3.0


def run_seconds(run: RunSpec) -> float:
    extra = LOCUST_EXTRA_S if run.load.driver == "locust" else 0.0
    return run.load.warmup_s + run.load.duration_s + RUN_OVERHEAD_S + extra


def _clock(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def describe(planned: Iterable[RunSpec], todo: Iterable[RunSpec], max_reruns: int) -> str:
    """Lines: the planned runs' time, what is left of it, and the most the reruns can add."""
    planned, todo = list(planned), list(todo)
    total = sum(map(run_seconds, planned))
    points: dict[str, float] = {}
    for run in planned:     # a point's rerun costs what its run does
        points.setdefault(point_of(run.run_id), run_seconds(run))
    worst = max_reruns * sum(points.values())
    lines = [f"estimate: {len(planned)} runs, about {_clock(total)} "
             f"({RUN_OVERHEAD_S:g} s a run to start, verify and stop the server, beside warm-up and "
             f"duration); {_clock(sum(map(run_seconds, todo)))} left to run"]
    if max_reruns:
        lines.append(f"reruns: up to {max_reruns} per point short of clean or stable repeats, "
                     f"{len(points)} points: at most {max_reruns * len(points)} runs, {_clock(worst)} more "
                     f"(each tenth of the points that needs one rerun adds {_clock(worst / max_reruns / 10)})")
    return "\n".join(lines)
