"""Summaries of a point's repeats: median, spread, coefficient of variation, bootstrap interval.

Pure functions over sequences of numbers (NaN and None are left out), so the console
table, the report and the audit summarise repeats the same way.
"""
from __future__ import annotations

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
    v = values(xs)
    if len(v) < 2:
        return None
    rng = random.Random(seed)
    return _percentiles([stat(rng.choices(v, k=len(v))) for _ in range(resamples)], confidence)


def ratio_ci(top: Sequence, bottom: Sequence, *, confidence: float = CONFIDENCE,
             resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED) -> tuple[float, float] | None:
    """Percentile bootstrap interval of median(top) / median(bottom), two independent samples.

    Each draw resamples each side's repeats with replacement on its own, so the interval
    carries the noise of both. A side of one value is held fixed: pass a known constant
    (a limit) that way, never a point measured once. None when neither side has two
    values, or a median is zero.
    """
    a, b = values(top), values(bottom)
    if not a or not b or (len(a) < 2 and len(b) < 2):
        return None
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        den = statistics.median(rng.choices(b, k=len(b)))
        if not den:
            return None
        draws.append(statistics.median(rng.choices(a, k=len(a))) / den)
    return _percentiles(draws, confidence)


def _percentiles(draws: list[float], confidence: float) -> tuple[float, float]:
    """The (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the draws."""
    draws = sorted(draws)
    lo = draws[int(math.floor((1 - confidence) / 2 * (len(draws) - 1)))]
    hi = draws[int(math.ceil((1 + confidence) / 2 * (len(draws) - 1)))]
    return lo, hi
