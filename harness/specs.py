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
