"""The drivers' watchdog (harness/drivers/bounded.py) on real processes: exit codes and CPU
are read from the processes themselves, a process past its deadline is killed with its
whole group, and an exception while waiting (Ctrl-C) leaves nothing running."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from harness.drivers.bounded import wait_bounded


def _start(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (killed, not yet reaped by its new parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _eventually_gone(pid: int, seconds: float = 5.0) -> bool:
    wait = threading.Event()
    for _ in range(int(seconds / 0.1)):
        if _gone(pid):
            return True
        wait.wait(0.1)
    return _gone(pid)


def test_exit_codes_in_order_and_cpu_from_the_processes():
    procs = [_start("import sys; sum(range(3_000_000)); sys.exit(3)"), _start("pass")]
    done = wait_bounded(procs, 60)
    assert done.returncodes == (3, 0) and not done.killed
    assert done.cpu_s > 0 and done.cpu_s == pytest.approx(done.user_s + done.sys_s)


@pytest.mark.timeout(30)
def test_past_the_deadline_the_whole_group_is_killed(tmp_path):
    pidfile = tmp_path / "child"
    # the process starts a child in its own group; both must go
    proc = _start(f"import subprocess, time; c = subprocess.Popen(['sleep', '60']); "
                  f"open({str(pidfile)!r}, 'w').write(str(c.pid)); time.sleep(60)")
    done = wait_bounded([proc], 1.0)
    assert done.killed and done.returncodes == (-9,)
    assert _eventually_gone(int(pidfile.read_text()))


@pytest.mark.timeout(30)
def test_an_exception_while_waiting_kills_and_reaps():
    proc = _start("import time; time.sleep(60)")
    threading.Timer(0.5, lambda: os.kill(os.getpid(), 2)).start()      # SIGINT to ourselves
    with pytest.raises(KeyboardInterrupt):
        wait_bounded([proc], 60)
    assert proc.returncode == -9 and _gone(proc.pid)
