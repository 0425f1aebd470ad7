"""The native launcher: a server as a real process group on this machine.

The server runs in a new session (so its pid is its process group id), optionally
pinned to CPUs with ``taskset -c LIST`` (taskset execs the command, so the pid stays
the server's). Its stdout and stderr go through one pipe that a reader thread tees,
line by line, into a log file, watching for the READY line (harness/launch/ready.py).

If the process exits before it is ready, or the timeout passes, the whole group is
killed and ``LaunchError`` is raised with the tail of the log. Stopping signals only
the process group this module started: never pkill, never killall.

``launch(argv, ...)`` starts any command; ``start(spec, ...)`` and
``start_upstream()`` start catalog servers and the delay service behind /upstream
(the Launcher interface of harness/launch/__init__.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Mapping, Sequence

from harness import catalog
from harness.launch import LaunchError, RunningServer
from harness.launch.ready import (
    LOG_TAIL_LINES, NotReady, OutputTee, ReadyHttp, ReadyLine, free_port, log_folder, log_tail,
    wait_ready)
from harness.procfs import stat_fields
from harness.specs import Placement, ServerSpec

__all__ = ["LaunchError", "NativeServer", "ReadyHttp", "ReadyLine", "RunningServer", "launch", "process_tree",
           "start", "start_upstream", "unavailable"]

UPSTREAM_BIN = catalog.BIN / "arena-upstream"


# ---------------------------------------------------------------- /proc helpers


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of a process from /proc/<pid>/stat, or None if gone."""
    rest = stat_fields(pid)
    return None if rest is None else (rest[0], int(rest[1]), int(rest[2]))


