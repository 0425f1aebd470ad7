"""Processes and signals: graceful SIGTERM (in-flight requests finish, exit 0)
in every mode, fast SIGINT, and the forked master's supervision: a killed
worker is replaced, a stuck one is killed after --timeout, SIGTTIN/SIGTTOU
add and remove a worker, SIGHUP replaces them all; --workers N in threaded
and async modes runs N processes under the same master."""
from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid

import pytest

from conftest import MODES
from harness.launch.native import process_tree
from pyserver_client import Client, Closed, get, request, wait_for

APPS = "fixture_apps:app"


def workers(server) -> set[int]:
    """The master's live child processes."""
    return {p for p in process_tree(server.pid) if p != server.pid and _ppid(p) == server.pid}


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def exited(server, timeout: float) -> int:
    wait_for(lambda: server.returncode is not None, timeout, what="the server to exit")
    return server.returncode


class InFlight(threading.Thread):
    """One request on its own connection, answered (or not) in the background."""

    def __init__(self, url: str, target: str):
        super().__init__(daemon=True)
        self.url, self.target = url, target
        self.response = None
        self.error = None

    def run(self):
        try:
            with Client(self.url, timeout=15) as c:
                self.response = c.roundtrip(request("GET", self.target))
        except (OSError, Closed) as exc:
            self.error = exc


def start_sleeper(server, tmp_path, ms: int) -> InFlight:
    tok = uuid.uuid4().hex
    req = InFlight(server.url, f"/sleep?ms={ms}&token={tok}")
    req.start()
    wait_for(lambda: (tmp_path / f"{tok}.started").exists(), 10, what="the request to start")
    return req


@pytest.mark.parametrize("mode", MODES)
def test_sigterm_is_graceful(own_pyserver, tmp_path, mode):
    server = own_pyserver(mode, APPS, "--graceful-timeout", "10")
    req = start_sleeper(server, tmp_path, 500)
    os.kill(server.pid, signal.SIGTERM)
    req.join(10)
    assert req.error is None and req.response is not None
    assert (req.response.status, json.loads(req.response.body)) == (200, {"ms": 500})
    assert exited(server, 10) == 0
    assert process_tree(server.pid, server.pgid) == []


@pytest.mark.parametrize("mode", MODES)
def test_sigterm_stops_accepting_and_closes_idle_connections(own_pyserver, tmp_path, mode):
    server = own_pyserver(mode, APPS, "--graceful-timeout", "10")
    idle = Client(server.url)
    assert idle.roundtrip(request("GET", "/hello")).status == 200
    req = start_sleeper(server, tmp_path, 800)
    os.kill(server.pid, signal.SIGTERM)
    assert idle.is_closed(5.0)        # an idle keep-alive connection is not waited for
    req.join(10)
    assert req.response is not None and req.response.status == 200
    assert exited(server, 10) == 0
    with pytest.raises(OSError):
        get(server.url, "/hello")
    idle.close()


@pytest.mark.parametrize("mode", MODES)
def test_sigint_is_fast(own_pyserver, tmp_path, mode):
    server = own_pyserver(mode, APPS, "--graceful-timeout", "30")
    req = start_sleeper(server, tmp_path, 20_000)
    t0 = time.monotonic()
    os.kill(server.pid, signal.SIGINT)
    exited(server, 10)
    assert time.monotonic() - t0 < 5.0
    req.join(5)
    assert req.response is None      # not waited for


# -- the forked master ---------------------------------------------------------------------

def test_kill_9_of_a_worker_is_replaced(own_pyserver):
    server = own_pyserver("forked", APPS, "--workers", "2")
    before = workers(server)
    assert len(before) == 2
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    def replaced():
        now = workers(server)
        return now if len(now) == 2 and victim not in now else None
    after = wait_for(replaced, 10, what="a replacement worker")
    assert victim not in after and len(after & before) == 1
    for _ in range(4):
        assert get(server.url, "/hello").status == 200


def test_ttin_adds_and_ttou_removes_a_worker(own_pyserver):
    server = own_pyserver("forked", APPS, "--workers", "2")
    assert len(workers(server)) == 2
    os.kill(server.pid, signal.SIGTTIN)
    wait_for(lambda: len(workers(server)) == 3, 10, what="a third worker")
    assert get(server.url, "/hello").status == 200
    os.kill(server.pid, signal.SIGTTOU)
    wait_for(lambda: len(workers(server)) == 2, 10, what="back to two workers")
    assert get(server.url, "/hello").status == 200


def test_hup_replaces_every_worker(own_pyserver):
    server = own_pyserver("forked", APPS, "--workers", "2", "--graceful-timeout", "5")
    before = workers(server)
    os.kill(server.pid, signal.SIGHUP)
    wait_for(lambda: len(w := workers(server)) == 2 and not (w & before), 15,
             what="two new workers")
    for _ in range(4):
        assert get(server.url, "/hello").status == 200
    assert server.alive()


def test_a_stuck_worker_is_killed_after_timeout_and_replaced(own_pyserver, tmp_path):
    server = own_pyserver("forked", APPS, "--workers", "1", "--timeout", "2")
    before = workers(server)
    req = start_sleeper(server, tmp_path, 30_000)   # blocks the only worker's one thread
    t0 = time.monotonic()
    req.join(15)
    assert req.response is None                     # its worker was killed
    assert time.monotonic() - t0 < 10.0
    wait_for(lambda: len(w := workers(server)) == 1 and not (w & before), 10,
             what="a replacement worker")
    assert get(server.url, "/hello").status == 200


@pytest.mark.parametrize("mode, args", [("threaded", ["--threads", "4"]), ("async", [])])
def test_workers_in_other_modes_run_under_a_master(own_pyserver, mode, args):
    server = own_pyserver(mode, APPS, "--workers", "2", *args)
    assert len(workers(server)) == 2
    env = json.loads(get(server.url, "/environ").body)
    assert env["wsgi.multiprocess"][1] is True
    assert env["patched.socket"][1] is (mode == "async")
    victim = min(workers(server))
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(w := workers(server)) == 2 and victim not in w, 10,
             what="a replacement worker")
    assert get(server.url, "/hello").status == 200
    os.kill(server.pid, signal.SIGTERM)
    assert exited(server, 15) == 0
