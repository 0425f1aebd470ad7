"""Facts about the machine and the software a campaign ran with, for campaign.json.

Every fact is read, never assumed: CPU model and count from /proc/cpuinfo and the
affinity mask, the kernel from uname, versions from the tools themselves (each
call bounded by a timeout; a tool that is missing is recorded as ``null``).
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
# Python distributions whose versions decide results (servers, their event loop, load tools)
PY_PACKAGES = ("gunicorn", "gevent", "greenlet", "granian", "uwsgi", "waitress", "flask", "django", "locust",
               "concurrency-arena")


def _run(argv: list[str], timeout: float = 10.0) -> str | None:
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return (proc.stdout + proc.stderr).strip()


def cpu_model(cpuinfo: str | None = None) -> str:
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return platform.processor() or "unknown"
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model") and value.strip():
            return value.strip()
    return platform.processor() or "unknown"


def memory_mib(meminfo: str | None = None) -> int | None:
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text()
        except OSError:
            return None
    m = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    return int(m.group(1)) // 1024 if m else None


def os_name() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return platform.platform()
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, re.M)
    return m.group(1) if m else platform.platform()


def wrk_version(text: str | None) -> str | None:
    """``wrk debian/4.1.0-3+b2 [epoll] ...`` -> ``4.1.0``; the first line otherwise."""
    if not text:
        return None
    m = re.search(r"wrk\s+(?:\S*/)?v?(\d+\.\d+(?:\.\d+)?)", text)
    return m.group(1) if m else text.splitlines()[0][:80]


def go_module_version(text: str | None) -> str | None:
    """The main module's version from ``go version -m BINARY`` (``mod <path> v12.12.0 h1:...``)."""
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "mod":
            return parts[2].lstrip("v")
    return None


def tool(name: str) -> str | None:
    """Path of a tool: the project's bin/ first, then PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version(),
                                  "python_implementation": platform.python_implementation()}
    go = shutil.which("go")
    text = _run([go, "version"]) if go else None
    m = re.search(r"go(\d+\.\d+(?:\.\d+)?)", text or "")
    out["go"] = m.group(1) if m else None
    node = shutil.which("node")
    out["node"] = (_run([node, "--version"]) or "").lstrip("v") or None if node else None
    wrk = tool("wrk")
    out["wrk"] = wrk_version(_run([wrk, "-v"])) if wrk else None
    vegeta = tool("vegeta")
    out["vegeta"] = None
    if vegeta:
        out["vegeta"] = go_module_version(_run([go, "version", "-m", vegeta])) if go else None
        if not out["vegeta"]:
            m = re.search(r"Version:\s*(\S+)", _run([vegeta, "-version"]) or "")
            out["vegeta"] = m.group(1) if m else "unknown"
    for package in PY_PACKAGES:
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    out["express"] = _node_package_version(ROOT / "servers" / "node" / "node_modules" / "express")
    return out


def _node_package_version(path: Path) -> str | None:
    try:
        return json.loads((path / "package.json").read_text()).get("version")
    except (OSError, ValueError):
        return None


def git_sha(root: Path = ROOT) -> str:
    """HEAD's sha, with ``+dirty`` when tracked files differ from it."""
    sha = _run(["git", "-C", str(root), "rev-parse", "HEAD"]) or ""
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        return "unknown"
    dirty = _run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"])
    return sha + ("+dirty" if dirty else "")


def host(server_cpus: str | None = None, load_cpus: str | None = None) -> dict:
    uname = platform.uname()
    governor = None
    try:
        governor = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").read_text().strip()
    except OSError:
        pass
    return {
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_mib": memory_mib(),
        "kernel": uname.release,
        "os": os_name(),
        "arch": uname.machine,
        "cpu_governor": governor,
        "pinning": {"server_cpus": server_cpus, "load_cpus": load_cpus,
                    "method": "taskset -c (native launcher; load tools likewise)"},
    }


def facts(server_cpus: str | None = None, load_cpus: str | None = None) -> dict:
    """Everything campaign.json holds about the machine: {"host": ..., "versions": ..., "git_sha": ...}."""
    return {"host": host(server_cpus, load_cpus), "versions": versions(), "git_sha": git_sha(),
            "python_executable": sys.executable}
