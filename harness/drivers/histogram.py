"""A run's latencies as a compact log-linear histogram, kept in its row (``latency_histogram``).

The buckets are HdrHistogram's (https://hdrhistogram.github.io/HdrHistogram/, "log-linear"):
latencies in whole microseconds; below 2 x SUB_BUCKETS µs one bucket per µs; above, every
power of two [2^k, 2^(k+1)) is cut into SUB_BUCKETS buckets of equal width 2^(k - SUB_BITS).
A bucket is at most 1/SUB_BUCKETS (6.25%) of its values wide, so any percentile re-read
from the row is within that of the measured one, however long the tail. 16 buckets a
power of two is HdrHistogram's precision at one significant digit: it keeps a row's
histogram to some 600 characters, about what the rest of its row takes (32 doubled that).

Text form (one CSV cell, no commas): ``ll4@FIRST C C zN C ...``: ``ll4`` names the scheme
(SUB_BITS 4), FIRST is the index of the first non-empty bucket, then each bucket's count in
order, ``zN`` standing for N empty buckets. Example: ``ll4@240 3 12 z2 1`` is 3 requests in
bucket 240, 12 in 241, none in 242-243, 1 in 244. Empty text: no latencies recorded.

    text = histogram.encode(histogram.counts(values_us))
    lo, width = histogram.percentile(histogram.decode(text), 99)
"""
from __future__ import annotations

import math
from typing import Iterable

SUB_BITS = 4
SUB_BUCKETS = 1 << SUB_BITS         # buckets per power of two
SCHEME = f"ll{SUB_BITS}"


def index(value_us: int) -> int:
    """The bucket of a latency in whole µs (negative values are 0)."""
    v = max(0, int(value_us))
    if v < 2 * SUB_BUCKETS:
        return v
    shift = v.bit_length() - 1 - SUB_BITS
    return shift * SUB_BUCKETS + (v >> shift)


def bounds(i: int) -> tuple[int, int]:
    """(lowest value, width) of bucket ``i``, in µs: it holds lowest .. lowest + width - 1."""
    if i < 2 * SUB_BUCKETS:
        return i, 1
    shift = i // SUB_BUCKETS - 1
    return (i - shift * SUB_BUCKETS) << shift, 1 << shift


def counts(values_us: Iterable[float], weights: Iterable[int] | None = None) -> dict[int, int]:
    """Bucket index -> count of ``values_us`` (each weighted by ``weights`` where given)."""
    out: dict[int, int] = {}
    values = list(values_us)
    for v, w in zip(values, weights if weights is not None else [1] * len(values)):
        if w:
            i = index(math.floor(v))
            out[i] = out.get(i, 0) + int(w)
    return out


def encode(buckets: dict[int, int]) -> str:
    """The text form of ``buckets`` (empty when there are none)."""
    filled = sorted(i for i, c in buckets.items() if c > 0)
    if not filled:
        return ""
    tokens, last = [f"{SCHEME}@{filled[0]}"], filled[0] - 1
    for i in filled:
        if i - last > 1:
            tokens.append(f"z{i - last - 1}")
        tokens.append(str(buckets[i]))
        last = i
    return " ".join(tokens)


def decode(text: str) -> dict[int, int]:
    """Bucket index -> count from the text form; ValueError naming what is wrong."""
    if not text.strip():
        return {}
    head, *tokens = text.split()
    scheme, _, first = head.partition("@")
    if scheme != SCHEME or not first.isdigit():
        raise ValueError(f"latency histogram {head!r}: expected {SCHEME}@FIRST")
    out, i = {}, int(first)
    for token in tokens:
        if token.startswith("z") and token[1:].isdigit():
            i += int(token[1:])
        elif token.isdigit():
            out[i] = int(token)
            i += 1
        else:
            raise ValueError(f"latency histogram: {token!r} is neither a count nor zN")
    return out


def percentile(buckets: dict[int, int], p: float) -> tuple[int, int] | None:
    """(lowest value, width) in µs of the bucket holding the ``p``-th percentile (nearest
    rank, as harness.drivers.outcome.percentile); None when empty."""
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(round(p / 100.0 * total, 9)))
    seen = 0
    for i in sorted(buckets):
        seen += buckets[i]
        if seen >= rank:
            return bounds(i)
    return bounds(max(buckets))
