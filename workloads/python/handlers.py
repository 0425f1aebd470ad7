"""The contract's endpoints as plain functions, shared by the WSGI, Flask and Django apps.

Each handler takes the query string (and body) and returns
``(status, content_type, body)``; the apps only adapt that to their framework,
so both serve identical bytes.
"""
from __future__ import annotations

import http.client
import json
import os
import sys
import sysconfig
import threading
import time

from workloads import contract
from workloads.python.params import BadParameter, int_param

Reply = tuple[int, str, bytes]
TEXT = "text/plain"
JSON = "application/json"


def hello(query: str) -> Reply:
    return 200, TEXT, contract.HELLO_BODY


def json_(query: str) -> Reply:
    return 200, JSON, contract.JSON_BODY


def io(query: str) -> Reply:
    ms = int_param(query, "ms", contract.MAX_MS)
    time.sleep(ms / 1000)  # a blocking wait: async mode's patching makes it yield
    return 200, JSON, contract.io_body(ms)


def cpu(query: str) -> Reply:
    n = int_param(query, "n", contract.MAX_N)
    return 200, JSON, contract.cpu_body(n, contract.kernel(n))


def mixed(query: str) -> Reply:
    ms = int_param(query, "ms", contract.MAX_MS)
    n = int_param(query, "n", contract.MAX_N)
    time.sleep(ms / 1000)
    return 200, JSON, contract.mixed_body(ms, n, contract.kernel(n))


class _UpstreamPool:
    """A small keep-alive pool of blocking http.client connections.

    Blocking on purpose: the threaded and forked modes block a thread, the
    async mode's monkey-patching turns the same socket calls into yields.
    """

    def __init__(self, address: str):
        host, _, port = address.rpartition(":")
        self._host, self._port = host, int(port)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def get(self, path: str) -> bytes:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        for attempt in (1, 2):  # a pooled connection may have been closed by the peer
            if conn is None:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=70)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise OSError(f"upstream status {response.status}")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                if attempt == 2:
                    raise
                continue
            with self._lock:
                self._idle.append(conn)
            return body
        raise AssertionError("unreachable")


_pool: _UpstreamPool | None = None


def upstream(query: str) -> Reply:
    global _pool
    ms = int_param(query, "ms", contract.MAX_MS)
    if _pool is None:
        _pool = _UpstreamPool(os.environ.get("ARENA_UPSTREAM", contract.DEFAULT_UPSTREAM))
    try:
        body = _pool.get(f"/delay?ms={ms}")
    except (OSError, http.client.HTTPException):
        return 502, TEXT, contract.UPSTREAM_ERROR_BODY
    return 200, JSON, body


def arena_info(query: str) -> Reply:
    """GET /_arena/info (introspection, not the contract): the GIL as the process serving
    this request has it now. Read per request, because importing an extension module not
    marked free-threading safe turns the GIL back on at run time
    (https://docs.python.org/3.13/howto/free-threading-python.html)."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)   # 3.13+
    info = {"runtime": "python", "pid": os.getpid(),
            "python_version": ".".join(map(str, sys.version_info[:3])),
            "python_build": "free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "default",
            "gil_enabled": is_gil_enabled() if is_gil_enabled else True}
    return 200, JSON, json.dumps(info, separators=(",", ":")).encode()


GET_ROUTES = {
    "/hello": hello,
    "/json": json_,
    "/io": io,
    "/cpu": cpu,
    "/mixed": mixed,
    "/upstream": upstream,
    "/_arena/info": arena_info,
}


def answer_get(handler, method: str, query: str) -> Reply:
    """One GET endpoint: 404 for another method, 400 for a bad parameter."""
    if method not in ("GET", "HEAD"):
        return not_found()
    try:
        return handler(query)
    except BadParameter as exc:
        return 400, TEXT, contract.bad_parameter_body(exc.name)


def answer_echo(method: str, read_body) -> Reply:
    """``POST /echo``: the body back, 413 past the limit; ``read_body(limit)`` reads it."""
    if method != "POST":
        return not_found()
    body = read_body(contract.MAX_ECHO_BYTES + 1)
    if len(body) > contract.MAX_ECHO_BYTES:
        return 413, TEXT, contract.TOO_LARGE_BODY
    return 200, "application/octet-stream", body


def not_found() -> Reply:
    return 404, TEXT, contract.NOT_FOUND_BODY


def dispatch(method: str, path: str, query: str, read_body) -> Reply:
    """Route one request; ``read_body(limit)`` is called only for ``POST /echo``."""
    if path == "/echo":
        return answer_echo(method, read_body)
    # `in` and [], not .get(): on free-threaded 3.13 dict.get locks the shared
    # table and every server thread queues on it (docs/free-threading.md).
    handler = GET_ROUTES[path] if path in GET_ROUTES else None
    if handler is None:
        return not_found()
    return answer_get(handler, method, query)
