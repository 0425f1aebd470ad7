"""The Docker engine this launcher talks to, through the docker SDK for Python.

``DOCKER_HOST`` (``ssh://bench-host``, ``tcp://host:2376``) points everything at a
remote engine; servers then bind 0.0.0.0 and their URLs name that host (see
docs/docker.md, "Servers on one machine, load on another").
"""
from __future__ import annotations

import os
import random
import urllib.parse

from harness.launch import LaunchError
from harness.launch.ready import free_port

# Every image and container of this launcher carries it; cleanup finds them by it.
LABEL = "org.concurrency-arena.launcher"


def client(timeout: int = 600):
    """A docker SDK client from the environment (DOCKER_HOST, DOCKER_TLS_VERIFY, ...).

    Raises LaunchError saying how to get an engine when none answers.
    """
    try:
        import docker
    except ImportError:
        raise LaunchError("the docker launcher needs the docker SDK for Python: "
                          "pip install -e '.[docker]' (or pip install docker)") from None
    try:
        # ssh:// goes through the system's ssh (its config, keys and agent), as the
        # docker CLI does, instead of needing paramiko.
        ssh = os.environ.get("DOCKER_HOST", "").startswith("ssh://")
        engine = docker.from_env(timeout=timeout, use_ssh_client=ssh)
        engine.ping()
    except Exception as exc:  # docker.errors.DockerException and connection errors
        if os.environ.get("DOCKER_HOST"):
            hint = "is that engine up and reachable (docker version answers)?"
            where = os.environ["DOCKER_HOST"]
        else:
            hint = "start one with `sudo make docker-engine`, or set DOCKER_HOST=ssh://host"
            where = "the local socket (/var/run/docker.sock)"
        raise LaunchError(f"no Docker engine answers at {where}: {exc}; {hint}") from None
    return engine


def engine_host() -> str | None:
    """The host name of a remote engine from DOCKER_HOST, or None for a local one."""
    value = os.environ.get("DOCKER_HOST", "")
    if not value or value.startswith(("unix://", "npipe://")):
        return None
    host = urllib.parse.urlsplit(value).hostname
    if host in (None, "localhost", "127.0.0.1", "::1"):
        return None
    return host



def public_url(url: str) -> str:
    """A server's own address as the load side reaches it (the remote engine's host)."""
    remote = engine_host()
    override = os.environ.get("ARENA_DOCKER_URL_HOST") or remote
    parts = urllib.parse.urlsplit(url.rstrip("/"))
    if override and parts.hostname in ("0.0.0.0", "127.0.0.1", "::", "localhost"):
        return f"{parts.scheme}://{override}:{parts.port}"
    if parts.hostname == "0.0.0.0":
        return f"{parts.scheme}://127.0.0.1:{parts.port}"
    return url.rstrip("/")


def engine_port(host: str) -> int:
    """A port for a server that cannot report its own: probed free on a local engine."""
    if engine_host() is not None:
        return random.randint(20000, 29999)  # cannot probe a remote host; collisions fail loudly
    return free_port(host)

