"""After a burst of clients that leave, how long until a new client is answered?

A burst of ``--connections`` clients on /io?ms=50 for ``--seconds`` s, then
every burst client leaves: with wrk they close normally (a FIN: the server
cannot tell them from a client that only half-closed), with ``--close reset``
(a bounded asyncio client here) they reset (SO_LINGER 0: certainly gone). The
figure is the time from the burst's end until a new client's /hello is
answered (capped at ``--cap`` s). Server on CPU 1, load on CPU 0.

    flock /tmp/arena-bench.lock python benchmarks/overload_burst.py \
        --pythonpath before=/tmp/before:/tmp/before/servers --pythonpath after=.:servers

Written for docs/pyserver-forked-balance.md; run under the shared lock.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "workloads.python.wsgi_app:app"
MODES = {
    "threaded": ["--mode", "threaded"],
    "forked": ["--mode", "forked", "--workers", "2"],
    "async": ["--mode", "async", "--connections", "4096"],
}
LINGER_0 = struct.pack("ii", 1, 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hello_after(port: int, cap: float) -> float:
    """Seconds until a new connection's /hello is answered (cap if never)."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=cap) as s:
            s.settimeout(max(0.1, cap - (time.monotonic() - t0)))
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return time.monotonic() - t0
    except OSError:
        pass
    return cap


def wrk_burst(port: int, connections: int, seconds: int) -> None:
    subprocess.run(["taskset", "-c", "0", "wrk", "-t", "2", "-c", str(connections),
                    "-d", f"{seconds}s", "--timeout", "2s",
                    f"http://127.0.0.1:{port}/io?ms=50"],
                   capture_output=True, timeout=seconds + 60)


async def _reset_burst(port: int, connections: int, seconds: float) -> None:
    request = b"GET /io?ms=50 HTTP/1.1\r\nHost: x\r\n\r\n"
    writers = []
    end = time.monotonic() + seconds

    async def client() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        writers.append(writer)
        while time.monotonic() < end:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)

    tasks = [asyncio.ensure_future(client()) for _ in range(connections)]
    await asyncio.wait(tasks, timeout=seconds)
    for writer in writers:          # leave with a reset: certainly gone
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_0)
        writer.transport.abort()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def reset_burst(port: int, connections: int, seconds: int) -> None:
    os.sched_setaffinity(0, {0})
    asyncio.run(_reset_burst(port, connections, seconds))


def one_run(version: str, pythonpath: str, mode: str, close: str, args) -> dict:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": pythonpath}
    proc = subprocess.Popen(["taskset", "-c", "1", sys.executable, "-m", "pyserver",
                             *MODES[mode], "--bind", f"127.0.0.1:{port}", APP],
                            cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().startswith("READY"), "server did not start"
        burst = wrk_burst if close == "fin" else reset_burst
        burst(port, args.connections, args.seconds)
        waited = hello_after(port, args.cap)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    return {"version": version, "mode": mode, "close": close, "answer_s": round(waited, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pythonpath", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument("--modes", nargs="*", default=list(MODES))
    parser.add_argument("--close", nargs="*", default=["fin", "reset"])
    parser.add_argument("--connections", type=int, default=4000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--cap", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    versions = [item.partition("=")[::2] for item in args.pythonpath]
    for _ in range(args.repeats):
        for mode in args.modes:
            for close in args.close:
                for name, path in versions:
                    paths = os.pathsep.join(str(Path(p).resolve()) for p in path.split(":"))
                    print(json.dumps(one_run(name, paths, mode, close, args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
