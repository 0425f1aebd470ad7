"""The parallelism a server really has, read back from it, never assumed.

Runtimes read CPU limits differently (GOMAXPROCS, Node's availableParallelism,
Python's cpu count), so a result records what the running server reports and
what /proc shows: its processes, their OS threads and the CPUs they may use.
"""
from __future__ import annotations

import http.client
import json
import os
import re
from urllib.parse import urlsplit

_READY_FIELD = re.compile(r"(\w+)=(\S+)")


def ready_fields(line: str | None) -> dict[str, str]:
    """``READY mode=async pid=1 workers=2`` -> {"mode": "async", "pid": "1", "workers": "2"}."""
    return dict(_READY_FIELD.findall(line or ""))


def proc_threads(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def server_info(url: str, timeout: float = 5.0) -> dict:
    """GET /_arena/info where the server has it (Go, Node, the Python apps), else {}."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", "/_arena/info")
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            return {}
        info = json.loads(body)
        return info if isinstance(info, dict) else {}
    except (OSError, http.client.HTTPException, ValueError):
        return {}
    finally:
        conn.close()


def gil_state(reported: dict) -> dict:
    """``gil_enabled`` (bool) and ``python_build`` ("default" or "free-threaded") as a Python
    server said of itself (pyserver's READY line says 0/1, the Python apps' /_arena/info
    true/false); None for both where it did not (Go, Node, a server without either)."""
    enabled = reported.get("gil_enabled")
    if isinstance(enabled, str):
        enabled = {"1": True, "true": True, "0": False, "false": False}.get(enabled.lower())
    return {"gil_enabled": enabled if isinstance(enabled, bool) else None,
            "python_build": reported.get("python_build")}


def observe(pids: list[int], *, url: str, ready_line: str | None) -> dict:
    """Effective parallelism of a running server tree, flat for a results row.

    ``processes`` counts every process of the tree (a master included),
    ``os_threads`` sums their threads, ``cpus_allowed`` is the affinity of the
    first process; ``reported_*`` is what the server says of itself. Call it
    after warm-up: a pre-forking master answers before all its workers exist.
    ``gil_enabled`` and ``python_build`` come from the same reports (gil_state); the
    info endpoint is read last, so the state of a worker serving requests wins over
    the one its master printed at READY.
    """
    threads = [t for t in (proc_threads(pid) for pid in pids) if t is not None]
    try:
        cpus_allowed = len(os.sched_getaffinity(pids[0])) if pids else None
    except OSError:
        cpus_allowed = None
    observed = {"processes": len(threads), "os_threads": sum(threads),
                "cpus_allowed": cpus_allowed}
    reported = {k: v for k, v in ready_fields(ready_line).items() if k not in ("pid", "address")}
    reported.update({k: v for k, v in server_info(url).items() if k != "pid"})
    observed.update({f"reported_{k}": v for k, v in sorted(reported.items())})
    observed.update(gil_state(reported))
    return observed
