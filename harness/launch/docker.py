"""Launch a catalog server as a container, through the docker SDK for Python.

The same catalog entry as the native launcher, in an image built from docker/:

- ``image_for(family)`` builds the family's image (python, go, node, upstream) or
  reuses it: the tag is ``arena/<family>:<hash>``, the hash covering every file of
  the build context (chosen by ``docker/<family>/Dockerfile.dockerignore``), the
  Dockerfile and the build arguments. Nothing is rebuilt when nothing changed.
- ``start(spec, cpus=..., memory=...)`` runs it with the host network,
  ``--cpuset-cpus`` and ``--memory`` (swap off) from the run's placement, the
  command being the catalog's argv with the image's paths; it waits for the
  READY line in the container's logs (or for the health URL), tees the logs into
  a file, and returns a ``DockerServer``: the native ``RunningServer``'s shape
  (url, pid, pgid, log_path, ready_line, pids(), stop(), context manager) plus
  the engine's view (``resources()``: CPU seconds and memory from its stats,
  ``parallelism()``, ``inspect()``).
- Containers are removed after ``stop()``, on failure to start, on Ctrl-C (the
  context manager) and at interpreter exit; each carries the label
  ``org.concurrency-arena.launcher=docker`` and is only ever addressed by id.

``DOCKER_HOST`` (``ssh://bench-host``, ``tcp://host:2376``) points everything at a
remote engine; the servers then bind 0.0.0.0 and the URL names that host (see
docs/docker.md, "Servers on one machine, load on another").

Base images: the Dockerfiles default to the public images. Where the local
stand-ins of ``make docker-base`` exist on the engine (``arena-base/...``), they
are passed as build arguments instead; ``ARENA_DOCKER_BASE=public|local`` forces
either.

Command line (``python -m harness.launch.docker``): ``build [--all|FAMILY...]``,
``command NAME``, ``up NAME``, ``compare NAME...``, ``compose``,
``cleanup``.
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harness import catalog
from harness.launch.native import DEFAULT_READY_PATTERN, LaunchError
from harness.specs import ServerSpec

ROOT = catalog.ROOT
DOCKER_DIR = ROOT / "docker"
LABEL = "org.concurrency-arena.launcher"
LOG_TAIL_LINES = 40

# Paths inside the images, for the catalog's placeholders.
IMAGE_PATHS = {"python": "/opt/venv/bin/python", "venv_bin": "/opt/venv/bin", "bin": "/app/bin"}
IMAGE_WORKDIR = "/app"


@dataclass(frozen=True)
class Family:
    """One image: its Dockerfile and the build arguments naming its base images."""

    name: str
    dockerfile: str                              # relative to the repo root (the build context)
    local_bases: tuple[tuple[str, str], ...]     # build arg -> local stand-in (make docker-base)


FAMILIES: dict[str, Family] = {
    "python": Family("python", "docker/python/Dockerfile",
                     (("PYTHON_IMAGE", "arena-base/python:3.11"),)),
    "go": Family("go", "docker/go/Dockerfile",
                 (("GO_IMAGE", "arena-base/golang:1.26.8"),
                  ("RUNTIME_IMAGE", "arena-base/debian:bookworm"))),
    "node": Family("node", "docker/node/Dockerfile",
                   (("NODE_IMAGE", "arena-base/node:20.20.2"),)),
    "upstream": Family("upstream", "docker/upstream/Dockerfile",
                       (("GO_IMAGE", "arena-base/golang:1.26.8"),
                        ("RUNTIME_IMAGE", "arena-base/debian:bookworm"))),
}


class BuildError(LaunchError):
    """An image did not build; the message ends with the build log's tail."""


# ---------------------------------------------------------------- engine


def client(timeout: int = 600):
    """A docker SDK client from the environment (DOCKER_HOST, DOCKER_TLS_VERIFY, ...).

    Raises LaunchError saying how to get an engine when none answers.
    """
    try:
        import docker
    except ImportError:
        raise LaunchError("the docker launcher needs the docker SDK for Python: "
                          "pip install -e '.[docker]' (or pip install docker)") from None
    try:
        # ssh:// goes through the system's ssh (its config, keys and agent), as the
        # docker CLI does, instead of needing paramiko.
        ssh = os.environ.get("DOCKER_HOST", "").startswith("ssh://")
        engine = docker.from_env(timeout=timeout, use_ssh_client=ssh)
        engine.ping()
    except Exception as exc:  # docker.errors.DockerException and connection errors
        if os.environ.get("DOCKER_HOST"):
            hint = "is that engine up and reachable (docker version answers)?"
            where = os.environ["DOCKER_HOST"]
        else:
            hint = "start one with `sudo make docker-engine`, or set DOCKER_HOST=ssh://host"
            where = "the local socket (/var/run/docker.sock)"
        raise LaunchError(f"no Docker engine answers at {where}: {exc}; {hint}") from None
    return engine


