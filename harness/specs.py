"""The values that flow through the harness: frozen dataclasses, resolved once.

    sweep file -> RunSpec (server, WorkloadSpec, LoadSpec, Placement) -> launch ->
    verify -> drive -> measure -> RunResult row (harness/row.py builds it)

Only parsing that turns text into a value lives here (Placement); everything that
needs the catalog, the contract or a running process lives in the stage that owns it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

# The defaults of a run, stated once: the settings schema (sweep files, `arena run`),
# the specs below and the workload factory all take them from here.
IO_MS = 50                  # the wait of /io, /mixed, /upstream
CPU_N = 80_000              # kernel iterations of /cpu, /mixed
SERVER_CPUS = "1"           # server and load generator on different cores
LOAD_CPUS = "0"
DURATION_S = 10.0
WARMUP_S = 2.0

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


class PlacementError(ValueError):
    """A CPU list that is not one; the message quotes it and shows the form."""


_CPU_RANGE = re.compile(r"(\d+)(?:-(\d+))?")


@dataclass(frozen=True)
class Placement:
    """A parsed CPU set: the project's one reading of a taskset list.

    ``Placement.parse("0-1,3")`` -> cpus {0, 1, 3}; ``text`` keeps the list as given
    (it is what rows and run ids record). An empty list or None means "not pinned":
    every CPU this process may use (sched_getaffinity), and ``taskset`` is None.
    Overlapping ranges count once ("0-2,1" is three CPUs).
    """

    text: str
    cpus: frozenset[int]

    @classmethod
    def parse(cls, value: "str | Iterable[int] | Placement | None") -> "Placement":
        if isinstance(value, Placement):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls("", frozenset(os.sched_getaffinity(0)))
        if not isinstance(value, str):
            cpus = frozenset(int(c) for c in value)
            return cls(",".join(map(str, sorted(cpus))), cpus)
        text = value.strip()
        cpus: set[int] = set()
        for part in text.split(","):
            m = _CPU_RANGE.fullmatch(part.strip())
            if not m or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
                raise PlacementError(f"{value!r} is not a CPU list such as \"1\", \"0-1\" or \"0,2-3\"")
            lo = int(m.group(1))
            cpus.update(range(lo, int(m.group(2) or lo) + 1))
        return cls(text, frozenset(cpus))

    @property
    def count(self) -> int:
        return len(self.cpus)

    @property
    def taskset(self) -> str | None:
        """The list for ``taskset -c`` (None: do not pin)."""
        return self.text or None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class WorkloadSpec:
    """A workload as the load tools see it: one request, and what is known of its cost.

    A contract workload (workloads/CONTRACT.md), or a user's own app at one path
    (``name`` its module:callable): then nothing is known of its cost but what its
    user declares, ``wait_s`` with ``wait_declared`` set.

    ``wait_s`` is the known wait per request (I/O); ``cpu_service_s`` the known CPU
    time per request on the server's runtime (from calibration; None when unknown);
    ``calibrated`` says ``cpu_n`` itself was chosen by calibration for a target
    service time rather than given.
    """

    name: str
    target: str                     # path and query
    method: str = "GET"
    body: bytes | None = None
    wait_s: float = 0.0
    cpu_n: int = 0                  # kernel iterations per request
    cpu_service_s: float | None = None
    calibrated: bool = False
    wait_declared: bool = False     # wait_s is what a user declared of their app, not measured


# 2: served_share, latency_p99_corrected_ms, helper_cpu_s and idlest_worker_cpu_share added; a failed run's rps is
# empty (harness/store.py reads schema 1 files, their new columns empty)
# 3: rerun_of and rerun_reason added (the sweep's automatic reruns, harness/sweep.py), and
#    limit_detail and latency_histogram (the load path's ceiling, the compact histogram)
# 4: declared_wait_ms added (a user app's wait as its user declared it, not measured)
SCHEMA_VERSION = 4


@dataclass(frozen=True)
class LoadSpec:
    """How load is offered: closed loop at ``connections`` or open loop at ``rate``."""

    driver: str                     # "wrk" | "vegeta" | "locust"
    connections: int | None = None  # closed loop (wrk, locust users)
    rate: float | None = None       # open loop, requests per second (vegeta)
    duration_s: float = DURATION_S
    warmup_s: float = WARMUP_S


@dataclass(frozen=True)
class RunSpec:
    """One planned run, from the sweep file (or `arena run`'s flags) to its row.

    The plan makes it with what the file says; the sweep resolves what only a
    campaign knows just before it runs (``cpu_n``/``cpu_service_s`` from the
    calibration, ``load.rate`` from ``rate_fraction`` times the measured saturation,
    ``ceiling_rps`` from the load path's ceiling measured for a /hello run, ``order``). ``workers``/``threads`` override the catalog's sizing formulas.
    """

    campaign: str
    run_id: str
    server: str
    workload: str
    load: LoadSpec
    repeat: int = 1
    order: int = 1
    io_ms: int = IO_MS
    cpu_n: int = CPU_N
    cpu_service_s: float | None = None      # calibrated kernel CPU time at cpu_n, this runtime
    calibrated: bool = False                # cpu_n comes from calibration (same service time)
    rate_fraction: float | None = None      # open loop at this share of the measured saturation
    server_cpus: str | None = SERVER_CPUS
    load_cpus: str | None = LOAD_CPUS
    scenario: str = "endpoint"              # locust only
    locust_workers: int = 0                 # locust only
    timeout_s: float = 60.0                 # server start-up
    launcher: str = "native"                # "native" | "docker"
    memory: str | None = None               # container memory limit ("512m"); docker only
    workers: str | None = None              # sizing override (a formula in cores)
    threads: str | None = None
    # a /hello run's load-path ceiling measured in this campaign (harness/plan/ceiling.py)
    ceiling_rps: float | None = None
    ceiling_run_id: str | None = None
    # A user's own WSGI app (`arena run --app`): ``workload`` is then its module:callable,
    # ``path`` the endpoint driven, ``wait_ms`` the wait per request the user declared
    # (not measured; None: not declared, so no Little's-law ceiling is known).
    app: str | None = None
    path: str = "/"
    wait_ms: float | None = None

    def __post_init__(self) -> None:
        self.server_placement, self.load_placement     # bad CPU lists fail here, not mid-run

    @cached_property
    def server_placement(self) -> Placement:
        return Placement.parse(self.server_cpus)

    @cached_property
    def load_placement(self) -> Placement:
        return Placement.parse(self.load_cpus)


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
    rps: float | None               # empty for a run that did not measure (status not "ok")
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_p999_ms: float | None
    latency_max_ms: float | None
    latency_kind: str               # "raw" | "co-corrected" | "from-intended-time" | "locust-buckets" |
                                    # "served-only" (closed loop, some connections never answered)
    served_share: float | None      # share of connections answered at least once (wrk), 0..1
    latency_p99_corrected_ms: float | None  # wrk's p99 corrected for coordinated omission
    latency_histogram: str          # log-linear buckets of the latencies (harness/drivers/histogram.py)
    server_cpu_s: float
    server_rss_peak_mib: float
    helper_cpu_s: float             # the harness's own helper (the /upstream delay service)
    idlest_worker_cpu_share: float | None   # the idlest worker process's share of the
                                    # workers' CPU (harness/measure/balance.py); None: one process
    generator_cpu_s: float
    generator_cpu_share: float      # of the generator's own cores, 0..1
    foreign_cpu_share: float        # CPU used by neither server nor generator, 0..1
    cpu_us_per_request: float | None    # only above resources.COST_MIN_CPU_S of server CPU
    # what it means
    limit_rps: float | None
    limit_kind: str                 # "littles-law" | "cpu" | "interactive" | "load-path" |
                                    # "generator" | "offered-rate" | "unknown-slots" | ""
    limit_detail: str               # how the limit was reached (the ceiling's run id, the slots' source)
    efficiency: float | None        # rps / limit_rps
    bottleneck: str                 # "server" | "limit" | "generator" | "errors" | "noisy" | "imbalance"
    # an extra run the sweep added to a point short of clean or stable repeats (empty: a planned run)
    rerun_of: str = ""              # the run id of the point's run it stands in for
    rerun_reason: str = ""          # why the point needed it, in the audit's words
    # a user app's wait per request as its user declared it (`arena run --app --wait-ms`), not
    # measured; empty when none was declared, and for contract workloads (their wait is the target's)
    declared_wait_ms: float | None = None
