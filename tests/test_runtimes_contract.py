"""The Go and Node servers serve the contract byte for byte.

Each server (bin/arena-go and servers/node's http.js, cluster.js, express.js)
and the upstream delay service (bin/arena-upstream) runs as a real process on
port 0, in its own process group; its READY line says where it listens. Every
entry of ``workloads.contract.expectations()`` is checked over HTTP/1.1 with
http.client: status, Content-Type, Content-Length and body.

Build first with ``make runtimes``. Without the builds these tests skip, except
under ``make test``, which sets ARENA_REQUIRE_RUNTIMES=1 so they must run.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import catalog
from workloads import contract

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "bin"
NODE_DIR = ROOT / "servers" / "node"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
REQUIRED = os.environ.get("ARENA_REQUIRE_RUNTIMES") == "1"
_FIELD = re.compile(r"(\w+)=(\S+)")


@dataclass
class Running:
    name: str
    proc: subprocess.Popen
    pgid: int
    ready_line: str
    fields: dict[str, str]
    log_path: Path

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.fields["address"].removeprefix("http://").rpartition(":")
        return host.strip("[]"), int(port)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def _missing(*paths: Path, tools: tuple[str, ...] = ()) -> str | None:
    for path in paths:
        if not path.exists():
            return f"{path.relative_to(ROOT)} is missing; run `make runtimes`"
    for tool in tools:
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    return None


def _require(reason: str | None) -> None:
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


def _read_ready_line(proc: subprocess.Popen, deadline: float) -> str:
    """The first stdout line, waiting at most until ``deadline`` (no sleeping)."""
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no READY line within {READY_TIMEOUT:.0f} s (got {buf!r})")
            if not sel.select(remaining):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"exited with {proc.wait(timeout=STOP_TIMEOUT)} before READY "
                                   f"(got {buf!r})")
            buf += chunk
    return buf.split(b"\n", 1)[0].decode()


def _stop(run: Running) -> int | None:
    """SIGTERM to the server's own process group (never ours), then wait; SIGKILL if stuck."""
    if run.pgid == os.getpgrp():  # start_new_session makes this impossible; be sure anyway
        raise RuntimeError("refusing to signal the test runner's own process group")
    try:
        os.killpg(run.pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return run.proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(run.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        run.proc.wait(timeout=STOP_TIMEOUT)
        return None
    finally:
        if run.proc.stdout:
            run.proc.stdout.close()


def _start(name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> Running:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    run = Running(name, proc, proc.pid, "", {}, log_path)  # own session: its pgid is its pid
    try:
        run.ready_line = _read_ready_line(proc, time.monotonic() + READY_TIMEOUT)
        if not run.ready_line.startswith("READY "):
            raise RuntimeError(f"first line is not READY: {run.ready_line!r}")
        run.fields = dict(_FIELD.findall(run.ready_line))
    except BaseException as exc:
        _stop(run)
        pytest.fail(f"{name} did not start: {exc}\n{run.log()}")
    return run


@pytest.fixture(scope="module")
def log_dir():
    with tempfile.TemporaryDirectory(prefix="arena-runtimes-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def upstream(log_dir):
    _require(_missing(BIN / "arena-upstream"))
    run = _start("upstream", [str(BIN / "arena-upstream"), "-addr", "127.0.0.1:0"], {}, log_dir)
    try:
        yield run
    finally:
        _stop(run)


# name -> (argv, extra env, what must exist, tools, READY fields to expect)
SERVERS = {
    "go": ([str(BIN / "arena-go"), "-addr", "127.0.0.1:0"], {}, (BIN / "arena-go",), (),
           {"runtime": "go"}),
    "node-http": (["node", "servers/node/http.js", "--addr", "127.0.0.1:0"], {}, (), ("node",),
                  {"runtime": "node", "model": "event-loop", "workers": "1"}),
    "node-cluster": (["node", "servers/node/cluster.js", "--addr", "127.0.0.1:0"],
                     {"ARENA_WORKERS": "2"}, (), ("node",),
                     {"runtime": "node", "model": "cluster", "workers": "2"}),
    # with the catalog's environment (NODE_ENV=production), as the benchmarks run it
    "node-express": (["node", "servers/node/express.js", "--addr", "127.0.0.1:0"],
                     dict(catalog.get("node-express").env),
                     (NODE_DIR / "node_modules" / ".installed",), ("node",),
                     {"runtime": "node", "model": "express", "workers": "1"}),
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request, upstream, log_dir):
    argv, env, needs, tools, _ = SERVERS[request.param]
    _require(_missing(*needs, tools=tools))
    host, port = upstream.host_port
    run = _start(request.param, argv, {**env, "ARENA_UPSTREAM": f"{host}:{port}"}, log_dir)
    try:
        yield run
    finally:
        code = _stop(run)
        assert code == 0, f"{run.name} exited with {code} on SIGTERM\n{run.log()}"


def _exchange(run: Running, method: str, target: str, body: bytes | None = None):
    host, port = run.host_port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, target, body=body)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), \
            response.getheader("Content-Length"), response.read()
    finally:
        conn.close()


EXPECTATIONS = contract.expectations()


@pytest.mark.parametrize("expected", EXPECTATIONS,
                         ids=[f"{e.method} {e.target} {len(e.request_body)}" for e in EXPECTATIONS])
def test_contract_byte_for_byte(server, expected):
    body = expected.request_body if expected.method == "POST" else None
    status, content_type, length, got = _exchange(server, expected.method, expected.target, body)
    assert (status, content_type, length, got) == (
        expected.status, expected.content_type, str(len(expected.body)), expected.body), server.log()


def test_echo_limit(server):
    exact = bytes(range(256)) * (contract.MAX_ECHO_BYTES // 256)
    assert _exchange(server, "POST", "/echo", exact) == (
        200, "application/octet-stream", str(len(exact)), exact)
    assert _exchange(server, "POST", "/echo", exact + b"x") == (
        413, "text/plain", str(len(contract.TOO_LARGE_BODY)), contract.TOO_LARGE_BODY)


def test_kernel_check_values(server):
    for n in (0, 1, 2, 1000, 1_000_000):
        assert _exchange(server, "GET", f"/cpu?n={n}")[3] == contract.cpu_body(n, contract.kernel(n))


def test_ready_line_and_info(server):
    expected_fields = SERVERS[server.name][4]
    assert {k: server.fields.get(k) for k in expected_fields} == expected_fields
    assert server.fields["pid"] == str(server.proc.pid)
    status, content_type, _, body = _exchange(server, "GET", "/_arena/info")
    assert (status, content_type) == (200, "application/json")
    info = json.loads(body)
    assert info["runtime"] == server.fields["runtime"]
    assert info["pid"] == server.proc.pid
    keys = ("gomaxprocs", "numcpu") if info["runtime"] == "go" else ("workers", "availableParallelism")
    for key in keys:
        assert str(info[key]) == server.fields[key]


def test_upstream_unreachable(log_dir):
    """/upstream answers 502 when nothing listens at ARENA_UPSTREAM."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"  # closed again before anyone calls it
    for name in ("go", "node-http"):
        argv, env, needs, tools, _ = SERVERS[name]
        _require(_missing(*needs, tools=tools))
        run = _start(f"{name}-dead-upstream", argv, {**env, "ARENA_UPSTREAM": dead}, log_dir)
        try:
            assert _exchange(run, "GET", "/upstream?ms=1") == (
                502, "text/plain", str(len(contract.UPSTREAM_ERROR_BODY)), contract.UPSTREAM_ERROR_BODY)
        finally:
            assert _stop(run) == 0


def test_upstream_service(upstream):
    """The delay service itself: the body, the wait, the parameter rules."""
    started = time.monotonic()
    assert _exchange(upstream, "GET", "/delay?ms=50") == (200, "application/json", "9", b'{"ms":50}')
    assert time.monotonic() - started >= 0.05
    assert _exchange(upstream, "GET", "/delay?ms=60001")[:2] == (400, "text/plain")
    assert _exchange(upstream, "GET", "/nope")[:2] == (404, "text/plain")
