"""The row's log-linear latency histogram: its buckets, its text, and that the percentiles
it gives back agree with the row's own within a bucket's width (pure; the real runs are in
test_drivers.py and test_ceiling_run.py)."""
from __future__ import annotations

import random

import pytest

from harness.drivers import histogram, vegeta
from harness.drivers.wrk import parse_report


def agrees(text: str, p: float, row_ms: float) -> bool:
    """The histogram's bucket at ``p`` holds the row's percentile, give or take one bucket
    width (the two rank rules and wrk's 3-significant-digit report may differ by a value)."""
    lo, width = histogram.percentile(histogram.decode(text), p)
    return lo - width <= row_ms * 1000 < lo + 2 * width


def test_every_value_is_in_its_bucket_and_buckets_are_narrow():
    previous = -1
    for v in [*range(0, 5000), *range(5000, 3_000_000, 997)]:
        i = histogram.index(v)
        lo, width = histogram.bounds(i)
        assert lo <= v < lo + width
        assert width == 1 or width / lo <= 1 / histogram.SUB_BUCKETS
        assert i >= previous
        previous = i


def test_the_text_round_trips_and_skips_empty_buckets():
    buckets = histogram.counts([0.4, 900, 901.9, 5000, 2e6, 2e6])
    text = histogram.encode(buckets)
    assert text.startswith("ll4@0 1 z") and "," not in text
    assert histogram.decode(text) == buckets
    assert histogram.encode({}) == "" and histogram.decode("") == {}
    assert histogram.percentile({}, 50) is None


@pytest.mark.parametrize("text", ["ll5@3 1", "ll4@x 1", "ll4@3 1 y2"])
def test_a_broken_histogram_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="latency histogram"):
        histogram.decode(text)


def _csv(rows):
    return "".join(f"{ts},{code},{lat},0,0,,,,{seq},GET,http://x/hello,\n" for ts, code, lat, seq in rows)


@pytest.mark.parametrize("seed", range(5))
def test_vegetas_histogram_gives_back_its_p50_and_p99(seed):
    rng = random.Random(seed)
    rate, n, ms = 1000, 3000, 1_000_000
    lat = [int(rng.lognormvariate(0, 1.2) * ms) + 50_000 for _ in range(n)]
    out = vegeta.summarise(vegeta.parse_csv(_csv(
        [(10**9 + seq * ms, 200, lat[seq], seq) for seq in range(n)])), rate=rate, duration_s=3)
    text = out.extra["latency_histogram"]
    assert sum(histogram.decode(text).values()) == n
    assert agrees(text, 50, out.latency_p50_ms) and agrees(text, 99, out.latency_p99_ms)


def test_wrks_histogram_gives_back_its_p50_and_p99():
    pairs = [[1030, 2000], [1180, 343], [500000, 48]]
    report = {"requests": 2391, "duration_us": 3003839, "bytes": 1, "errors": {}, "latency_kind": "raw",
              "latency": {"count": 2391, "sum_us": 1, "max": 500945,
                          "percentiles": {"p50": 1030, "p99": 500000}},
              "histogram": pairs}
    out = parse_report(report, connections=8)
    text = out.extra["latency_histogram"]
    assert histogram.decode(text) == {histogram.index(v): c for v, c in pairs}
    assert agrees(text, 50, out.latency_p50_ms) and agrees(text, 99, out.latency_p99_ms)
    corrected = parse_report({**report, "latency_kind": "co-corrected"}, connections=8)
    assert corrected.extra["latency_histogram"] == ""       # never wrk's invented samples
