"""The docker launcher: a catalog server in its family's container.

The same catalog entry as the native launcher, in the image images.py builds:
``start(spec, cpus=..., memory=...)`` runs it with the host network,
``--cpuset-cpus`` and ``--memory`` (swap off) from the run's placement, the
command being the catalog's argv with the image's paths; it waits for the READY
line in the container's logs (or for the health URL), tees the logs into a file,
and returns a ``DockerServer``: a RunningServer whose ``engine_usage()`` is the
engine's CPU and memory accounting and whose ``placement()`` is what the engine
applied and the runtime sees.

Containers are removed after ``stop()``, on failure to start, on Ctrl-C (the
context manager) and at interpreter exit; each carries the label
``org.concurrency-arena.launcher=docker`` and is only ever addressed by id.
A remote engine (DOCKER_HOST, see engine.py) is used the same way: the servers
then bind 0.0.0.0 and the URL names that host.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harness import catalog
from harness.launch import LaunchError
from harness.launch.engine import LABEL, client, engine_host, engine_port, public_url
from harness.launch.images import IMAGE_PATHS, IMAGE_WORKDIR, container_command, family_of, image_for
from harness.launch.ready import (
    LOG_TAIL_LINES, NotReady, OutputTee, ReadyHttp, ReadyLine, log_folder, log_tail, wait_ready)
from harness.specs import Placement, ServerSpec

# ---------------------------------------------------------------- running server

# Strong references: a server dropped without stop() must still be removed at exit.
_LIVE: "set[DockerServer]" = set()


@atexit.register
def _remove_leftovers() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=2.0)


@dataclass(eq=False)
class DockerServer:
    """A server in a container (a RunningServer), with the engine's view of it."""

    url: str
    pid: int | None                 # the container's main process, as the host sees it
    pgid: int | None
    log_path: Path
    ready_line: str | None
    argv: tuple[str, ...]
    container_id: str
    image: str
    cpus: str | None
    memory: str | None
    _engine: object = field(repr=False, default=None)
    _container: object = field(repr=False, default=None)
    _tee: OutputTee | None = field(repr=False, default=None)
    _stopped: bool = field(repr=False, default=False)
    _returncode: int | None = field(repr=False, default=None)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _peak_bytes: int = field(repr=False, default=0)
    launcher: str = "docker"

    # -- the RunningServer shape

    @property
    def local(self) -> bool:
        """A local engine's containers are processes of this machine, in /proc."""
        return engine_host() is None

    def pids(self) -> list[int]:
        """The container's processes as host pids (a local engine only; [] for a remote one)."""
        if self._stopped or not self.local:
            return []
        try:
            top = self._container.top(ps_args="-eo pid")
        except Exception:
            return []
        index = top.get("Titles", ["PID"]).index("PID")
        return sorted(int(row[index]) for row in top.get("Processes") or [])

    @property
    def returncode(self) -> int | None:
        """The server's exit code once it has exited (None while it runs)."""
        if self._stopped:
            return self._returncode
        try:
            self._container.reload()
            state = self._container.attrs.get("State", {})
            return None if state.get("Running") else state.get("ExitCode")
        except Exception:
            return None

    def alive(self) -> bool:
        if self._stopped:
            return False
        try:
            self._container.reload()
            return self._container.status == "running"
        except Exception:
            return False

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (the engine's stop), SIGKILL after ``timeout``, then remove the
        container, keeping its logs in ``log_path``. Idempotent."""
        with self._lock:
            if self._stopped:
                return self._returncode
            self._stopped = True
            _LIVE.discard(self)
            container = self._container
            with contextlib.suppress(Exception):
                container.stop(timeout=max(1, int(timeout)))
            with contextlib.suppress(Exception):
                self._returncode = container.wait(timeout=max(5, int(timeout)))["StatusCode"]
            if self._tee is not None:
                self._tee.join(timeout=2.0)
            remove(container)
            return self._returncode

    def __enter__(self) -> "DockerServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return log_tail(self.log_path, lines)

    # -- the engine's view

    def inspect(self) -> dict:
        """The engine's record of the container (HostConfig.CpusetCpus, Memory, ...)."""
        self._container.reload()
        return self._container.attrs

    def stats(self) -> dict:
        """One sample of the engine's stats for the container."""
        try:
            return self._container.stats(stream=False, one_shot=True)
        except TypeError:  # older SDKs without one_shot
            return self._container.stats(stream=False)

    def engine_usage(self) -> dict:
        """CPU and memory from the engine's stats: ``cpu_s`` (cumulative CPU of the
        container), ``mem_mib`` (usage less page cache, as `docker stats` shows),
        ``mem_peak_mib`` (the cgroup's peak where it keeps one, cgroup v1's
        max_usage, which counts page cache too; else the largest usage seen by
        this object), ``mem_limit_mib``. For RSS comparable with a native run use
        the /proc sampler on ``pids()`` (local engine)."""
        stats = self.stats()
        cpu_ns = stats.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage", 0)
        mem = stats.get("memory_stats", {})
        inner = mem.get("stats", {})
        cache = inner.get("total_inactive_file", inner.get("inactive_file", inner.get("cache", 0)))
        usage = max(0, mem.get("usage", 0) - cache)
        self._peak_bytes = max(self._peak_bytes, usage, mem.get("max_usage", 0))
        mib = 1024 * 1024
        return {"cpu_s": cpu_ns / 1e9, "mem_mib": usage / mib,
                "mem_peak_mib": self._peak_bytes / mib, "mem_limit_mib": mem.get("limit", 0) / mib}

    def _exec_json(self, argv: list[str]) -> dict:
        """Run ``argv`` in the container and parse its stdout as JSON ({} if it fails)."""
        try:
            code, out = self._container.exec_run(argv, stdout=True, stderr=False)
            return json.loads(out) if code == 0 else {}
        except Exception:
            return {}

    def placement(self) -> dict:
        """Effective parallelism inside the container, flat for a results row: the
        placement the engine applied, what the server reports (READY line and
        /_arena/info), and the runtime's own view read with ``docker exec``
        (Python's os.cpu_count / process_cpu_count / affinity, Node's
        availableParallelism; Go's GOMAXPROCS comes from /_arena/info)."""
        from harness.measure.parallelism import ready_fields, server_info

        attrs = self.inspect()
        host_config = attrs.get("HostConfig", {})
        out: dict = {"launcher": "docker", "cpuset_cpus": host_config.get("CpusetCpus") or None,
                     "nano_cpus": host_config.get("NanoCpus") or None,
                     "memory_limit_mib": (host_config.get("Memory") or 0) / 2**20 or None}
        try:
            top = self._container.top(ps_args="-eLo pid,lwp")
            rows = top.get("Processes") or []
            out["processes"] = len({row[0] for row in rows})
            out["os_threads"] = len(rows)
        except Exception:
            pass
        reported = {k: v for k, v in ready_fields(self.ready_line).items()
                    if k not in ("pid", "address")}
        reported.update({k: v for k, v in server_info(self.url).items() if k != "pid"})
        out.update({f"reported_{k}": v for k, v in sorted(reported.items())})
        runtime = self._container.labels.get("org.concurrency-arena.runtime", "")
        probe = {}
        if runtime == "python":
            probe = self._exec_json([IMAGE_PATHS["python"], "-c", (
                "import json, os; print(json.dumps({'cpu_count': os.cpu_count(), "
                "'process_cpu_count': getattr(os, 'process_cpu_count', lambda: None)(), "
                "'sched_getaffinity': len(os.sched_getaffinity(0))}))")])
        elif runtime == "node":
            probe = self._exec_json(["node", "-e", (
                "const os = require('os'); console.log(JSON.stringify({availableParallelism: "
                "os.availableParallelism(), cpus: os.cpus().length}))")])
        out.update({f"runtime_{k}": v for k, v in sorted(probe.items())})
        return out



def remove(container) -> None:
    """Remove a container of ours, whatever state it is in."""
    with contextlib.suppress(Exception):
        container.remove(force=True, v=True)



# ---------------------------------------------------------------- start


def _container_kwargs(argv: list[str], *, name: str, env: dict[str, str] | None, cpus: str | None,
                      memory: str | None, cpu_quota: float | None,
                      labels: dict[str, str] | None) -> dict:
    """What the engine is asked for: host network, placement, limits, our label."""
    kwargs = dict(command=argv, detach=True, network_mode="host", environment=env or {},
                  name=f"arena-{name}-{os.getpid()}-{random.randrange(16**6):06x}",
                  labels={LABEL: "docker", **(labels or {})}, working_dir=IMAGE_WORKDIR,
                  stop_signal="SIGTERM", init=True)
    # init: docker-init is PID 1 and forwards SIGTERM, so a server without its own
    # SIGTERM handler (waitress) stops as it does natively instead of being ignored
    # as PID 1 and SIGKILLed after the timeout.
    if cpus:
        kwargs["cpuset_cpus"] = cpus
    if memory:
        kwargs["mem_limit"] = memory
        kwargs["memswap_limit"] = memory  # no swap: the limit is the limit
    if cpu_quota:
        kwargs["nano_cpus"] = int(cpu_quota * 1e9)
    return kwargs


def _log_stream(container) -> Iterator[bytes]:
    """The container's combined output as it comes, read by the tee's thread."""
    yield from container.logs(stream=True, follow=True, stdout=True, stderr=True)


def _exited(container) -> str | None:
    """How the container ended ("the server exited with code 1 (OOM-killed)"), None while it runs."""
    container.reload()
    if container.status not in ("exited", "dead"):
        return None
    state = container.attrs.get("State", {})
    oom = " (OOM-killed)" if state.get("OOMKilled") else ""
    return f"the server exited with code {state.get('ExitCode')}{oom}"


def run_container(image: str, argv: list[str], *, name: str, ready_line: bool,
                  ready_url: str | None = None, health: str = "/hello",
                  env: dict[str, str] | None = None, cpus: str | None = None,
                  memory: str | None = None, cpu_quota: float | None = None,
                  log_path: Path, timeout: float = 60.0, engine=None,
                  labels: dict[str, str] | None = None) -> DockerServer:
    """Run ``argv`` in ``image`` with the host network and wait until it is ready.

    On any failure, timeout or Ctrl-C before it is ready, the container is
    removed and LaunchError is raised with the log's tail.
    """
    engine = engine or client()
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        container = engine.containers.create(image, **_container_kwargs(
            argv, name=name, env=env, cpus=cpus, memory=memory, cpu_quota=cpu_quota, labels=labels))
    except Exception as exc:
        raise LaunchError(f"could not create a container from {image}: {exc}") from None
    ready = ReadyLine() if ready_line else ReadyHttp(url=ready_url, path=health)
    server = None
    try:
        container.start()
        tee = OutputTee(_log_stream(container), open(log_path, "wb"), ready.pattern if ready_line else None,
                        name=f"docker-logs-{container.short_id}", close_log=True)
        tee.start()
        container.reload()
        server = DockerServer(
            url="", pid=container.attrs.get("State", {}).get("Pid") or None, pgid=None,
            log_path=log_path, ready_line=None, argv=tuple(argv), container_id=container.id,
            image=image, cpus=cpus, memory=memory, _engine=engine, _container=container,
            _tee=tee)
        _LIVE.add(server)
        try:
            url, server.ready_line = wait_ready(ready, tee, exited=lambda: _exited(container),
                                                timeout=timeout)
        except NotReady as why:
            tee.join(timeout=1.0)
            raise LaunchError(f"{why}: container {container.short_id} ({image}) {' '.join(argv)}",
                              log_path, log_tail(log_path)) from None
        server.url = public_url(url)
        return server
    except BaseException:
        if server is not None:
            server.stop(timeout=2.0)
        else:
            remove(container)
        raise


def start(spec: ServerSpec, *, host: str | None = None, cpus: str | None = None,
          memory: str | None = None, cpu_quota: float | None = None,
          log_dir: Path | None = None, upstream: str | None = None, timeout: float = 60.0,
          engine=None, build_log_dir: Path | None = None) -> DockerServer:
    """Start catalog entry ``spec`` in its family's container, pinned to ``cpus``
    (``--cpuset-cpus``) with ``memory`` (``--memory``, e.g. "512m"), sized for that
    many cores; wait until it serves. ``upstream`` (host:port) becomes ARENA_UPSTREAM."""
    if catalog.python_build(spec) == "free-threaded":
        raise LaunchError(f"{spec.name} runs on free-threaded CPython, which no image carries: "
                          "run it natively (make python-ft)")
    engine = engine or client()
    image = image_for(family_of(spec), engine=engine, log_dir=build_log_dir or log_dir)
    host = host or ("0.0.0.0" if engine_host() else "127.0.0.1")
    if cpus:
        cores = Placement.parse(cpus).count
    elif engine_host() is None:
        cores = len(os.sched_getaffinity(0))
    else:
        cores = int(engine.info().get("NCPU", 1))
    port = 0 if spec.ready == "line" else engine_port(host)
    argv, env = container_command(spec, host=host, port=port, cores=cores)
    if upstream:
        env["ARENA_UPSTREAM"] = upstream
    ready_url = None if spec.ready == "line" else \
        f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    if ready_url and engine_host():
        ready_url = public_url(ready_url)
    return run_container(
        image, argv, name=spec.name, ready_line=spec.ready == "line", ready_url=ready_url,
        health=spec.health, env=env, cpus=cpus, memory=memory, cpu_quota=cpu_quota,
        log_path=log_folder(log_dir, "arena-docker-") / f"{spec.name}.docker.log",
        timeout=timeout, engine=engine,
        labels={"org.concurrency-arena.server": spec.name,
                "org.concurrency-arena.runtime": spec.runtime})


def start_upstream(*, host: str | None = None, cpus: str | None = None,
                   log_dir: Path | None = None, engine=None, timeout: float = 60.0) -> DockerServer:
    """The delay service behind /upstream, in its container, on a port of its choosing."""
    engine = engine or client()
    image = image_for("upstream", engine=engine, log_dir=log_dir)
    host = host or ("0.0.0.0" if engine_host() else "127.0.0.1")
    return run_container(image, ["/app/bin/arena-upstream", "-addr", f"{host}:0"], name="upstream",
                         ready_line=True, cpus=cpus,
                         log_path=log_folder(log_dir, "arena-docker-") / "upstream.docker.log",
                         timeout=timeout, engine=engine,
                         labels={"org.concurrency-arena.server": "upstream",
                                 "org.concurrency-arena.runtime": "go"})


def unavailable() -> str | None:
    """Why no container can be started here (no SDK, no engine), or None."""
    try:
        client()
    except LaunchError as exc:
        return str(exc)
    return None


def leftovers(engine=None) -> list:
    """Containers this launcher started that still exist (any process)."""
    engine = engine or client()
    return engine.containers.list(all=True, filters={"label": f"{LABEL}=docker"})
