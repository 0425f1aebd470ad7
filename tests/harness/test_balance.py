"""harness.measure.balance: per-worker CPU and connections from /proc, and the
idlest worker's share, checked on real process trees whose imbalance is known
(a master whose one worker spins while the other sleeps; a worker holding
three connections beside one holding none), plus the pure parsing."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from harness.measure import balance

# A master that forks one worker per argument and waits: "spin" burns CPU, "sleep"
# sleeps, "connect:PORT:K" opens K connections to PORT and holds them. Each worker
# prints its pid and role once it is in its role, in one write(2) each (print()
# writes its parts separately when unbuffered, and two workers' parts interleave).
TREE = r"""
import os, socket, sys, time
roles = sys.argv[1:]
for role in roles:
    if os.fork() == 0:
        held = []
        if role.startswith("connect:"):
            _, port, k = role.split(":")
            held = [socket.create_connection(("127.0.0.1", int(port))) for _ in range(int(k))]
        os.write(1, f"{os.getpid()} {role}\n".encode())    # one write: lines never interleave
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if role == "spin":
                sum(i * i for i in range(10_000))
            else:
                time.sleep(0.05)
        os._exit(0)
for _ in roles:
    os.wait()
"""


class Tree:
    def __init__(self, *roles: str):
        self.proc = subprocess.Popen([sys.executable, "-c", TREE, *roles], stdout=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.role = {}
        for _ in roles:
            pid, role = self.proc.stdout.readline().split()
            self.role[int(pid)] = role

    def pids(self) -> list[int]:
        return [self.proc.pid, *self.role]

    def pid_of(self, role: str) -> int:
        return next(pid for pid, r in self.role.items() if r == role)

    def stop(self) -> None:
        if self.proc.returncode is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def tree():
    started: list[Tree] = []

    def start(*roles: str) -> Tree:
        started.append(Tree(*roles))
        return started[-1]
    yield start
    for t in started:
        t.stop()


def test_the_workers_of_a_tree_are_its_leaves(tree):
    t = tree("sleep", "sleep")
    assert balance.workers_of(t.pids()) == sorted(t.role)
    assert balance.workers_of([t.proc.pid]) == [t.proc.pid]      # a lone process


def test_a_spinning_worker_beside_a_sleeping_one_is_an_idle_worker(tree):
    t = tree("spin", "sleep")
    meter = balance.BalanceMeter(t.pids).start()
    for _ in range(10):
        time.sleep(0.1)
        meter.sample()
    result = meter.stop()
    cpu = result.cpu_s
    assert set(cpu) == set(t.role)              # the master is not a worker
    assert cpu[t.pid_of("spin")] > 0.1
    assert cpu[t.pid_of("sleep")] < cpu[t.pid_of("spin")] / 10
    assert result.idlest_cpu_share == pytest.approx(
        cpu[t.pid_of("sleep")] / (cpu[t.pid_of("sleep")] + cpu[t.pid_of("spin")]))
    assert result.idlest_cpu_share < 0.1
    assert result.samples >= 12          # 10 by hand, start and stop, and the meter's own


def test_established_connections_are_counted_per_worker(tree):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    t = tree(f"connect:{port}:3", "sleep")
    accepted = [listener.accept()[0] for _ in range(3)]
    try:
        counts = balance.connections(balance.workers_of(t.pids()))
        assert counts == {t.pid_of(f"connect:{port}:3"): 3, t.pid_of("sleep"): 0}
        meter = balance.BalanceMeter(t.pids).start()
        assert meter.stop().connections_peak[t.pid_of(f"connect:{port}:3")] == 3
    finally:
        for sock in accepted:
            sock.close()
        listener.close()


def test_cpu_seconds_of_a_gone_process_is_none(tree):
    t = tree("sleep")
    pid = t.pid_of("sleep")
    assert balance.cpu_seconds(pid) is not None
    t.stop()
    deadline = time.monotonic() + 10      # SIGKILL lands asynchronously
    while balance.cpu_seconds(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert balance.cpu_seconds(pid) is None
    assert balance.socket_inodes(pid) == set()


# -- pure logic ------------------------------------------------------------------------

TCP_TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1049 1 0 100 0 0 10 0
   1: 0100007F:EAE3 0100007F:8E8C 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1
   2: 0100007F:DC5B 0100007F:E276 06 00000000:00000000 03:000001B2 00000000     0        0 0 3 0
   3: 0100007F:EAE3 0100007F:8E8A 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 10 -1
"""


def test_only_established_rows_count():
    assert balance.established_inodes(TCP_TABLE) == {4242, 4343}     # not LISTEN, not TIME_WAIT
    assert balance.established_inodes("") == set()


@pytest.mark.parametrize("cpu, share", [
    ({1: 3.0, 2: 1.0}, 0.25),
    ({1: 2.0, 2: 2.0}, 0.5),
    ({1: 2.0, 2: 0.0, 3: 2.0}, 0.0),
    ({1: 2.0}, None),               # one worker: nothing to balance
    ({1: 0.0, 2: 0.0}, None),       # no work at all
])
def test_idlest_share(cpu, share):
    assert balance.idlest_share(cpu) == share
