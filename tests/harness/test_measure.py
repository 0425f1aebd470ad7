"""harness.measure.host and harness.measure.resources, against real processes and fixed /proc text."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from harness.launch.native import process_tree
from harness.measure import host, resources

# Burns ``cpu`` seconds of its own CPU, holds ``mib`` MiB resident, then sleeps; with
# "child" it first starts a copy of itself that does the same (a two-process tree).
BURNER = textwrap.dedent("""
    import subprocess, sys, time
    cpu, mib, child = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "child"
    if child:
        subprocess.Popen([sys.executable, "-c", sys.argv[4], sys.argv[1], sys.argv[2], "-", ""])
    block = bytearray(mib * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    while time.process_time() < cpu:
        pass
    print("done", flush=True)
    time.sleep(60)
""")


def _start(cpu: float, mib: int, child: bool) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", BURNER, str(cpu), str(mib),
                             "child" if child else "-", BURNER],
                            stdout=subprocess.PIPE, start_new_session=True)


def _wait_done(proc: subprocess.Popen, lines: int) -> None:
    for _ in range(lines):
        assert proc.stdout.readline().strip() == b"done"


@pytest.mark.timeout(60)
def test_sampler_counts_cpu_and_rss_of_the_whole_tree():
    proc = _start(0.4, 40, child=True)
    try:
        with resources.Sampler(lambda: process_tree(proc.pid, proc.pid), interval=0.05) as sampler:
            _wait_done(proc, 2)          # both processes burnt their CPU (order does not matter)
            time.sleep(0.2)              # one more sample after both finished
        usage = sampler.usage
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # both processes were born before the sampler saw them burn; each burnt 0.4 s
    # (the child may have burnt part before the first sample: count from the baseline)
    assert usage.server_processes_peak == 2
    assert usage.server_rss_peak_mib >= 80
    assert 0.0 < usage.server_cpu_s <= 0.8 + 0.2
    assert usage.machine_busy_s >= usage.server_cpu_s * 0.9
    assert usage.samples >= 2


@pytest.mark.timeout(60)
def test_process_born_during_the_run_counts_whole():
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    late: list[int] = []
    try:
        sampler = resources.Sampler(lambda: [holder.pid, *late], interval=0.05).start()
        p = _start(0.3, 1, child=False)
        late.append(p.pid)
        _wait_done(p, 1)
        time.sleep(0.2)
        usage = sampler.stop()
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
    assert usage.server_cpu_s >= 0.25     # all of the late process's burn, from 0
    assert sampler.stop() is usage        # idempotent


@pytest.mark.parametrize("line, busy", [
    # user nice system idle iowait irq softirq steal guest guest_nice (ticks)
    ("cpu  100 0 50 1000 30 5 5 10 0 0", (100 + 50 + 5 + 5 + 10) / resources.CLK_TCK),
    ("cpu  0 0 0 500 0 0 0 0 0 0", 0.0),
])
def test_machine_busy_from_proc_stat(line, busy):
    assert resources.machine_busy_s(line) == pytest.approx(busy)


def test_foreign_share_arithmetic():
    u = resources.Usage(wall_s=10.0, server_cpu_s=8.0, server_rss_peak_bytes=0, server_processes_peak=1,
                        machine_busy_s=15.0, harness_cpu_s=0.5, ncpu=2, samples=3)
    assert u.foreign_cpu_s(4.5) == pytest.approx(2.0)
    assert u.foreign_share(4.5) == pytest.approx(0.1)
    assert u.foreign_cpu_s(10.0) == 0.0   # never negative
    assert resources.cpu_share(1.8, 2, 1.0) == pytest.approx(0.9)
    assert resources.cpu_share(1.0, 1, 0.0) is None


@pytest.mark.parametrize("text, version", [
    ("wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer", "4.1.0"),
    ("wrk 4.2.0 [epoll] Copyright (C) 2012 Will Glozer", "4.2.0"),
    (None, None),
])
def test_wrk_version(text, version):
    assert host.wrk_version(text) == version


def test_go_module_version():
    text = ("bin/vegeta: go1.26.8\n\tpath\tgithub.com/tsenart/vegeta/v12\n"
            "\tmod\tgithub.com/tsenart/vegeta/v12\tv12.12.0\th1:abc=\n")
    assert host.go_module_version(text) == "12.12.0"
    assert host.go_module_version("") is None


def test_cpu_model_and_memory_parsing():
    assert host.cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert host.memory_mib("MemTotal:       24684544 kB\n") == 24106


@pytest.mark.timeout(60)
def test_facts_of_this_machine():
    facts = host.facts(server_cpus="1", load_cpus="0")
    h = facts["host"]
    assert h["cores"] == os.cpu_count() and h["kernel"] == os.uname().release
    assert h["pinning"]["server_cpus"] == "1" and h["pinning"]["load_cpus"] == "0"
    v = facts["versions"]
    assert v["python"] == ".".join(map(str, sys.version_info[:3]))
    for key in ("go", "node", "wrk", "vegeta", "gunicorn", "locust"):
        assert key in v          # recorded, None when the tool is missing


def test_busy_time_of_chosen_cpus():
    text = ("cpu  300 0 100 2000 0 0 0 0 0 0\n"
            "cpu0 100 0 50 1000 0 0 0 0 0 0\n"
            "cpu1 200 0 50 1000 0 0 0 0 0 0\n"
            "intr 1 2 3\n")
    assert resources.cpus_busy_s({0}, text) == pytest.approx(150 / resources.CLK_TCK)
    assert resources.cpus_busy_s({0, 1}, text) == pytest.approx(400 / resources.CLK_TCK)
    assert resources.cpus_busy_s(set(), text) == 0.0
    u = resources.Usage(wall_s=2.0, server_cpu_s=0, server_rss_peak_bytes=0, server_processes_peak=0,
                        machine_busy_s=0, harness_cpu_s=0, ncpu=2, samples=1,
                        watched_busy_s=1.9, watched_ncpu=1)
    assert u.watched_busy_share == pytest.approx(0.95)


@pytest.mark.parametrize("line, steal", [
    ("cpu  100 0 50 1000 30 5 5 10 0 0", 10 / resources.CLK_TCK),
    ("cpu  100 0 50 1000 30 5 5", 0.0),                 # a kernel without the steal field
])
def test_steal_from_proc_stat(line, steal):
    assert resources.steal_s(line) == pytest.approx(steal)


# Waits for a line on stdin, burns ``ms`` milliseconds of its own CPU (CLOCK_PROCESS_CPUTIME_ID,
# nanoseconds), prints what it burnt in seconds, then sleeps.
SMALL_BURNER = textwrap.dedent("""
    import sys, time
    sys.stdin.readline()
    start = time.process_time()
    while time.process_time() - start < float(sys.argv[1]) / 1000:
        pass
    print(time.process_time() - start, flush=True)
    time.sleep(60)
""")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("ms", [3.0, 17.0])
def test_server_cpu_is_measured_finer_than_a_clock_tick(ms):
    """A process burning 3 or 17 ms of CPU reads as that within 2 ms. /proc/PID/stat's
    utime + stime count 10 ms ticks (USER_HZ 100), and read 0, 10 or 20 ms for these."""
    proc = subprocess.Popen([sys.executable, "-c", SMALL_BURNER, str(ms)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(0.5)                                  # the interpreter's start-up is done
        with resources.Sampler(lambda: [proc.pid], interval=0.05) as sampler:
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
            burnt = float(proc.stdout.readline())
        usage = sampler.usage
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert burnt >= ms / 1000
    assert usage.server_cpu_s == pytest.approx(burnt, abs=0.002)


def test_cost_floor_is_well_above_the_resolution():
    assert resources.COST_MIN_CPU_S >= 100 * resources.CPU_RESOLUTION_S


@pytest.mark.timeout(60)
def test_the_helpers_cpu_is_kept_apart_from_the_servers():
    """The /upstream service's CPU was counted as foreign; the sampler reads it on its own."""
    procs = [subprocess.Popen([sys.executable, "-c", SMALL_BURNER, str(ms)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, start_new_session=True) for ms in (17.0, 5.0)]
    server, helper = procs
    try:
        time.sleep(0.5)
        with resources.Sampler(lambda: [server.pid], helper_pids=lambda: [helper.pid],
                               interval=0.05) as sampler:
            for p in procs:
                p.stdin.write(b"go\n")
                p.stdin.flush()
            burnt = [float(p.stdout.readline()) for p in procs]
        usage = sampler.usage
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert usage.server_cpu_s == pytest.approx(burnt[0], abs=0.002)
    assert usage.helper_cpu_s == pytest.approx(burnt[1], abs=0.002)
    assert usage.foreign_cpu_s(0.0) <= usage.machine_busy_s - burnt[0] - burnt[1] + 0.005


THREAD_BURNER = """
import threading, time
def burn():
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    time.sleep(30)          # stays alive: its CPU is a live thread's
threading.Thread(target=burn, daemon=True).start()
time.sleep(30)
"""


@pytest.mark.timeout(60)
def test_cpu_of_work_done_off_the_main_thread_is_counted():
    """/proc/PID/schedstat is the main thread's alone: a Go or threaded server, whose work
    runs on other threads, read as almost no CPU until every thread's schedstat was summed."""
    proc = subprocess.Popen([sys.executable, "-c", THREAD_BURNER], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (resources.proc_stat(proc.pid) or (0,))[0] < 0.3:
            time.sleep(0.1)
        cpu = resources.proc_stat(proc.pid)[0]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert 0.3 <= cpu < 0.6