def engine_host() -> str | None:
    """The host name of a remote engine from DOCKER_HOST, or None for a local one."""
    value = os.environ.get("DOCKER_HOST", "")
    if not value or value.startswith(("unix://", "npipe://")):
        return None
    host = urllib.parse.urlsplit(value).hostname
    if host in (None, "localhost", "127.0.0.1", "::1"):
        return None
    return host


# ---------------------------------------------------------------- images


def _ignore_patterns(family: Family) -> list[str]:
    path = ROOT / (family.dockerfile + ".dockerignore")
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def context_files(family: Family) -> list[str]:
    """The build context's files, relative to the repo root, as the CLI would send them."""
    from docker.utils.build import exclude_paths

    paths = exclude_paths(str(ROOT), _ignore_patterns(family), dockerfile=family.dockerfile)
    files = sorted(p for p in paths if (ROOT / p).is_file())
    return sorted(set(files) | {family.dockerfile})


def base_args(family: Family, engine=None) -> dict[str, str]:
    """Build arguments for the base images: {} (the Dockerfile's public defaults) or
    the local stand-ins, by ARENA_DOCKER_BASE or by what the engine has."""
    choice = os.environ.get("ARENA_DOCKER_BASE", "auto")
    if choice not in ("auto", "local", "public"):
        raise LaunchError(f"ARENA_DOCKER_BASE={choice!r}: use auto, local or public")
    if choice == "public":
        return {}
    local = dict(family.local_bases)
    if choice == "local":
        return local
    engine = engine or client()
    have = all(_image_exists(engine, ref) for ref in local.values())
    return local if have else {}


def _image_exists(engine, ref: str) -> bool:
    import docker

    try:
        engine.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def context_hash(family: Family, buildargs: dict[str, str]) -> str:
    """sha256 over the context's paths, exec bits and contents, and the build args."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(buildargs.items())).encode())
    for rel in context_files(family):
        path = ROOT / rel
        digest.update(f"\0{rel}\0{os.stat(path).st_mode & 0o111:o}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _context_tar(family: Family) -> io.BytesIO:
    """The build context as a deterministic tar (fixed owner and mtime)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for rel in context_files(family):
            data = (ROOT / rel).read_bytes()
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            info.mode = 0o755 if os.stat(ROOT / rel).st_mode & 0o111 else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def image_tag(family_name: str, engine=None) -> tuple[str, dict[str, str]]:
    """``arena/<family>:<hash>``: the context, the build args and, for base images
    the engine has, their image ids (a rebuilt base gives a new tag)."""
    family = FAMILIES[family_name]
    engine = engine or client()
    args = base_args(family, engine)
    ids = {name: _image_id(engine, ref) for name, ref in args.items()}
    return f"arena/{family.name}:{context_hash(family, {**args, **{k + '@id': v for k, v in ids.items() if v}})[:16]}", args


def _image_id(engine, ref: str) -> str | None:
    import docker

    try:
        return engine.images.get(ref).id
    except docker.errors.ImageNotFound:
        return None


def image_for(family_name: str, *, engine=None, log_dir: Path | None = None,
              quiet: bool = True) -> str:
    """The family's image tag, built now unless the engine already has it."""
    engine = engine or client()
    tag, args = image_tag(family_name, engine)
    if _image_exists(engine, tag):
        return tag
    family = FAMILIES[family_name]
    log_path = _log_dir(log_dir) / f"build-{family.name}.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        log.write(f"# {family.dockerfile} -> {tag}, build args {args or '(public defaults)'}\n")
        error = None
        try:
            for chunk in engine.api.build(
                    fileobj=_context_tar(family), custom_context=True,
                    dockerfile=family.dockerfile, tag=tag, buildargs=args,
                    network_mode="host", rm=True, forcerm=True, decode=True,
                    labels={LABEL: "docker", "org.concurrency-arena.family": family.name}):
                if "stream" in chunk:
                    log.write(chunk["stream"])
                    if not quiet:
                        sys.stderr.write(chunk["stream"])
                if "error" in chunk:
                    error = chunk["error"]
                    log.write(f"ERROR: {error}\n")
        except Exception as exc:  # an engine error mid-build
            error = f"{type(exc).__name__}: {exc}"
            log.write(f"ERROR: {error}\n")
    if error or not _image_exists(engine, tag):
        raise BuildError(f"image {tag} ({family.dockerfile}) did not build: {error}",
                         log_path, _log_tail(log_path))
    with open(log_path, "a") as log:
        log.write(f"# built in {time.monotonic() - started:.1f} s\n")
    return tag


