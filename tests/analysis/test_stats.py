"""Summaries of repeats: the same numbers whoever asks (console, report, audit)."""
import math
import statistics

import pytest

from harness.analysis import stats


def test_values_drop_none_nan_and_text():
    assert stats.values([1, None, float("nan"), "2.5", "x"]) == [1.0, 2.5]


def test_median_spread_cv():
    xs = [10.0, 12.0, 11.0]
    assert stats.median(xs) == 11.0
    assert stats.spread(xs) == (10.0, 12.0)
    assert stats.cv(xs) == pytest.approx(statistics.stdev(xs) / 11.0)
    assert stats.cv([5.0]) is None and stats.median([]) is None and stats.spread([None]) is None


def test_bootstrap_interval_holds_the_median_inside_the_range_and_is_reproducible():
    xs = [100.0, 104.0, 98.0, 101.0, 130.0]
    lo, hi = stats.bootstrap_ci(xs)
    assert min(xs) <= lo <= statistics.median(xs) <= hi <= max(xs)
    assert stats.bootstrap_ci(xs) == (lo, hi)                  # fixed seed: same rows, same interval
    assert stats.bootstrap_ci([1.0]) is None                   # one run has no spread to resample


def test_bootstrap_interval_narrows_with_more_repeats():
    few = [100.0, 110.0, 90.0]
    many = few * 10
    w = lambda ci: ci[1] - ci[0]  # noqa: E731
    assert w(stats.bootstrap_ci(many)) < w(stats.bootstrap_ci(few))
    assert not math.isnan(w(stats.bootstrap_ci(many)))


def test_ratio_interval_excludes_one_only_when_the_repeats_do_not_overlap_much():
    a = [100.0, 102.0, 98.0, 101.0]
    lo, hi = stats.ratio_ci([x * 2 for x in a], a)
    assert 1 < lo <= 2.0 <= hi                                 # twice as fast: the interval says so
    lo, hi = stats.ratio_ci([99.0, 103.0, 97.0, 100.0], a)
    assert lo < 1 < hi                                         # the same speed: straddles 1
    assert stats.ratio_ci([200.0], [100.0]) is None            # one run a side: no interval
    assert stats.ratio_ci([1.0, 2.0], [0.0, 0.0]) is None      # nothing to divide by
    assert stats.ratio_ci(a, [x * 2 for x in a]) == stats.ratio_ci(a, [x * 2 for x in a])