def _all_procs() -> dict[int, tuple[str, int, int]]:
    out: dict[int, tuple[str, int, int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _proc_stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def process_tree(root: int, pgid: int | None = None) -> list[int]:
    """Live (non-zombie) descendants of ``root`` including itself, plus members of ``pgid``."""
    procs = _all_procs()
    children: dict[int, list[int]] = {}
    for pid, (_state, ppid, _pg) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    stack = [root] if root in procs else []
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.add(pid)
        stack.extend(children.get(pid, ()))
    if pgid is not None:
        found.update(pid for pid, (_s, _pp, pg) in procs.items() if pg == pgid)
    return sorted(pid for pid in found if procs.get(pid, ("Z",))[0] not in ("Z", "X"))


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is ``pgid``."""
    return sorted(
        pid for pid, (state, _pp, pg) in _all_procs().items() if pg == pgid and state not in ("Z", "X")
    )


# ---------------------------------------------------------------- running server


@dataclass(eq=False)
class NativeServer:
    """A server process group started by ``launch`` (a RunningServer)."""

    url: str
    pid: int
    pgid: int
    log_path: Path
    ready_line: str | None
    argv: tuple[str, ...] = ()
    _proc: subprocess.Popen | None = field(default=None, repr=False)
    _tee: OutputTee | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)
    _returncode: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def pids(self) -> list[int]:
        """The whole live process tree of the server (root, workers, their children), from /proc."""
        if self._proc is not None and self._proc.poll() is not None and not group_members(self.pgid):
            return []
        return process_tree(self.pid, self.pgid)

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else self._returncode

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, wait up to ``timeout`` for the whole group to exit,
        then SIGKILL the group. Idempotent. Returns the server's exit code (negative = signal)."""
        with self._lock:
            if self._stopped:
                return self._returncode
            self._stopped = True
            proc = self._proc
            deadline = time.monotonic() + timeout
            _signal_group(self.pgid, signal.SIGTERM)
            # Wait for the leader (reaping it) and for every other member of the group.
            while time.monotonic() < deadline:
                if proc is not None:
                    proc.poll()
                leader_done = proc is None or proc.returncode is not None
                if leader_done and not group_members(self.pgid):
                    break
                time.sleep(0.02)
            else:
                _signal_group(self.pgid, signal.SIGKILL)
            if proc is not None:
                try:
                    proc.wait(timeout=5.0)
                except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
                    pass
            # Members that ignored SIGTERM after the leader left: kill them too.
            if group_members(self.pgid):
                _signal_group(self.pgid, signal.SIGKILL)
                end = time.monotonic() + 5.0
                while group_members(self.pgid) and time.monotonic() < end:
                    time.sleep(0.02)
            self._returncode = proc.returncode if proc is not None else None
            if self._tee is not None:
                self._tee.join(timeout=2.0)
            if self._log is not None:
                try:
                    self._log.close()
                except OSError:
                    pass
            return self._returncode

    def __enter__(self) -> "NativeServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return log_tail(self.log_path, lines)

    # -- what only a container engine knows: nothing, natively

    local = True        # /proc sees every process of the server

    def engine_usage(self) -> None:
        return None

    def placement(self) -> dict:
        return {}


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- launch


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The pipe's lines until EOF; the pipe is closed afterwards."""
    try:
        yield from iter(stream.readline, b"")
    finally:
        stream.close()


def launch(
    argv: Sequence[str],
    *,
    ready: ReadyLine | ReadyHttp,
    log_path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    cpus: str | Sequence[int] | None = None,
    timeout: float = 30.0,
) -> NativeServer:
    """Start ``argv`` in a new session, wait until it is ready, return a RunningServer.

    ``env`` replaces the environment (default: this process's); PYTHONUNBUFFERED=1 is
    added unless set, so Python servers' READY lines are not stuck in a pipe buffer.
    ``cpus`` ("1", "0-1", or [0, 1]) pins the server with ``taskset -c``.
    """
    argv = [str(a) for a in argv]
    if not argv:
        raise ValueError("empty argv")
    if cpus is not None:
        cpu_list = cpus if isinstance(cpus, str) else ",".join(str(c) for c in cpus)
        argv = ["taskset", "-c", cpu_list, *argv]
    full_env = dict(os.environ if env is None else env)
    full_env.setdefault("PYTHONUNBUFFERED", "1")

    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=full_env, cwd=cwd,
                                start_new_session=True)
    except OSError as e:
        log.close()
        raise LaunchError(f"could not start {argv!r}: {e}", log_path, log_tail(log_path)) from e

    assert proc.stdout is not None
    tee = OutputTee(_lines(proc.stdout), log, ready.pattern if isinstance(ready, ReadyLine) else None)
    tee.start()
    server = NativeServer(url="", pid=proc.pid,
                           pgid=proc.pid,  # start_new_session: the child leads its session and group
                           log_path=log_path, ready_line=None, argv=tuple(argv),
                           _proc=proc, _tee=tee, _log=log)

    def exited() -> str | None:
        code = proc.poll()
        return None if code is None else f"server exited with code {code}"

    try:
        server.url, server.ready_line = wait_ready(ready, tee, exited=exited, timeout=timeout)
    except NotReady as why:
        server.stop(timeout=3.0)
        raise LaunchError(f"{why}: {' '.join(argv)}", log_path, log_tail(log_path)) from None
    except BaseException:
        server.stop(timeout=3.0)
        raise
    return server


# ---------------------------------------------------------------- catalog servers


def start(spec: ServerSpec, *, host: str = "127.0.0.1", cpus: str | None = None,
          log_dir: Path | None = None, upstream: str | None = None,
          timeout: float = 60.0, memory: str | None = None) -> NativeServer:
    """Start ``spec`` pinned to ``cpus``, sized for that many cores; wait until it serves.

    ``upstream`` (host:port) becomes ARENA_UPSTREAM for the /upstream workload.
    """
    if memory:
        raise LaunchError("a memory limit needs a container: use the docker launcher")
    cores = Placement.parse(cpus).count
    port = 0 if spec.ready == "line" else free_port(host)
    argv, extra_env = catalog.command(spec, host=host, port=port, cores=cores)
    env = {**os.environ, **extra_env}
    if upstream:
        env["ARENA_UPSTREAM"] = upstream
    ready = ReadyLine() if spec.ready == "line" else ReadyHttp(url=f"http://{host}:{port}",
                                                               path=spec.health)
    return launch(argv, ready=ready, log_path=log_folder(log_dir) / f"{spec.name}.log",
                  env=env, cwd=catalog.ROOT, cpus=cpus, timeout=timeout)


def start_upstream(*, host: str = "127.0.0.1", log_dir: Path | None = None,
                   cpus: str | None = None) -> NativeServer:
    """The delay service behind /upstream, on a port of its choosing."""
    if not UPSTREAM_BIN.exists():
        raise LaunchError(f"{UPSTREAM_BIN} is missing; build it with `make runtimes`")
    return launch([str(UPSTREAM_BIN), "-addr", f"{host}:0"], ready=ReadyLine(),
                  log_path=log_folder(log_dir) / "upstream.log", cpus=cpus, cwd=catalog.ROOT)


def unavailable() -> None:
    """Processes can always be started here."""
    return None

