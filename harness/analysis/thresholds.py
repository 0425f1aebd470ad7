"""Every threshold the analysis judges rows by, each defined once with the reason for its value.

The row's own verdict (errors, generator-bound, noisy, limit reached) is decided when
the row is made, by :mod:`harness.limits`, and its cost per request by
:mod:`harness.measure.resources`; their thresholds live there and are imported here,
so a reader finds every number the analysis uses in this one module.
"""
from __future__ import annotations

from harness.limits import (ERROR_SHARE, GENERATOR_BOUND_SHARE, IDLE_WORKER_FRACTION,  # noqa: F401
                            LIMIT_REACHED, NOISY_FOREIGN_SHARE, WINDOW_SLACK)
from harness.measure.resources import COST_MIN_CPU_S  # noqa: F401

# --- stability of a point's repeats ------------------------------------------------------------

# pyperf warns when the standard deviation is 10% of the mean or more
# (pyperf/_cli.py format_checks, https://github.com/psf/pyperf/blob/main/pyperf/_cli.py).
# We publish medians, so the spread judged is the median's own: stats.robust_cv, which
# equals the CV on normal data and is not decided by one stray repeat.
UNSTABLE_CV = 0.10

# A point is published from at least three clean repeats: a median of two is their mean,
# and one bad repeat of three still leaves a median that is a real run.
MIN_CLEAN_REPEATS = 3

# Confidence of the bootstrap interval shown beside a median, and how many resamples
# draw it: 2,000 keeps the interval's own Monte Carlo error under a percent of its width
# (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 19).
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000

# --- the article's claims ----------------------------------------------------------------------

# The tie band: two servers whose throughput ratio lies inside it are called equal. It is
# the smallest difference a claim treats as real, the equivalence margin of an equivalence
# test (Lakens 2017, https://doi.org/10.1177/1948550617697177), not the noise: the noise is
# the bootstrap interval's job, and a ratio whose interval crosses the edge a claim is
# decided at is "inconclusive". 10% is the run-to-run spread pyperf warns at (UNSTABLE_CV):
# a smaller gap, even with an interval that excludes it, comes from repeats taken minutes
# apart on one machine and need not survive another day. Symmetric in ratio (1/1.1 to 1.1),
# so A/B and B/A fall inside or outside it together.
TIE = UNSTABLE_CV
TIE_BAND = (1 / (1 + TIE), 1 + TIE)

# A server "handles I/O well" when it reaches 80% of its Little's-law limit (in-flight
# capacity / wait). Servers with enough concurrency slots measure 94-98% of it
# (results/full-20261202: Go 94%, Node and granian 96%); 80% leaves room for sharing
# cores with the load generator, and below it the model, not the wait, sets the throughput.
SERVES_WELL = 0.80

# A CPU-bound run "uses one core" when the server kept at most one core's share of its
# cores busy, plus 15 points for the runtime's own helper threads (GC, libuv) and
# measurement slack: 65% on 2 cores.
ONE_CORE_SLACK = 0.15

# Processes "scale" CPU work when N processes serve at least 1.5x what one GIL-bound
# process does (the ideal on 2 cores is 2x; 1.5x is clear of noise).
SCALES = 1.5

# Requests a process keeps in flight on the I/O workload, rps x wait / processes: at most
# 1.2 is "one request at a time" (a sync worker gets 0.98 at best); above 2 the process
# evidently serves several requests at once.
ONE_AT_A_TIME = 1.2
MANY_AT_ONCE = 2.0

# --- the audit: what can never be true of an honest row ----------------------------------------

# WINDOW_SLACK (how far measured and computed figures may disagree at the edges of the
# measuring window) is defined where rows are judged, harness.limits, and imported above.

# A cost per request is stated only from COST_MIN_CPU_S of server CPU: defined where the
# CPU is measured (harness/measure/resources.py), imported above, with its reason there.

# A timer can end a wait up to 1 ms early as seen from outside: libuv caches its loop time
# in milliseconds (https://docs.libuv.org/en/v1.x/loop.html, uv_now), and the client's
# and server's clocks are read at different instants. Latency more than this below the
# workload's wait is impossible.
WAIT_SLACK_MS = 1.0

# Exact comparisons of stored floats (the store keeps 6 decimals): efficiency against
# rps / limit, a share against 0..1.
ROUNDING = 1e-3

# How multi-process servers share the work (IDLE_WORKER_FRACTION) is judged when the row is
# made, by harness.limits.worker_idled: its "imbalance" verdict; imported above.