def family_of(spec: ServerSpec) -> str:
    return spec.runtime  # python, go, node: one image per runtime


# ---------------------------------------------------------------- commands


def container_command(spec: ServerSpec, *, host: str, port: int,
                      cores: int) -> tuple[list[str], dict[str, str]]:
    """The catalog's argv and env for ``spec`` with the image's paths for
    {python}, {venv_bin} and {bin} (what ``catalog.command`` does natively)."""
    sized = catalog.sizing(spec, cores)
    values = {**IMAGE_PATHS, "host": host, "port": str(port), "workers": str(sized.workers),
              "threads": str(sized.threads), "app": catalog.APPS.get(spec.app or "", "")}
    argv = [arg.format(**values) for arg in spec.argv]
    env = {key: value.format(**values) for key, value in spec.env}
    return argv, env


def compose_file(cores: int = 2) -> str:
    """docker/compose.yaml, generated from the catalog: one service per catalog
    name plus ``upstream``, host network, commands sized for ``cores``."""
    public = {"python": {"PYTHON_IMAGE": "python:3.11-slim"},
              "go": {"GO_IMAGE": "golang:1.26", "RUNTIME_IMAGE": "gcr.io/distroless/static-debian12"},
              "node": {"NODE_IMAGE": "node:20-slim"}}
    public["upstream"] = public["go"]
    out = [
        f"# Generated from servers/catalog.toml by `python -m harness.launch.docker compose --cores {cores}`;",
        "# do not edit (tests/docker checks it matches). Every service uses the host network.",
        "#",
        "#   docker compose -f docker/compose.yaml up NAME        # e.g. go, node-cluster, pyserver-async",
        "#",
        "# NAME listens on ${ARENA_HOST:-127.0.0.1}:${ARENA_PORT:-8000}, sized for "
        f"{cores} core(s) and pinned to",
        "# ${ARENA_CPUS:-0-%d}; services whose catalog entry has /upstream start the delay" % (cores - 1),
        "# service on ${ARENA_UPSTREAM_PORT:-8081}. Host network: one server per port, so bring",
        "# up one at a time (or `ARENA_PORT=8001 docker compose ... up -d OTHER`).",
        "# Base images are build args (PYTHON_IMAGE,",
        "# GO_IMAGE, RUNTIME_IMAGE, NODE_IMAGE) defaulting to the public images; on a machine",
        "# without a registry export the local ones from `make docker-base` first.",
    ]
    for fam, args in public.items():
        family = FAMILIES[fam]
        arglist = ", ".join(f'{k}: "${{{k}:-{v}}}"' for k, v in args.items())
        out += [f"x-{fam}: &{fam}",
                f"  build: {{context: .., dockerfile: {family.dockerfile}, network: host, args: {{{arglist}}}}}",
                f"  image: arena/{fam}:compose",
                "  network_mode: host",
                "  init: true",
                '  cpuset: "${ARENA_CPUS:-0-%d}"' % (cores - 1)]
    out += ["services:",
            "  upstream:",
            "    <<: *upstream",
            '    command: ["/app/bin/arena-upstream", "-addr", "${ARENA_HOST:-127.0.0.1}:${ARENA_UPSTREAM_PORT:-8081}"]']
    for name, spec in catalog.load().items():
        if catalog.python_build(spec) == "free-threaded":
            continue    # the image has the standard build only; -ft entries run natively
        argv, env = container_command(spec, host="${ARENA_HOST:-127.0.0.1}",
                                      port="${ARENA_PORT:-8000}", cores=cores)
        if "upstream" in spec.workloads:
            env["ARENA_UPSTREAM"] = "127.0.0.1:${ARENA_UPSTREAM_PORT:-8081}"
        out += [f"  {name}:", f"    <<: *{family_of(spec)}",
                f"    command: {json.dumps(argv)}"]
        if env:
            out.append(f"    environment: {json.dumps(env, sort_keys=True)}")
        if "upstream" in spec.workloads:
            out.append("    depends_on: [upstream]")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- logs


