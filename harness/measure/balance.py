"""How evenly a multi-process server spread its work over its workers, from /proc.

For each worker process of a server's tree (the tree's leaves: a master's
children, not the master), over an interval:

- **CPU seconds**: the sum over the process's threads of the first field of
  ``/proc/PID/task/TID/schedstat`` (nanoseconds on a CPU, exact), or utime +
  stime of ``/proc/PID/stat`` (clock ticks) where schedstat is missing;
- which processes are workers: the tree's processes that have no child in it
  (``/proc/PID/task/TID/children``);
- **established TCP connections**: the socket inodes among ``/proc/PID/fd``
  matched against the ESTABLISHED rows (state ``01``) of ``/proc/PID/net/tcp``
  and ``tcp6``, read in the worker's own network namespace (so a container's
  processes are read right from the host).

The figure: the idlest worker's share of the workers' CPU (``idlest_cpu_share``),
1/N when the N workers shared the work evenly, near 0 when one sat idle. Users
report the imbalance this shows: gunicorn#3433, granian#544, and Node's cluster
docs ("over 70% of all connections ended up in just two processes, out of a
total of eight", https://nodejs.org/api/cluster.html#how-it-works).

Use::

    meter = BalanceMeter(server.pids).start()
    ...                       # the load runs; call meter.sample() now and then
    balance = meter.stop()    # Balance: per-worker CPU and connections
    balance.idlest_cpu_share
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from harness.measure.resources import proc_stat

ESTABLISHED = "01"      # include/net/tcp_states.h: TCP_ESTABLISHED = 1


# -- /proc readers -------------------------------------------------------------------

def cpu_seconds(pid: int) -> float | None:
    """CPU seconds a process has used (measure.resources: its threads' schedstat, ns);
    None if it is gone."""
    stat = proc_stat(pid)
    return stat[0] if stat else None


def children_of(pid: int) -> set[int]:
    """The child processes of ``pid`` (every thread's ``children`` list)."""
    out: set[int] = set()
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.update(int(child) for child in f.read().split())
        except (OSError, ValueError):
            continue
    return out


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets a process holds open (empty if it is gone or unreadable)."""
    inodes = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def established_inodes(text: str) -> set[int]:
    """Socket inodes of the ESTABLISHED rows of a /proc/net/tcp or tcp6 table."""
    out = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[3] == ESTABLISHED:
            out.add(int(fields[9]))
    return out


def namespace_established(pid: int) -> set[int]:
    """ESTABLISHED socket inodes of the network namespace ``pid`` lives in."""
    out: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                out |= established_inodes(f.read())
        except OSError:
            continue
    return out


def workers_of(pids: Iterable[int]) -> list[int]:
    """The worker processes of a server tree: those with no child in it (a lone
    process is its own worker)."""
    tree = set(pids)
    return sorted(pid for pid in tree if not children_of(pid) & tree)


def connections(workers: Sequence[int]) -> dict[int, int]:
    """Established TCP connections held by each worker (one /proc/net read per namespace)."""
    tables: dict[str, set[int]] = {}
    out = {}
    for pid in workers:
        try:
            namespace = os.readlink(f"/proc/{pid}/ns/net")
        except OSError:
            namespace = ""
        if namespace not in tables:
            tables[namespace] = namespace_established(pid)
        out[pid] = len(socket_inodes(pid) & tables[namespace])
    return out


# -- the figure ----------------------------------------------------------------------

def idlest_share(cpu_by_worker: Mapping[int, float]) -> float | None:
    """The smallest worker's share of the workers' total CPU; None with fewer than two
    workers or no CPU at all."""
    if len(cpu_by_worker) < 2:
        return None
    total = sum(cpu_by_worker.values())
    return min(cpu_by_worker.values()) / total if total > 0 else None


@dataclass(frozen=True)
class WorkerUsage:
    pid: int
    cpu_s: float                # CPU seconds over the interval
    connections_peak: int       # most established connections seen at one sample


@dataclass(frozen=True)
class Balance:
    workers: tuple[WorkerUsage, ...]
    samples: int

    @property
    def idlest_cpu_share(self) -> float | None:
        return idlest_share({w.pid: w.cpu_s for w in self.workers})

    @property
    def cpu_s(self) -> dict[int, float]:
        return {w.pid: w.cpu_s for w in self.workers}

    @property
    def connections_peak(self) -> dict[int, int]:
        return {w.pid: w.connections_peak for w in self.workers}


class BalanceMeter:
    """Per-worker CPU and connections of a server tree between start() and stop().

    ``pids`` returns the tree's live pids (``RunningServer.pids``). A worker born
    during the interval counts from 0; one that died keeps its last sampled CPU.
    """

    def __init__(self, pids: Callable[[], Sequence[int]], *, interval: float = 1.0):
        self._pids = pids
        self._interval = interval       # connections are only seen while the load runs
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._base: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._peak: dict[int, int] = {}
        self._samples = 0

    def start(self) -> "BalanceMeter":
        for pid in workers_of(self._pids()):
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self._base[pid] = self._last[pid] = cpu
                self._peak[pid] = 0
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="balance-meter", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval):
            self.sample()

    def sample(self) -> None:
        workers = workers_of(self._pids())
        for pid, count in connections(workers).items():
            cpu = cpu_seconds(pid)
            if cpu is None:
                continue
            self._base.setdefault(pid, 0.0)
            self._last[pid] = cpu
            self._peak[pid] = max(self._peak.get(pid, 0), count)
        self._samples += 1

    def stop(self) -> Balance:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        return Balance(tuple(WorkerUsage(pid, self._last[pid] - self._base[pid], self._peak[pid])
                             for pid in sorted(self._last)), self._samples)
