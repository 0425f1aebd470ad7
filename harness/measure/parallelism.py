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
    """GET /_arena/info where the server has it (Go, Node), else {}."""
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


def observe(pids: list[int], *, url: str, ready_line: str | None) -> dict:
    """Effective parallelism of a running server tree, flat for a results row.

    ``processes`` counts every process of the tree (a master included),
    ``os_threads`` sums their threads, ``cpus_allowed`` is the affinity of the
    first process; ``reported_*`` is what the server says of itself. Call it
    after warm-up: a pre-forking master answers before all its workers exist.
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
    return observed
