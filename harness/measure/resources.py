"""CPU and memory of a server's whole process tree during a run, and the machine's CPU.

A :class:`Sampler` thread reads ``/proc`` every ``interval`` seconds while the load
runs:

- **server CPU seconds**: for each process of the tree, its time on CPU now minus
  what it had when sampling started (0 for processes born during the run), summed.
  The time is the first field of ``/proc/PID/schedstat``, nanoseconds on CPU over all
  the process's threads (https://docs.kernel.org/scheduler/sched-stats.html), not
  /proc/PID/stat's utime + stime, which count whole clock ticks (10 ms at USER_HZ 100,
  proc(5)) and made the cost of a slow run mostly quantisation. A process that exits
  mid-run keeps the CPU seen at its last sample (at most one interval is lost);
- **peak RSS**: the largest sum of the tree's resident set sizes seen at one sample
  (forked workers share pages, so the sum over-counts what they share; it is what
  ``ps`` users compare);
- **machine CPU**: busy time of all CPUs from ``/proc/stat`` between start and stop.

- **the generator's CPUs**: busy time of the CPUs the load tool is pinned to, whoever
  used them (``watch_cpus``): a generator whose cores had no idle time left could not
  send more, whether it burnt them itself or a neighbour took them.

The generator's CPU comes from the driver (``os.wait4`` on its processes is exact);
with it, :meth:`Usage.foreign_cpu_s` is the machine's busy time that was neither the
server, the generator nor this harness: other processes competing for the CPUs.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from harness.procfs import stat_fields

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
HAS_SCHEDSTAT = os.path.exists("/proc/self/schedstat")     # CONFIG_SCHED_INFO
# The CPU figure's own reading error: what runs between the first reading and the load's
# start, and the last interval of a process that exits mid-run.
CPU_RESOLUTION_S = 0.001
# Server CPU below this gives no cost per request (cpu_us_per_request empty); the audit
# (harness/analysis/thresholds.py imports it) holds rows to the same floor. schedstat counts
# ns, so the floor is not about the counter's resolution but about a run sampling enough
# work for an average: a run's CPU also holds what is not per request (runtime timers and
# GC, the harness's health and info requests) and, for a thread that ended between two
# samples, stat's whole 10 ms ticks (proc_stat: up to 2 ticks, 20 ms, off); 0.4 s keeps
# those 20 ms under 5%. Go's cost read 750 µs/request at 50 req/s for 4 s (0.15 s of CPU)
# against 101 µs at 4,000 (results/full-20261202).
COST_MIN_CPU_S = 0.4


def schedstat_cpu_s(pid: int) -> float | None:
    """Seconds the live threads of one process spent on CPU, to the nanosecond; None if gone.

    /proc/PID/schedstat is the main thread's alone (a Go or threaded server does its work
    on others), so every /proc/PID/task/TID/schedstat is summed (proc(5)).
    """
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total_ns = 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                total_ns += int(f.read().split()[0])
        except (OSError, IndexError, ValueError):
            continue        # the thread ended between listdir and open
    return total_ns / 1e9


def proc_stat(pid: int) -> tuple[float, int] | None:
    """(CPU seconds, RSS in bytes) of one process; None if it is gone.

    CPU: the live threads' schedstat (ns). utime + stime of /proc/PID/stat also count
    threads that have ended, in whole ticks: where they exceed the schedstat sum by more
    than two ticks, ended threads did real work and the ticks are the better figure.
    """
    rest = stat_fields(pid)
    if rest is None or rest[0] in ("Z", "X"):
        return None
    # fields after the command: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    ticks = (int(rest[11]) + int(rest[12])) / CLK_TCK
    cpu = schedstat_cpu_s(pid) if HAS_SCHEDSTAT else None
    if cpu is None or ticks > cpu + 2 / CLK_TCK:
        cpu = ticks
    return cpu, int(rest[21]) * PAGE


def machine_busy_s(text: str | None = None) -> float:
    """CPU seconds all CPUs spent busy since boot, from the ``cpu`` line of /proc/stat."""
    if text is None:
        with open("/proc/stat") as f:
            text = f.readline()
    fields = [int(x) for x in text.split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)         # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK                       # guest is inside user


def steal_s(text: str | None = None) -> float:
    """CPU seconds the hypervisor stole from all CPUs since boot (``steal`` of the ``cpu``
    line of /proc/stat; 0 off a VM or on kernels without the field)."""
    if text is None:
        with open("/proc/stat") as f:
            text = f.readline()
    fields = text.split()[1:]
    return int(fields[7]) / CLK_TCK if len(fields) > 7 else 0.0


def cpus_busy_s(cpus: set[int] | frozenset[int], text: str | None = None) -> float:
    """CPU seconds the given CPUs spent busy since boot, from the ``cpuN`` lines of /proc/stat."""
    if text is None:
        with open("/proc/stat") as f:
            text = f.read()
    total = 0.0
    for line in text.splitlines():
        name = line.split(" ", 1)[0]
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            total += machine_busy_s(line)
    return total


def self_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


@dataclass(frozen=True)
class Usage:
    """What a Sampler saw between start and stop."""

    wall_s: float
    server_cpu_s: float
    server_rss_peak_bytes: int
    server_processes_peak: int
    machine_busy_s: float
    harness_cpu_s: float
    ncpu: int
    samples: int
    watched_busy_s: float = 0.0     # busy time of the watched CPUs (the generator's)
    watched_ncpu: int = 0
    helper_cpu_s: float = 0.0       # the harness's own helper (the /upstream service)

    @property
    def watched_busy_share(self) -> float | None:
        """How busy the watched CPUs were, whoever used them (1.0 = no idle time left)."""
        if self.wall_s <= 0 or self.watched_ncpu <= 0:
            return None
        return self.watched_busy_s / (self.watched_ncpu * self.wall_s)

    def watched_busy_share_without(self, server_cpu_s: float) -> float | None:
        """How busy the watched CPUs were with anything but the server (whose CPU seconds on
        them the caller gives: 0 when the generator has cores of its own)."""
        if self.wall_s <= 0 or self.watched_ncpu <= 0:
            return None
        return max(0.0, self.watched_busy_s - server_cpu_s) / (self.watched_ncpu * self.wall_s)

    @property
    def server_rss_peak_mib(self) -> float:
        return self.server_rss_peak_bytes / (1024 * 1024)

    def foreign_cpu_s(self, generator_cpu_s: float) -> float:
        """Busy CPU time that was neither server, generator, the harness's helper (the
        /upstream service) nor this harness (>= 0)."""
        return max(0.0, self.machine_busy_s - self.server_cpu_s - generator_cpu_s - self.helper_cpu_s
                   - self.harness_cpu_s)

    def foreign_share(self, generator_cpu_s: float) -> float | None:
        """Foreign CPU as a share of the whole machine over the run (0.1 = a tenth of all cores)."""
        if self.wall_s <= 0:
            return None
        return self.foreign_cpu_s(generator_cpu_s) / (self.ncpu * self.wall_s)


class _TreeCPU:
    """CPU seconds of a set of processes since the first sample (0 for those born later)."""

    def __init__(self, pids: Callable[[], Sequence[int]]):
        self.pids = pids
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self, first: bool) -> tuple[int, int]:
        """Read every live process once; (processes seen, their summed RSS in bytes)."""
        try:
            pids = list(self.pids())
        except Exception:  # the tree vanished mid-scan: keep what we have
            pids = []
        seen = rss = 0
        for pid in pids:
            st = proc_stat(pid)
            if st is None:
                continue
            cpu, resident = st
            seen += 1
            rss += resident
            if first:
                self.base[pid] = cpu
            elif pid not in self.base:
                self.base[pid] = 0.0   # born during the run: all its CPU is in the run
            self.last[pid] = cpu
        return seen, rss

    def cpu_s(self) -> float:
        return sum(max(0.0, self.last[p] - self.base.get(p, 0.0)) for p in self.last)


class Sampler:
    """Sample a process tree's CPU and RSS from /proc in a background thread.

    ``pids`` returns the tree's live pids (``RunningServer.pids``); ``helper_pids``
    those of the harness's own helper (the /upstream service), whose CPU is kept apart
    (``Usage.helper_cpu_s``). Use as a context manager or call ``start()`` / ``stop()``;
    ``stop()`` returns the :class:`Usage`.
    """

    def __init__(self, pids: Callable[[], Sequence[int]], *, interval: float = 0.2,
                 watch_cpus: frozenset[int] = frozenset(),
                 helper_pids: Callable[[], Sequence[int]] = lambda: ()):
        self._server = _TreeCPU(pids)
        self._helper = _TreeCPU(helper_pids)
        self._watch = frozenset(watch_cpus)
        self._watch0 = 0.0
        self._interval = interval
        self._rss_peak = 0
        self._procs_peak = 0
        self._samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._t0 = self._busy0 = self._self0 = 0.0
        self.usage: Usage | None = None

    def _sample(self, first: bool = False) -> None:
        with self._lock:
            seen, rss = self._server.sample(first)
            self._helper.sample(first)
            self._rss_peak = max(self._rss_peak, rss)
            self._procs_peak = max(self._procs_peak, seen)
            self._samples += 1

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def start(self) -> "Sampler":
        self._t0 = time.monotonic()
        self._busy0 = machine_busy_s()
        self._self0 = self_cpu_s()
        self._watch0 = cpus_busy_s(self._watch) if self._watch else 0.0
        self._sample(first=True)
        self._thread = threading.Thread(target=self._loop, name="resource-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Usage:
        if self.usage is not None:
            return self.usage
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._sample()
        wall = time.monotonic() - self._t0
        busy = machine_busy_s() - self._busy0
        harness = self_cpu_s() - self._self0
        watched = (cpus_busy_s(self._watch) - self._watch0) if self._watch else 0.0
        with self._lock:
            self.usage = Usage(wall_s=wall, server_cpu_s=self._server.cpu_s(),
                               server_rss_peak_bytes=self._rss_peak,
                               server_processes_peak=self._procs_peak, machine_busy_s=busy,
                               harness_cpu_s=harness, ncpu=os.cpu_count() or 1,
                               samples=self._samples, watched_busy_s=watched,
                               watched_ncpu=len(self._watch), helper_cpu_s=self._helper.cpu_s())
        return self.usage

    def __enter__(self) -> "Sampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def cpu_share(cpu_s: float, cpus: int, wall_s: float) -> float | None:
    """CPU seconds as a share of ``cpus`` cores over ``wall_s`` (1.0 = all of them, all the time)."""
    if wall_s <= 0 or cpus <= 0:
        return None
    return cpu_s / (cpus * wall_s)