def _log_dir(log_dir: Path | None) -> Path:
    path = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="arena-docker-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_bytes()[-64 * 1024:].decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class _LogFollower(threading.Thread):
    """Follows a container's combined output into a file and watches for READY."""

    def __init__(self, container, log_path: Path, pattern: re.Pattern[str] | None):
        super().__init__(name=f"docker-logs-{container.short_id}", daemon=True)
        self._container = container
        self._log_path = log_path
        self._pattern = pattern
        self.match: re.Match[str] | None = None
        self.ready_line: str | None = None
        self.changed = threading.Event()
        self.eof = False

    def run(self) -> None:
        pending = b""
        try:
            with open(self._log_path, "ab") as log:
                for chunk in self._container.logs(stream=True, follow=True, stdout=True,
                                                  stderr=True):
                    log.write(chunk)
                    log.flush()
                    if self._pattern is None or self.match is not None:
                        continue
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for raw in lines:
                        line = raw.decode("utf-8", "replace").rstrip("\r")
                        found = self._pattern.search(line)
                        if found:
                            self.match, self.ready_line = found, line
                            self.changed.set()
                            break
        except Exception:  # the container went away under us
            pass
        finally:
            self.eof = True
            self.changed.set()


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
    """A server in a container: the native RunningServer's shape plus the engine's view."""

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
    _follower: _LogFollower | None = field(repr=False, default=None)
    _stopped: bool = field(repr=False, default=False)
    _returncode: int | None = field(repr=False, default=None)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _peak_bytes: int = field(repr=False, default=0)
    launcher: str = "docker"

    # -- the RunningServer shape

    def pids(self) -> list[int]:
        """The container's processes as host pids (a local engine only; [] for a remote one)."""
        if self._stopped or engine_host() is not None:
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
            if self._follower is not None:
                self._follower.join(timeout=2.0)
            _remove(container)
            return self._returncode

    def __enter__(self) -> "DockerServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _log_tail(self.log_path, lines)

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

    def resources(self) -> dict:
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

    def cpu_seconds(self) -> float:
        return self.resources()["cpu_s"]

    def exec_json(self, argv: list[str]) -> dict:
        """Run ``argv`` in the container and parse its stdout as JSON ({} if it fails)."""
        try:
            code, out = self._container.exec_run(argv, stdout=True, stderr=False)
            return json.loads(out) if code == 0 else {}
        except Exception:
            return {}

    def parallelism(self) -> dict:
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
            probe = self.exec_json([IMAGE_PATHS["python"], "-c", (
                "import json, os; print(json.dumps({'cpu_count': os.cpu_count(), "
                "'process_cpu_count': getattr(os, 'process_cpu_count', lambda: None)(), "
                "'sched_getaffinity': len(os.sched_getaffinity(0))}))")])
        elif runtime == "node":
            probe = self.exec_json(["node", "-e", (
                "const os = require('os'); console.log(JSON.stringify({availableParallelism: "
                "os.availableParallelism(), cpus: os.cpus().length}))")])
        out.update({f"runtime_{k}": v for k, v in sorted(probe.items())})
        return out


def _remove(container) -> None:
    with contextlib.suppress(Exception):
        container.remove(force=True, v=True)


# ---------------------------------------------------------------- start


