"""Waiting for load tools with a deadline: the one watchdog every driver uses.

Each tool runs in its own session (``start_new_session=True``), so its whole process
group can be killed. :func:`wait_bounded` reaps every process with ``os.wait4`` (so
their CPU time is exact), kills the groups of those still running once the deadline
passes, and on any exception (Ctrl-C included) kills and reaps them before
re-raising: a load tool never outlives the run that started it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Finished:
    """How the processes ended: exit codes (in the order given), their summed CPU
    seconds, the wall time waited, and whether the deadline killed them."""

    returncodes: tuple[int, ...]
    user_s: float
    sys_s: float
    wall_s: float
    killed: bool

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def kill_groups(procs: Sequence[subprocess.Popen]) -> None:
    """SIGKILL the process group of every process not yet reaped."""
    for p in procs:
        if p.returncode is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def wait_bounded(procs: Sequence[subprocess.Popen], limit_s: float) -> Finished:
    """Reap ``procs`` in order; kill their groups if they outlive ``limit_s`` seconds."""
    killed = threading.Event()

    def deadline() -> None:
        killed.set()
        kill_groups(procs)

    timer = threading.Timer(max(0.0, limit_s), deadline)
    timer.daemon = True
    t0 = time.monotonic()
    timer.start()
    user = system = 0.0
    try:
        for p in procs:
            _pid, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)   # reaped here: tell Popen
            user += usage.ru_utime
            system += usage.ru_stime
    except BaseException:
        kill_groups(procs)
        for p in procs:
            if p.returncode is None:
                try:
                    os.wait4(p.pid, 0)
                except ChildProcessError:
                    pass
                p.returncode = -9
        raise
    finally:
        timer.cancel()
    return Finished(returncodes=tuple(p.returncode for p in procs), user_s=user, sys_s=system,
                    wall_s=time.monotonic() - t0, killed=killed.is_set())
