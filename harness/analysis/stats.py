"""Summaries of a point's repeats: median, spread, (robust) coefficient of variation, bootstrap interval.

Pure functions over sequences of numbers (NaN and None are left out), so the console
table, the report and the audit summarise repeats the same way.
"""
from __future__ import annotations

import functools
import math
import random
import statistics
from typing import Callable, Iterable, Sequence

from harness.analysis.thresholds import BOOTSTRAP_RESAMPLES, CONFIDENCE

# A fixed seed: the same rows give the same interval, so regenerated docs change only
# when the data does.
SEED = 20261202


def values(xs: Iterable) -> list[float]:
    """The numbers in ``xs`` as floats, without None and NaN."""
    out = []
    for x in xs:
        if x is None:
            continue
        try:
            f = float(x)
        except (TypeError, ValueError):
            continue
        if not math.isnan(f):
            out.append(f)
    return out


def median(xs: Iterable) -> float | None:
    v = values(xs)
    return statistics.median(v) if v else None


def spread(xs: Iterable) -> tuple[float, float] | None:
    """(min, max) of the repeats, or None without any."""
    v = values(xs)
    return (min(v), max(v)) if v else None


def cv(xs: Iterable) -> float | None:
    """Sample standard deviation / mean (None with fewer than two values or a zero mean)."""
    v = values(xs)
    if len(v) < 2:
        return None
    mean = statistics.fmean(v)
    return statistics.stdev(v) / mean if mean else None


# 1.4826 MAD estimates the standard deviation of normal data (Rousseeuw & Croux,
# "Alternatives to the Median Absolute Deviation", JASA 88(424), 1993,
# https://doi.org/10.1080/01621459.1993.10476408), so a robust CV of 10% means what a CV
# of 10% means, without one stray repeat deciding it.
MAD_TO_SD = 1.4826


def robust_cv(xs: Iterable) -> float | None:
    """1.4826 x the median absolute deviation / the median: the spread the median sees.

    A point is published as its median, which one stray repeat moves by at most one
    rank; the standard deviation moves with the stray repeat's whole distance, so a
    single outlier kept a point "unstable" however many good repeats followed it.
    None with fewer than two values or a zero median."""
    v = values(xs)
    if len(v) < 2:
        return None
    mid = statistics.median(v)
    return MAD_TO_SD * statistics.median(abs(x - mid) for x in v) / mid if mid else None


def bootstrap_ci(xs: Sequence, stat: Callable[[list[float]], float] = statistics.median, *,
                 confidence: float = CONFIDENCE, resamples: int = BOOTSTRAP_RESAMPLES,
                 seed: int = SEED) -> tuple[float, float] | None:
    """Percentile bootstrap interval of ``stat`` (the median by default) over the repeats.

    Resamples the repeats with replacement ``resamples`` times and returns the
    (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the statistic
    (Efron, 1979, https://doi.org/10.1214/aos/1176344552). None with fewer than two
    values: one run has no spread to resample. With three repeats the interval can be
    no wider than their range, so it says how little three runs pin down.
    """
    v = tuple(values(xs))
    if len(v) < 2:
        return None
    return _percentiles(_draws((v,), stat, resamples, seed), confidence)


def ratio_ci(top: Sequence, bottom: Sequence, *, confidence: float = CONFIDENCE,
             resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED) -> tuple[float, float] | None:
    """Percentile bootstrap interval of median(top) / median(bottom), two independent samples.

    Each draw resamples each side's repeats with replacement on its own, so the interval
    carries the noise of both. A side of one value is held fixed: pass a known constant
    (a limit) that way, never a point measured once (callers comparing two measured points
    require two repeats on each side). None when neither side has two values, or a
    resampled median of ``bottom`` is 0.
    """
    a, b = tuple(values(top)), tuple(values(bottom))
    if not a or not b or (len(a) < 2 and len(b) < 2):
        return None
    draws = _draws((a, b), _median_ratio, resamples, seed)
    return None if any(math.isnan(d) for d in draws) else _percentiles(draws, confidence)


def _median_ratio(top: list[float], bottom: list[float]) -> float:
    low = statistics.median(bottom)
    return statistics.median(top) / low if low else math.nan


@functools.lru_cache(maxsize=4096)
def _draws(samples: tuple[tuple[float, ...], ...], stat: Callable, resamples: int,
           seed: int) -> tuple[float, ...]:
    """``stat(*resampled samples)`` over ``resamples`` resamplings, sorted; cached because
    the same repeats are summarised by every table and chart of a report."""
    rng = random.Random(seed)
    return tuple(sorted(stat(*[rng.choices(s, k=len(s)) for s in samples]) for _ in range(resamples)))


def _percentiles(draws: Sequence[float], confidence: float) -> tuple[float, float]:
    n = len(draws)
    return (draws[int(math.floor((1 - confidence) / 2 * (n - 1)))],
            draws[int(math.ceil((1 + confidence) / 2 * (n - 1)))])
