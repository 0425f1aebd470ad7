"""What every load driver hands back to harness.run: one flat, driver-neutral outcome."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence


@dataclass(frozen=True)
class LoadOutcome:
    """One measured load run, whatever tool made it. Latencies in ms, CPU in seconds."""

    driver: str
    loop: str                       # "closed" | "open"
    requests: int                   # answered requests (any HTTP status)
    errors_connect: int
    errors_read: int
    errors_write: int
    errors_timeout: int
    errors_status: int              # answers with status >= 400
    duration_s: float               # the measured window the rps is over
    rps: float
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_p999_ms: float | None
    latency_max_ms: float | None
    latency_kind: str               # "raw" | "co-corrected" | "from-intended-time" | "locust-buckets"
    generator_cpu_s: float | None
    generator_cpus: int             # CPUs the generator could use (for its share)
    extra: dict = field(default_factory=dict, compare=False)   # driver-specific, for raw/

    @property
    def errors(self) -> int:
        return (self.errors_connect + self.errors_read + self.errors_write + self.errors_timeout
                + self.errors_status)

    @property
    def generator_share(self) -> float | None:
        if self.generator_cpu_s is None or self.duration_s <= 0 or self.generator_cpus <= 0:
            return None
        return self.generator_cpu_s / (self.generator_cpus * self.duration_s)


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100) of an ascending sequence; None if empty."""
    if not sorted_values:
        return None
    if p <= 0:
        return sorted_values[0]
    rank = math.ceil(round(p / 100.0 * len(sorted_values), 9))  # 99.9% of 1000 is rank 999, not 1000
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]