def _free_port(host: str) -> int:
    if engine_host() is not None:
        return random.randint(20000, 29999)  # cannot probe a remote host; collisions fail loudly
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host if host != "0.0.0.0" else "127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_answers(url: str, path: str, timeout: float) -> bool:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _public_url(url: str) -> str:
    """A server's own address as the load side reaches it (the remote engine's host)."""
    remote = engine_host()
    override = os.environ.get("ARENA_DOCKER_URL_HOST") or remote
    parts = urllib.parse.urlsplit(url.rstrip("/"))
    if override and parts.hostname in ("0.0.0.0", "127.0.0.1", "::", "localhost"):
        return f"{parts.scheme}://{override}:{parts.port}"
    if parts.hostname == "0.0.0.0":
        return f"{parts.scheme}://127.0.0.1:{parts.port}"
    return url.rstrip("/")


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
    log_path.write_bytes(b"")
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
    try:
        container = engine.containers.create(image, **kwargs)
    except Exception as exc:
        raise LaunchError(f"could not create a container from {image}: {exc}") from None
    pattern = re.compile(DEFAULT_READY_PATTERN) if ready_line else None
    server = None
    try:
        container.start()
        follower = _LogFollower(container, log_path, pattern)
        follower.start()
        container.reload()
        server = DockerServer(
            url="", pid=container.attrs.get("State", {}).get("Pid") or None, pgid=None,
            log_path=log_path, ready_line=None, argv=tuple(argv), container_id=container.id,
            image=image, cpus=cpus, memory=memory, _engine=engine, _container=container,
            _follower=follower)
        _LIVE.add(server)
        deadline = time.monotonic() + timeout

        def fail(why: str) -> LaunchError:
            follower.join(timeout=1.0)
            return LaunchError(f"{why}: container {container.short_id} ({image}) "
                               f"{' '.join(argv)}", log_path, _log_tail(log_path))

        while True:
            if pattern is not None and follower.match is not None:
                server.url = _public_url(follower.match.group("url"))
                server.ready_line = follower.ready_line
                return server
            if pattern is None and _http_answers(ready_url, health, timeout=1.0):
                server.url = _public_url(ready_url)
                return server
            container.reload()
            if container.status in ("exited", "dead"):
                follower.join(timeout=2.0)
                if pattern is not None and follower.match is not None:
                    continue
                code = container.attrs.get("State", {}).get("ExitCode")
                oom = container.attrs.get("State", {}).get("OOMKilled")
                raise fail(f"the server exited with code {code}{' (OOM-killed)' if oom else ''} "
                           "before it was ready")
            if time.monotonic() > deadline:
                raise fail(f"not ready within {timeout:g} s")
            if pattern is not None:
                follower.changed.wait(0.1)
                if not follower.eof:
                    follower.changed.clear()
            else:
                time.sleep(0.05)
    except BaseException:
        if server is not None:
            server.stop(timeout=2.0)
        else:
            _remove(container)
        raise


def start(spec: ServerSpec, *, host: str | None = None, cpus: str | None = None,
          memory: str | None = None, cpu_quota: float | None = None,
          log_dir: Path | None = None, upstream: str | None = None, timeout: float = 60.0,
          engine=None, build_log_dir: Path | None = None) -> DockerServer:
    """Start catalog entry ``spec`` in its family's container, pinned to ``cpus``
    (``--cpuset-cpus``) with ``memory`` (``--memory``, e.g. "512m"), sized for that
    many cores; wait until it serves. ``upstream`` (host:port) becomes ARENA_UPSTREAM."""
    engine = engine or client()
    image = image_for(family_of(spec), engine=engine, log_dir=build_log_dir or log_dir)
    host = host or ("0.0.0.0" if engine_host() else "127.0.0.1")
    if cpus:
        cores = catalog.cpu_count(cpus)
    elif engine_host() is None:
        cores = len(os.sched_getaffinity(0))
    else:
        cores = int(engine.info().get("NCPU", 1))
    port = 0 if spec.ready == "line" else _free_port(host)
    argv, env = container_command(spec, host=host, port=port, cores=cores)
    if upstream:
        env["ARENA_UPSTREAM"] = upstream
    ready_url = None if spec.ready == "line" else \
        f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    if ready_url and engine_host():
        ready_url = _public_url(ready_url)
    return run_container(
        image, argv, name=spec.name, ready_line=spec.ready == "line", ready_url=ready_url,
        health=spec.health, env=env, cpus=cpus, memory=memory, cpu_quota=cpu_quota,
        log_path=_log_dir(log_dir) / f"{spec.name}.docker.log", timeout=timeout, engine=engine,
        labels={"org.concurrency-arena.server": spec.name,
                "org.concurrency-arena.runtime": spec.runtime})


def start_upstream(*, host: str | None = None, cpus: str | None = None,
                   log_dir: Path | None = None, engine=None, timeout: float = 60.0) -> DockerServer:
    """The delay service behind /upstream, in its container, on a port of its choosing."""
    engine = engine or client()
    image = image_for("upstream", engine=engine, log_dir=log_dir)
    host = host or ("0.0.0.0" if engine_host() else "127.0.0.1")
    return run_container(image, ["/app/bin/arena-upstream", "-addr", f"{host}:0"], name="upstream",
                         ready_line=True, cpus=cpus, log_path=_log_dir(log_dir) / "upstream.docker.log",
                         timeout=timeout, engine=engine,
                         labels={"org.concurrency-arena.server": "upstream",
                                 "org.concurrency-arena.runtime": "go"})


