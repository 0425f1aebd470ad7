"""The values that flow through the harness: frozen dataclasses, no behaviour.

catalog -> ServerSpec -> launch -> verify -> measure -> RunResult row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MODELS = ("threaded", "forked", "async", "goroutines", "event-loop", "cluster")
RUNTIMES = ("python", "go", "node")


@dataclass(frozen=True)
class ServerSpec:
    """One runnable server variant, as declared in servers/catalog.toml.

    ``argv`` still holds placeholders ({python}, {bin}, {host}, {port},
    {workers}, {threads}, {app}); ``workers`` and ``threads`` are sizing
    formulas in ``cores`` (the CPUs the server is given), resolved at launch.
    """

    name: str
    runtime: str
    model: str
    argv: tuple[str, ...]
    workers: str
    threads: str
    ready: str                      # "line": prints READY with its address; "http": poll health
    health: str
    workloads: tuple[str, ...]
    app: str | None                 # "wsgi" | "flask" | None (the server carries its own)
    why: str
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Sizing:
    """A ServerSpec's sizing resolved for a number of cores."""

    cores: int
    workers: int
    threads: int


@dataclass(frozen=True)
class Mismatch:
    """One way a server's answer differs from the contract."""

    server: str
    endpoint: str
    what: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return (f"{self.server}: {self.endpoint}: {self.what} differs: "
                f"expected {self.expected}, got {self.actual}")


@dataclass(frozen=True)
class VerifyReport:
    server: str
    checked: int
    mismatches: tuple[Mismatch, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.mismatches


SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LoadSpec:
    """How load is offered: closed loop at ``connections`` or open loop at ``rate``."""

    driver: str                     # "wrk" | "vegeta" | "locust"
    connections: int | None = None  # closed loop (wrk, locust users)
    rate: float | None = None       # open loop, requests per second (vegeta)
    duration_s: float = 10.0
    warmup_s: float = 2.0


@dataclass(frozen=True)
class RunResult:
    """One measured run: one flat row of results/<campaign>/runs.csv.

    Identity, what ran, what came out, and what it means. Latencies are in
    milliseconds, CPU in seconds, memory in MiB. Empty (None) where a driver
    cannot tell.
    """

    # identity
    schema: int
    campaign: str
    run_id: str
    repeat: int
    order: int
    started_at: str
    git_sha: str
    # what ran
    server: str
    runtime: str
    model: str
    workers: int
    threads: int
    parallelism: str                # JSON of harness.measure.parallelism.observe()
    launcher: str
    workload: str
    target: str
    driver: str
    connections: int | None
    rate: float | None
    duration_s: float
    server_cpus: str
    load_cpus: str
    # what came out
    status: str                     # "ok" | "failed" | "not-verified"
    failure: str
    requests: int
    errors_connect: int
    errors_read: int
    errors_write: int
    errors_timeout: int
    errors_status: int
    rps: float
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_p999_ms: float | None
    latency_max_ms: float | None
    latency_kind: str               # "raw" | "co-corrected" | "from-intended-time"
    server_cpu_s: float
    server_rss_peak_mib: float
    generator_cpu_s: float
    generator_cpu_share: float      # of the generator's own cores, 0..1
    foreign_cpu_share: float        # CPU used by neither server nor generator, 0..1
    cpu_us_per_request: float | None
    # what it means
    limit_rps: float | None
    limit_kind: str                 # "littles-law" | "cpu" | "generator" | ""
    efficiency: float | None        # rps / limit_rps
    bottleneck: str                 # "server" | "limit" | "generator" | "errors" | "noisy"
