"""Start catalog servers (and the upstream delay service they call) on loopback.

The only place that turns a ServerSpec into a running process; `arena up`,
`arena verify`, the benchmarks and the tests all come through here. Natively by
default; ``launcher("docker")`` gives the same two calls backed by containers
(harness/launch/docker.py), so a run picks its launcher by name.
"""
from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import types
from pathlib import Path
from typing import Iterator

from harness import catalog
from harness.launch.native import LaunchError, ReadyHttp, ReadyLine, RunningServer, launch
from harness.specs import Placement, ServerSpec

UPSTREAM_BIN = catalog.BIN / "arena-upstream"
LAUNCHERS = ("native", "docker")


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for servers that cannot report their own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _log_dir(log_dir: Path | None) -> Path:
    path = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="arena-logs-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_upstream(*, host: str = "127.0.0.1", log_dir: Path | None = None,
                   cpus: str | None = None) -> RunningServer:
    """The delay service behind /upstream, on a port of its choosing."""
    if not UPSTREAM_BIN.exists():
        raise LaunchError(f"{UPSTREAM_BIN} is missing; build it with `make runtimes`")
    return launch([str(UPSTREAM_BIN), "-addr", f"{host}:0"], ready=ReadyLine(),
                  log_path=_log_dir(log_dir) / "upstream.log", cpus=cpus, cwd=catalog.ROOT)


def start(spec: ServerSpec, *, host: str = "127.0.0.1", cpus: str | None = None,
          log_dir: Path | None = None, upstream: str | None = None,
          timeout: float = 60.0) -> RunningServer:
    """Start ``spec`` pinned to ``cpus``, sized for that many cores; wait until it serves.

    ``upstream`` (host:port) becomes ARENA_UPSTREAM for the /upstream workload.
    """
    cores = Placement.parse(cpus).count
    port = 0 if spec.ready == "line" else free_port(host)
    argv, extra_env = catalog.command(spec, host=host, port=port, cores=cores)
    env = {**os.environ, **extra_env}
    if upstream:
        env["ARENA_UPSTREAM"] = upstream
    ready = ReadyLine() if spec.ready == "line" else ReadyHttp(url=f"http://{host}:{port}",
                                                               path=spec.health)
    return launch(argv, ready=ready, log_path=_log_dir(log_dir) / f"{spec.name}.log",
                  env=env, cwd=catalog.ROOT, cpus=cpus, timeout=timeout)


@contextlib.contextmanager
def running(spec: ServerSpec, *, with_upstream: bool = True, **kwargs) -> Iterator[RunningServer]:
    """``start`` as a context manager, with the upstream service when it is wanted."""
    with contextlib.ExitStack() as stack:
        upstream = None
        if with_upstream and "upstream" in spec.workloads:
            up = stack.enter_context(start_upstream(log_dir=kwargs.get("log_dir")))
            upstream = up.url.split("://", 1)[1]
        yield stack.enter_context(start(spec, upstream=upstream, **kwargs))


def launcher(name: str) -> types.SimpleNamespace:
    """``start`` and ``start_upstream`` of launcher ``name`` (one of LAUNCHERS).

    Both launchers take the same arguments and return servers of one shape (url,
    pids(), alive(), returncode, stop(), ready_line); the docker one also takes
    ``memory`` and has the engine's view (``resources()``, ``parallelism()``).
    """
    if name == "native":
        def start_native(spec: ServerSpec, *, memory: str | None = None, **kwargs) -> RunningServer:
            if memory:
                raise LaunchError("a memory limit needs a container: use the docker launcher")
            return start(spec, **kwargs)
        return types.SimpleNamespace(name=name, start=start_native, start_upstream=start_upstream)
    if name == "docker":
        from harness.launch import docker
        return types.SimpleNamespace(name=name, start=docker.start, start_upstream=docker.start_upstream)
    raise ValueError(f"unknown launcher {name!r}; known: {', '.join(LAUNCHERS)}")
