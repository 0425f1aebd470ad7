"""The contract's data (contract.py) agrees with its prose (CONTRACT.md), and the
Python apps serve it, checked in-process through wsgiref's validator."""
from __future__ import annotations

import io
import re
from pathlib import Path
from wsgiref.validate import validator

import pytest

from workloads import contract
from workloads.python import django_app, flask_app, wsgi_app
from workloads.python.params import BadParameter, int_param

CONTRACT_MD = Path(__file__).resolve().parents[2] / "workloads" / "CONTRACT.md"


def documented_check_values() -> dict[int, int]:
    text = CONTRACT_MD.read_text()
    section = text.split("## The CPU kernel", 1)[1].split("##", 1)[0]
    return {int(n): int(r) for n, r in re.findall(r"^\| (\d+) \| (\d+) \|$", section, re.M)}


def test_kernel_matches_the_documented_check_values():
    values = documented_check_values()
    assert len(values) >= 5
    for n, expected in values.items():
        assert contract.kernel(n) == expected, n


def test_kernel_stays_inside_32_bits():
    assert all(0 <= contract.kernel(n) <= contract.MASK32 for n in range(200))


@pytest.mark.parametrize("query, expected", [
    ("ms=5", 5), ("ms=0", 0), ("ms=007", 7), ("x=1&ms=3&ms=9", 3), ("ms=60000", 60000),
])
def test_int_param_accepts(query, expected):
    assert int_param(query, "ms", contract.MAX_MS) == expected


@pytest.mark.parametrize("query", [
    "", "ms=", "ms=-1", "ms=+1", "ms=1e3", "ms= 1", "ms=60001", "ms=1234567890", "other=1",
])
def test_int_param_rejects(query):
    with pytest.raises(BadParameter):
        int_param(query, "ms", contract.MAX_MS)


def call(app, expected: contract.Expected):
    path, _, query = expected.target.partition("?")
    environ = {
        "REQUEST_METHOD": expected.method, "SCRIPT_NAME": "", "PATH_INFO": path,
        "QUERY_STRING": query, "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1:80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(expected.request_body), "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(expected.request_body)),
    }
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)
    result = validator(app)(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return int(captured["status"].split()[0]), captured["headers"], body


APPS = [wsgi_app.app, flask_app.app, django_app.app]
OFFLINE = [e for e in contract.expectations() if not e.target.startswith("/upstream")]


@pytest.mark.parametrize("app", APPS, ids=["wsgi", "flask", "django"])
@pytest.mark.parametrize("expected", OFFLINE, ids=lambda e: f"{e.method} {e.target}")
def test_python_apps_serve_the_contract(app, expected):
    status, headers, body = call(app, expected)
    assert (status, headers["Content-Type"], body) == (
        expected.status, expected.content_type, expected.body)
    assert headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize("app", APPS, ids=["wsgi", "flask", "django"])
@pytest.mark.parametrize("method, target", [
    ("POST", "/hello"), ("PUT", "/json"), ("DELETE", "/io?ms=1"), ("GET", "/echo"),
    ("GET", "/hello/"), ("GET", "/"),
])
def test_other_methods_and_paths_are_not_found(app, method, target):
    status, headers, body = call(app, contract.Expected(method, target, 404, "text/plain",
                                                        contract.NOT_FOUND_BODY))
    assert (status, headers["Content-Type"], body) == (404, "text/plain", contract.NOT_FOUND_BODY)


def test_upstream_unreachable_is_502(monkeypatch):
    from workloads.python import handlers
    monkeypatch.setenv("ARENA_UPSTREAM", "127.0.0.1:1")
    monkeypatch.setattr(handlers, "_pool", None)
    status, headers, body = call(wsgi_app.app, contract.Expected(
        "GET", "/upstream?ms=1", 502, "text/plain", contract.UPSTREAM_ERROR_BODY))
    assert (status, body) == (502, contract.UPSTREAM_ERROR_BODY)
