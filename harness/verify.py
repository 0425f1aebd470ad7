"""Check a running server against the workload contract, byte for byte.

Nothing is measured on a server that fails here: a broken endpoint must never
"win" a benchmark (TechEmpower's verify-before-measure). A user's own app has no
contract: its health check is that the path it is measured on answers 2xx.
"""
from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from harness import app
from harness.specs import Mismatch, VerifyReport
from workloads import contract


def _fetch(url: str, expected: contract.Expected, timeout: float):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/octet-stream"} if expected.method == "POST" else {}
        conn.request(expected.method, expected.target, body=expected.request_body or None,
                     headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), \
            response.getheader("Content-Length"), response.read()
    finally:
        conn.close()


def _show(body: bytes, limit: int = 80) -> str:
    text = repr(body[:limit])
    return text + (f"... ({len(body)} bytes)" if len(body) > limit else "")


def check(server: str, url: str, expected: contract.Expected, timeout: float = 10.0) -> list[Mismatch]:
    """The ways one endpoint's answer differs from the contract (empty: it matches)."""
    endpoint = f"{expected.method} {expected.target}"
    try:
        status, content_type, length, body = _fetch(url, expected, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return [Mismatch(server, endpoint, "response", "an HTTP response", f"{type(exc).__name__}: {exc}")]
    found = []
    if status != expected.status:
        found.append(Mismatch(server, endpoint, "status", str(expected.status), str(status)))
    if content_type != expected.content_type:
        found.append(Mismatch(server, endpoint, "Content-Type", repr(expected.content_type), repr(content_type)))
    if length != str(len(body)):
        found.append(Mismatch(server, endpoint, "Content-Length", str(len(body)), repr(length)))
    if body != expected.body:
        found.append(Mismatch(server, endpoint, "body", _show(expected.body), _show(body)))
    return found


def verify(server: str, url: str, *, workloads: tuple[str, ...] | None = None,
           with_upstream: bool = True, cpu_n: int = 1000, io_ms: int = 5) -> VerifyReport:
    """Run every contract check that applies to ``server`` at ``url``."""
    skipped = set(contract.WORKLOADS) - set(workloads or contract.WORKLOADS)
    if not with_upstream:
        skipped.add("upstream")
    checks = [e for e in contract.expectations(cpu_n=cpu_n, io_ms=io_ms)
              if e.target.split("?", 1)[0].strip("/") not in skipped]
    mismatches = [m for e in checks for m in check(server, url, e)]
    return VerifyReport(server=server, checked=len(checks), mismatches=tuple(mismatches))



def health(server: str, url: str, path: str) -> VerifyReport:
    """A user app's check in place of the contract: ``GET path`` answers 2xx."""
    status, body = app.answer(url, path)
    if app.healthy(status):
        return VerifyReport(server=server, checked=1)
    got = f"{status} {body!r}" if status is not None else body
    return VerifyReport(server=server, checked=1,
                        mismatches=(Mismatch(server, f"GET {path}", "status", "2xx", got),))
