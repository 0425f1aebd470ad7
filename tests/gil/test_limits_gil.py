"""The CPU ceiling follows the GIL state read back from the server: one core per process
with the GIL, one per thread (up to the cores) without it."""
from __future__ import annotations

import pytest

from harness import limits


@pytest.mark.parametrize("workers, threads, cores, gil_enabled, expected", [
    (1, 256, 2, True, 1),      # pyserver-threaded on the standard build: the GIL
    (1, 256, 2, False, 2),     # the same server, GIL off: every core
    (1, 1, 2, False, 1),       # one thread cannot use two cores, GIL or not
    (2, 1, 2, False, 2),       # forked: one per process either way
    (2, 1, 2, True, 2),
    (1, 16, 8, False, 8),
])
def test_python_cpu_parallelism_follows_the_gil(workers, threads, cores, gil_enabled, expected):
    assert limits.cpu_parallelism("python", workers, cores, gil_enabled=gil_enabled,
                                  threads=threads) == expected


def test_only_python_has_a_gil_to_lose():
    assert limits.cpu_parallelism("node", 1, 2, gil_enabled=False, threads=4) == 1
    assert limits.cpu_parallelism("go", 1, 2, gil_enabled=True, threads=1) == 2


def test_cpu_limit_of_a_gil_free_threaded_server_is_the_cores():
    common = dict(model="threaded", runtime="python", workers=1, threads=256, cores=2,
                  connections=16, cpu_service_s=0.001)
    with_gil = limits.limit(**common, seen={"gil_enabled": True})     # as the server reported
    without = limits.limit(**common, seen={"gil_enabled": False})
    assert (with_gil.kind, with_gil.rps) == ("cpu", pytest.approx(1000))
    assert (without.kind, without.rps) == ("cpu", pytest.approx(2000))
