"""Launch a server as a real process in its own process group.

The server runs in a new session (so its pid is its process group id), optionally
pinned to CPUs with ``taskset -c LIST`` (taskset execs the command, so the pid stays
the server's). Its stdout and stderr go through one pipe that a reader thread tees,
line by line, into a log file; the same thread watches for the READY line.

Readiness is event driven with a bounded timeout, never a fixed sleep:

- ``ReadyLine``: a regex matched against each stdout line; a named group ``url``
  gives the server's address (pyserver prints ``READY ... address=http://h:p``);
- ``ReadyHttp``: poll ``GET url+path`` with a short backoff until anything answers
  (for servers without a READY line, e.g. gunicorn).

If the process exits before it is ready, or the timeout passes, the whole group is
killed and ``LaunchError`` is raised with the tail of the log. Stopping signals only
the process group this module started: never pkill, never killall.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Sequence

DEFAULT_READY_PATTERN = r"^READY .*address=(?P<url>http://\S+)"
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class ReadyLine:
    """Ready when a stdout line matches ``pattern`` (``re.search``); group ``url`` is the address."""

    pattern: str = DEFAULT_READY_PATTERN


@dataclass(frozen=True)
class ReadyHttp:
    """Ready when ``GET url+path`` gets any HTTP response."""

    url: str
    path: str = "/hello"


class LaunchError(RuntimeError):
    """The server did not become ready. The message says why and ends with the log tail."""

    def __init__(self, message: str, log_path: Path | None = None, log_tail: str = ""):
        self.log_path = log_path
        self.log_tail = log_tail
        text = message
        if log_path is not None:
            text += f"\n--- last lines of {log_path} ---\n{log_tail or '(log is empty)'}"
        super().__init__(text)


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text = data[-64 * 1024 :].decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------- /proc helpers


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of a process from /proc/<pid>/stat, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or ')'.
    rest = data[data.rindex(")") + 2 :].split()
    return rest[0], int(rest[1]), int(rest[2])


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


# ---------------------------------------------------------------- output reader


class _OutputTee(threading.Thread):
    """Reads the server's combined stdout/stderr line by line, writes it to the log,
    and records the first line matching the ready pattern."""

    def __init__(self, stream: IO[bytes], log: IO[bytes], pattern: re.Pattern[str] | None):
        super().__init__(name="launch-output-tee", daemon=True)
        self._stream = stream
        self._log = log
        self._pattern = pattern
        self.match: re.Match[str] | None = None
        self.ready_line: str | None = None
        self.changed = threading.Event()  # set on a match and at EOF
        self.eof = False

    def run(self) -> None:
        try:
            for raw in iter(self._stream.readline, b""):
                try:
                    self._log.write(raw)
                    self._log.flush()
                except (OSError, ValueError):
                    pass
                if self._pattern is not None and self.match is None:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    m = self._pattern.search(line)
                    if m is not None:
                        self.match, self.ready_line = m, line
                        self.changed.set()
        except (OSError, ValueError):
            pass
        finally:
            self.eof = True
            self.changed.set()
            try:
                self._stream.close()
            except OSError:
                pass


# ---------------------------------------------------------------- running server


@dataclass(eq=False)
class RunningServer:
    url: str
    pid: int
    pgid: int
    log_path: Path
    ready_line: str | None
    argv: tuple[str, ...] = ()
    _proc: subprocess.Popen | None = field(default=None, repr=False)
    _tee: _OutputTee | None = field(default=None, repr=False)
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

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _log_tail(self.log_path, lines)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- launch


def _http_answers(url: str, path: str, timeout: float) -> bool:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    base = parts.path.rstrip("/")
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", base + path, headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def launch(
    argv: Sequence[str],
    *,
    ready: ReadyLine | ReadyHttp,
    log_path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    cpus: str | Sequence[int] | None = None,
    timeout: float = 30.0,
) -> RunningServer:
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
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as e:
        log.close()
        raise LaunchError(f"could not start {argv!r}: {e}", log_path, _log_tail(log_path)) from e

    pattern = re.compile(ready.pattern) if isinstance(ready, ReadyLine) else None
    assert proc.stdout is not None
    tee = _OutputTee(proc.stdout, log, pattern)
    tee.start()
    server = RunningServer(
        url=ready.url if isinstance(ready, ReadyHttp) else "",
        pid=proc.pid,
        pgid=proc.pid,  # start_new_session: the child is its session and group leader
        log_path=log_path,
        ready_line=None,
        argv=tuple(argv),
        _proc=proc,
        _tee=tee,
        _log=log,
    )

    def fail(why: str) -> LaunchError:
        server.stop(timeout=3.0)
        return LaunchError(f"{why}: {' '.join(argv)}", log_path, _log_tail(log_path))

    deadline = time.monotonic() + timeout
    if isinstance(ready, ReadyLine):
        while True:
            if tee.match is not None:
                groups = tee.match.groupdict()
                server.url = (groups.get("url") or "").rstrip("/")
                server.ready_line = tee.ready_line
                return server
            if proc.poll() is not None:
                tee.join(timeout=1.0)  # let the last lines reach the log (and maybe the match)
                if tee.match is not None:
                    continue
                raise fail(f"server exited with code {proc.returncode} before its ready line")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise fail(f"no line matching {ready.pattern!r} within {timeout:g} s")
            if tee.eof:
                # Output closed without a ready line; wait on the process instead.
                try:
                    proc.wait(timeout=min(remaining, 0.05))
                except subprocess.TimeoutExpired:
                    pass
            else:
                tee.changed.wait(min(remaining, 0.05))
    else:
        delay = 0.005
        while True:
            if proc.poll() is not None:
                tee.join(timeout=1.0)
                raise fail(f"server exited with code {proc.returncode} before answering {ready.url}{ready.path}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise fail(f"no HTTP answer from {ready.url}{ready.path} within {timeout:g} s")
            if _http_answers(ready.url, ready.path, timeout=min(1.0, max(remaining, 0.05))):
                server.url = ready.url.rstrip("/")
                return server
            time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
            delay = min(delay * 2, 0.1)
