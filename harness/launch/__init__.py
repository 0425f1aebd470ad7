"""Starting servers for a run, by launcher name: one interface, two implementations.

    launcher = launch.get("docker")              # or "native"; unknown name = ValueError
    with launch.running(spec, launcher="docker", cpus="1", log_dir=raw) as server:
        server.url, server.pids(), server.engine_usage(), server.placement()

- native.py: the catalog's argv as a process group on this machine, pinned with taskset;
- docker.py: the same argv in the family's image (images.py), pinned with --cpuset-cpus;
- ceiling.py: the load path's ceiling (nginx returning /hello's bytes), the harness's own.

Every launcher module has the same three functions (``Launcher`` below: PEP 544
allows a module to satisfy a protocol) and returns servers of one shape,
``RunningServer``. Nothing here imports a launcher until it is asked for, so the
docker SDK is needed only by the docker launcher.
"""
from __future__ import annotations

import contextlib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Protocol

if TYPE_CHECKING:
    from harness.specs import ServerSpec

# name -> the module that implements it; "ceiling" starts the harness's own nginx
# (harness/launch/ceiling.py), which a sweep schedules itself: LAUNCHERS are those a
# sweep point or `arena run` may name
_MODULES = {"native": "harness.launch.native", "docker": "harness.launch.docker",
            "ceiling": "harness.launch.ceiling"}
LAUNCHERS = ("native", "docker")


class LaunchError(RuntimeError):
    """The server did not become ready. The message says why and ends with the log tail."""

    def __init__(self, message: str, log_path: Path | None = None, log_tail: str = ""):
        self.log_path = log_path
        self.log_tail = log_tail
        text = message
        if log_path is not None:
            text += f"\n--- last lines of {log_path} ---\n{log_tail or '(log is empty)'}"
        super().__init__(text)


class RunningServer(Protocol):
    """A started, ready server, whichever launcher started it."""

    url: str                        # where the load side reaches it
    ready_line: str | None          # its READY line (None for servers ready by HTTP)
    log_path: Path                  # its combined stdout and stderr

    @property
    def returncode(self) -> int | None: ...
    @property
    def local(self) -> bool:
        """Whether its processes are on this machine, so /proc can measure them."""
    def pids(self) -> list[int]: ...
    def alive(self) -> bool: ...
    def stop(self, timeout: float = 10.0) -> int | None: ...
    def engine_usage(self) -> dict | None:
        """Cumulative CPU seconds and memory from a container engine (None natively)."""
    def placement(self) -> dict:
        """What the launcher applied and the runtime sees (cpuset, memory limit), flat."""
    def log_tail(self, lines: int = 40) -> str: ...


class Launcher(Protocol):
    """What a launcher module provides."""

    def start(self, spec: ServerSpec, *, cpus: str | None = None, log_dir: Path | None = None,
              upstream: str | None = None, timeout: float = 60.0,
              memory: str | None = None) -> RunningServer: ...
    def start_upstream(self, *, log_dir: Path | None = None,
                       cpus: str | None = None) -> RunningServer: ...
    def unavailable(self) -> str | None:
        """Why this launcher cannot start servers here, or None when it can."""


def get(name: str) -> Launcher:
    """The launcher called ``name``; an unknown name is a ValueError listing the known ones."""
    if name not in _MODULES:
        raise ValueError(f"unknown launcher {name!r}; known: {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[name])


@contextlib.contextmanager
def running(spec: ServerSpec, *, launcher: str = "native", with_upstream: bool = True,
            **kwargs) -> Iterator[RunningServer]:
    """``start`` as a context manager, with the upstream delay service when the
    server serves /upstream. The server reaches the upstream on its own loopback
    (containers use the host network). ``engine`` (docker only) is passed to both."""
    chosen = get(launcher)
    with contextlib.ExitStack() as stack:
        upstream = None
        if with_upstream and "upstream" in spec.workloads:
            shared = {key: kwargs[key] for key in ("log_dir", "engine") if key in kwargs}
            up = stack.enter_context(chosen.start_upstream(**shared))
            upstream = upstream_address(up)
        yield stack.enter_context(chosen.start(spec, upstream=upstream, **kwargs))


def upstream_address(upstream: RunningServer) -> str:
    """host:port of a running upstream, as a server on the same machine reaches it."""
    from urllib.parse import urlsplit
    return f"127.0.0.1:{urlsplit(upstream.url).port}"