@contextlib.contextmanager
def running(spec: ServerSpec, *, with_upstream: bool = True, **kwargs) -> Iterator[DockerServer]:
    """``start`` as a context manager, with the upstream container when it is wanted.
    The upstream shares the engine (host network), so the server reaches it on its
    own loopback."""
    engine = kwargs.pop("engine", None) or client()
    with contextlib.ExitStack() as stack:
        upstream = None
        if with_upstream and "upstream" in spec.workloads:
            up = stack.enter_context(start_upstream(log_dir=kwargs.get("log_dir"), engine=engine))
            parts = urllib.parse.urlsplit(up.url)
            upstream = f"127.0.0.1:{parts.port}"
        yield stack.enter_context(start(spec, upstream=upstream, engine=engine, **kwargs))


def leftovers(engine=None) -> list:
    """Containers this launcher started that still exist (any process)."""
    engine = engine or client()
    return engine.containers.list(all=True, filters={"label": f"{LABEL}=docker"})


# ---------------------------------------------------------------- native vs docker


def _proc_cpu_s(pids: list[int]) -> float:
    """utime + stime of these processes from /proc, in seconds (host view)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().decode("utf-8", "replace").rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def _cpu_busy_s() -> float:
    """Busy time of all CPUs from /proc/stat (everything but idle and iowait), seconds."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def compare(names: list[str], *, path: str = "/hello", connections: int = 32,
            duration_s: int = 5, repeats: int = 3, server_cpus: str = "1",
            load_cpus: str = "0", memory: str = "512m", log_dir: Path | None = None) -> list[dict]:
    """The same point natively and in Docker, interleaved (native, docker, native,
    ...) so drift hits both alike: wrk pinned to ``load_cpus``, the server to
    ``server_cpus`` either way. One dict per measurement."""
    from harness import servers
    from harness.drivers.wrk import run_wrk

    engine = client()
    log_dir = _log_dir(log_dir)
    rows = []
    for repeat in range(1, repeats + 1):
        for name in names:
            spec = catalog.get(name)
            for launcher in ("native", "docker"):
                if launcher == "native":
                    ctx = servers.running(spec, cpus=server_cpus, log_dir=log_dir)
                else:
                    ctx = running(spec, cpus=server_cpus, memory=memory, log_dir=log_dir,
                                  engine=engine)
                with ctx as server:
                    # a short warm-up, then the measured run
                    run_wrk(server.url + path, connections=connections, duration_s=1,
                            cpus=load_cpus, work_dir=log_dir / "wrk")
                    pids = server.pids()
                    cpu0, busy0 = _proc_cpu_s(pids), _cpu_busy_s()
                    result = run_wrk(server.url + path, connections=connections,
                                     duration_s=duration_s, cpus=load_cpus,
                                     work_dir=log_dir / "wrk")
                    cpu, busy = _proc_cpu_s(server.pids()) - cpu0, _cpu_busy_s() - busy0
                wall = (result.duration_us or 1) / 1e6
                foreign = max(0.0, busy - cpu - (result.wrk_cpu_s or 0)) / (os.cpu_count() * wall)
                rows.append({
                    "server": name, "launcher": launcher, "repeat": repeat,
                    "rps": result.rps, "errors": result.errors.total,
                    "p50_ms": (result.latency.p50_us or 0) / 1000,
                    "p99_ms": (result.latency.p99_us or 0) / 1000,
                    "server_cpu_s": cpu,
                    "cpu_us_per_req": cpu / result.requests * 1e6 if result.requests else None,
                    "wrk_cpu_share": result.wrk_cpu_share, "foreign_cpu_share": foreign})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def compare_table(rows: list[dict]) -> str:
    """Medians per server and launcher, and Docker against native as the median
    of the per-repeat ratios (each repeat runs both back to back), with their range."""
    from statistics import median

    out = ["| server | launcher | runs | rps (median) | p50 ms | p99 ms | server CPU µs/req "
           "| other CPU (median) | docker/native rps: median ratio [min, max] |",
           "|---|---|---|---|---|---|---|---|---|"]
    by: dict = {}
    for row in rows:
        by.setdefault((row["server"], row["launcher"]), []).append(row)
    for (name, launcher), group in by.items():
        ratio = ""
        if launcher == "docker" and (name, "native") in by:
            native = {r["repeat"]: r["rps"] for r in by[(name, "native")]}
            ratios = [r["rps"] / native[r["repeat"]] for r in group if native.get(r["repeat"])]
            if ratios:
                ratio = (f"{(median(ratios) - 1) * 100:+.1f} % "
                         f"[{(min(ratios) - 1) * 100:+.0f} %, {(max(ratios) - 1) * 100:+.0f} %]")
        out.append(
            f"| {name} | {launcher} | {len(group)} | {median(r['rps'] for r in group):,.0f} | "
            f"{median(r['p50_ms'] for r in group):.2f} | {median(r['p99_ms'] for r in group):.2f} | "
            f"{median(r['cpu_us_per_req'] or 0 for r in group):.1f} | "
            f"{median(r['foreign_cpu_share'] for r in group) * 100:.0f} % | {ratio} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.launch.docker",
                                     description="Images and containers for catalog servers.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    build = sub.add_parser("build", help="build (or reuse) images by family")
    build.add_argument("families", nargs="*", help=f"any of {', '.join(FAMILIES)}")
    build.add_argument("--all", action="store_true", help="every family")
    build.add_argument("-v", "--verbose", action="store_true", help="show the build output")
    command = sub.add_parser("command", help="the image and command for a catalog entry")
    command.add_argument("name")
    command.add_argument("--cores", type=int, default=1)
    up = sub.add_parser("up", help="run a catalog entry until Ctrl-C")
    up.add_argument("name")
    up.add_argument("--cpus", help="cpuset, e.g. 0 or 0-1")
    up.add_argument("--memory", help="memory limit, e.g. 512m")
    sub.add_parser("cleanup", help="remove containers this launcher left behind")
    cmp_ = sub.add_parser("compare", help="one point natively and in Docker, interleaved (needs wrk)")
    cmp_.add_argument("names", nargs="+")
    cmp_.add_argument("--path", default="/hello")
    cmp_.add_argument("--connections", type=int, default=32)
    cmp_.add_argument("--duration", type=int, default=5)
    cmp_.add_argument("--repeats", type=int, default=3)
    cmp_.add_argument("--server-cpus", default="1")
    cmp_.add_argument("--load-cpus", default="0")
    compose = sub.add_parser("compose", help="print docker/compose.yaml, generated from the catalog")
    compose.add_argument("--cores", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            names = list(FAMILIES) if args.all or not args.families else args.families
            unknown = set(names) - set(FAMILIES)
            if unknown:
                parser.error(f"unknown family {', '.join(sorted(unknown))}; known: {', '.join(FAMILIES)}")
            engine = client()
            for name in names:
                started = time.monotonic()
                tag = image_for(name, engine=engine, quiet=not args.verbose,
                                log_dir=Path(tempfile.gettempdir()) / "arena-docker-builds")
                print(f"{name:9} {tag}  ({time.monotonic() - started:.1f} s)")
        elif args.cmd == "command":
            spec = catalog.get(args.name)
            tag, _ = image_tag(family_of(spec))
            argv_, env = container_command(spec, host="127.0.0.1", port=8000, cores=args.cores)
            print(json.dumps({"image": tag, "command": argv_, "env": env}, indent=2))
        elif args.cmd == "up":
            # SIGTERM (kill, a CI timeout) unwinds like Ctrl-C, so the containers go too
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            spec = catalog.get(args.name)
            with running(spec, cpus=args.cpus, memory=args.memory) as server:
                print(f"{spec.name} at {server.url} (container {server.container_id[:12]}); "
                      "Ctrl-C stops and removes it", flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    while server.alive():
                        time.sleep(0.5)
        elif args.cmd == "compare":
            rows = compare(args.names, path=args.path, connections=args.connections,
                           duration_s=args.duration, repeats=args.repeats,
                           server_cpus=args.server_cpus, load_cpus=args.load_cpus)
            sys.stdout.write(compare_table(rows))
        elif args.cmd == "compose":
            sys.stdout.write(compose_file(args.cores))
        elif args.cmd == "cleanup":
            for container in leftovers():
                print(f"removing {container.short_id} {container.name}")
                _remove(container)
    except LaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
