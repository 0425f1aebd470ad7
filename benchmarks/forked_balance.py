"""Forked workers on CPU-bound keep-alive load: how evenly do they share it?

Runs each server of ``SERVERS`` (2 worker processes on CPUs 0-1) against wrk on
/cpu?n=N (N calibrated to about 5 ms of kernel CPU) with 16 keep-alive
connections, interleaved, ``--repeats`` times, and prints per run: req/s, p99,
the share of the CPU limit (2 cores / kernel time), the idlest worker's share of
the workers' CPU and the connections per worker (harness.measure.balance).

    flock /tmp/arena-bench.lock python benchmarks/forked_balance.py --repeats 3

Written for docs/pyserver-forked-balance.md; run under the shared lock.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness.launch.native import process_tree
from harness.measure.balance import BalanceMeter
from harness.measure.resources import machine_busy_s, steal_s
from workloads import contract

ROOT = Path(__file__).resolve().parents[1]
APP = "workloads.python.wsgi_app:app"
PY = sys.executable


def pyserver(*args: str) -> list[str]:
    return [PY, "-m", "pyserver", "--mode", "forked", "--workers", "2", *args,
            "--bind", "127.0.0.1:{port}", APP]


SERVERS = {
    "pyserver per-worker": (pyserver("--listener", "per-worker"), {}),
    "pyserver shared": (pyserver("--listener", "shared"), {}),
    "gunicorn sync": ([PY, "-m", "gunicorn", "--worker-class", "sync", "--workers", "2",
                       "--bind", "127.0.0.1:{port}", "--no-control-socket", APP], {}),
}


def calibrate(target_s: float) -> tuple[int, float]:
    """N whose kernel takes about target_s here, and its measured time (best of 20)."""
    def best(n: int) -> float:
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            contract.kernel(n)
            times.append(time.perf_counter() - t0)
        return min(times)
    n = round(80_000 * target_s / best(80_000))
    return n, best(n)


def _kernel_time(cpu: int, n: int, queue) -> None:
    os.sched_setaffinity(0, {cpu})
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        contract.kernel(n)
        times.append(time.perf_counter() - t0)
    queue.put(statistics.median(times))


def kernel_time_both_cores(n: int) -> float:
    """The kernel's time when both cores run it at once (as under the benchmark's load):
    shared caches, SMT siblings or a hypervisor can make it slower than on one core."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_kernel_time, args=(cpu, n, queue)) for cpu in (0, 1)]
    for p in procs:
        p.start()
    times = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join()
    return statistics.mean(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not ready")


def wrk(url: str, seconds: int, connections: int = 16) -> dict:
    out = subprocess.run(["taskset", "-c", "0-1", "wrk", "-t", "1", "-c", str(connections),
                          "-d", f"{seconds}s", "--latency", "--timeout", "10s", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "errors": errors.group(1) if errors else ""}


def one_run(name: str, n: int, seconds: int) -> dict:
    argv, env = SERVERS[name]
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(["taskset", "-c", "0-1", *argv], cwd=ROOT, start_new_session=True,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        url = f"http://127.0.0.1:{port}/cpu?n={n}"
        wrk(url, 2)                                     # warm-up
        busy0, steal0 = machine_busy_s(), steal_s()
        meter = BalanceMeter(lambda: process_tree(proc.pid)).start()
        done = threading.Event()
        def sample_until_done() -> None:      # connections exist only while wrk runs
            while not done.wait(0.5):
                meter.sample()
        sampler = threading.Thread(target=sample_until_done, daemon=True)
        sampler.start()
        result = wrk(url, seconds)
        done.set()
        sampler.join()
        balance = meter.stop()
        busy, steal = machine_busy_s() - busy0, steal_s() - steal0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    server_cpu = sum(balance.cpu_s.values())
    cpu_ms = 1000 * server_cpu / max(1.0, result["rps"] * seconds)
    return {"server": name, **result, "idlest_share": balance.idlest_cpu_share,
            "worker_cpu_ms_per_request": round(cpu_ms, 2),
            # CPU the workers did not get: other processes (wrk's own is about 1%) and steal
            "others_cpu_share": round((busy - server_cpu) / (2 * seconds), 3),
            "steal_share": round(steal / (2 * seconds), 3),
            "worker_cpu_s": sorted(round(c, 2) for c in balance.cpu_s.values()),
            "connections": sorted(balance.connections_peak.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--servers", nargs="*", default=list(SERVERS))
    args = parser.parse_args()
    n, kernel_s = calibrate(0.005)
    limit = 2 / kernel_s
    both_s = kernel_time_both_cores(n)
    print(f"# n={n} kernel={kernel_s * 1000:.2f} ms limit={limit:.0f} req/s; with both cores "
          f"busy: kernel={both_s * 1000:.2f} ms limit={2 / both_s:.0f} req/s", flush=True)
    runs = []
    for repeat in range(args.repeats):
        for name in args.servers:
            run = one_run(name, n, args.seconds)
            run["of_limit"] = run["rps"] / limit
            runs.append(run)
            print(json.dumps(run), flush=True)
    print("# server | median req/s | min-max | median % of limit | median p99 ms | "
          "median idlest share")
    for name in args.servers:
        mine = [r for r in runs if r["server"] == name]
        rps = [r["rps"] for r in mine]
        shares = [r["idlest_share"] or 0.0 for r in mine]
        print(f"{name} | {statistics.median(rps):.0f} | {min(rps):.0f}-{max(rps):.0f} | "
              f"{100 * statistics.median(rps) / limit:.0f}% | "
              f"{statistics.median(r['p99_ms'] for r in mine):.0f} | "
              f"{statistics.median(shares):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
