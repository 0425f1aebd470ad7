"""The workload contract as data: expected responses and the CPU kernel.

One source of truth for everything that checks a server against
``workloads/CONTRACT.md`` (contract tests, ``arena verify``) and for the
Python apps that implement it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

MASK32 = 0xFFFFFFFF
LCG_MULTIPLIER = 1103515245
LCG_INCREMENT = 12345

MAX_MS = 60_000
MAX_N = 100_000_000
MAX_ECHO_BYTES = 1 << 20
DEFAULT_UPSTREAM = "127.0.0.1:9100"

# The workloads, named by their endpoint paths.
WORKLOADS = ("hello", "json", "io", "cpu", "mixed", "upstream", "echo")


def kernel(n: int) -> int:
    """The contract's CPU kernel: a 32-bit LCG iterated ``n`` times from 0.

    The loop reads fresh copies of the constants, ints the calling thread owns. On
    free-threaded CPython every load of an int changes its reference count; for an object
    another thread owns that is an atomic operation on a cache line the threads share
    (PEP 703's biased reference counting, https://peps.python.org/pep-0703/#biased-reference-counting),
    so two threads looping over the module's own ints ran slower together than one alone.
    Code constants are immortal there only when the module was loaded from a .pyc: the
    builtin compile(), which importing from source uses, keeps them mortal (CPython 3.13,
    https://github.com/python/cpython/blob/v3.13.5/Python/bltinmodule.c#L867-L880, gh-118527;
    https://github.com/python/cpython/blob/v3.13.5/Objects/codeobject.c#L271-L291).
    """
    mul, inc, mask = _owned(LCG_MULTIPLIER), _owned(LCG_INCREMENT), _owned(MASK32)
    x = 0
    for _ in range(n):
        x = (x * mul + inc) & mask
    return x


def _owned(value: int) -> int:
    """A new int equal to ``value``, created (and so owned) by the calling thread."""
    return int(str(value))


def dumps(obj) -> bytes:
    """JSON exactly as the contract spells it: no spaces, no newline."""
    return json.dumps(obj, separators=(",", ":")).encode()


def io_body(ms: int) -> bytes:
    return dumps({"ms": ms})


def cpu_body(n: int, result: int) -> bytes:
    return dumps({"n": n, "result": result})


def mixed_body(ms: int, n: int, result: int) -> bytes:
    return dumps({"ms": ms, "n": n, "result": result})


HELLO_BODY = b"Hello, World!"
JSON_BODY = dumps({"message": "Hello, World!"})
NOT_FOUND_BODY = b"Not Found"
UPSTREAM_ERROR_BODY = b"upstream error"
TOO_LARGE_BODY = b"Payload Too Large"


def bad_parameter_body(name: str) -> bytes:
    return f"bad parameter: {name}".encode()


@dataclass(frozen=True)
class Expected:
    """One request and the exact response the contract demands for it."""

    method: str
    target: str
    status: int
    content_type: str
    body: bytes
    request_body: bytes = b""


def expectations(*, cpu_n: int = 1000, io_ms: int = 5) -> list[Expected]:
    """Every check ``arena verify`` and the contract tests run.

    ``/upstream`` is listed too; a checker that has no delay service running
    filters it out by target.
    """
    echo = bytes(range(256)) * 4
    return [
        Expected("GET", "/hello", 200, "text/plain", HELLO_BODY),
        Expected("GET", "/json", 200, "application/json", JSON_BODY),
        Expected("GET", f"/io?ms={io_ms}", 200, "application/json", io_body(io_ms)),
        Expected("GET", "/io?ms=0", 200, "application/json", io_body(0)),
        Expected("GET", f"/cpu?n={cpu_n}", 200, "application/json", cpu_body(cpu_n, kernel(cpu_n))),
        Expected("GET", "/cpu?n=0", 200, "application/json", cpu_body(0, 0)),
        # parameters are form-decoded before the digit check: %31 is "1"
        Expected("GET", "/cpu?n=%31", 200, "application/json", cpu_body(1, kernel(1))),
        Expected("GET", f"/mixed?ms={io_ms}&n={cpu_n}", 200, "application/json",
                 mixed_body(io_ms, cpu_n, kernel(cpu_n))),
        Expected("GET", f"/upstream?ms={io_ms}", 200, "application/json", io_body(io_ms)),
        Expected("POST", "/echo", 200, "application/octet-stream", echo, request_body=echo),
        Expected("POST", "/echo", 200, "application/octet-stream", b"", request_body=b""),
        Expected("GET", "/io?ms=abc", 400, "text/plain", bad_parameter_body("ms")),
        Expected("GET", "/io", 400, "text/plain", bad_parameter_body("ms")),
        Expected("GET", "/io?ms=-1", 400, "text/plain", bad_parameter_body("ms")),
        Expected("GET", f"/io?ms={MAX_MS + 1}", 400, "text/plain", bad_parameter_body("ms")),
        Expected("GET", "/cpu?n=1e3", 400, "text/plain", bad_parameter_body("n")),
        Expected("GET", f"/cpu?n={MAX_N + 1}", 400, "text/plain", bad_parameter_body("n")),
        Expected("GET", "/mixed?ms=1", 400, "text/plain", bad_parameter_body("n")),
        Expected("GET", "/nope", 404, "text/plain", NOT_FOUND_BODY),
    ]
