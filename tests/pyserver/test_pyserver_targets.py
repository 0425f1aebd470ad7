"""Request targets through the real server, in every mode (RFC 9112 §3.2): each form
reaches the app only with the methods it belongs to, and an absolute-form target fills
the environ as its origin-form would, with its authority as HTTP_HOST (RFC 9112 §3.2.2)."""
from __future__ import annotations

import json

import pytest

from pyserver_client import Client

APPS = "fixture_apps:app"


def answer(server, raw: bytes):
    with Client(server.url) as c:
        resp = c.roundtrip(raw)
        return resp, c.is_closed(timeout=5.0) if resp.status == 400 else None


def test_absolute_form_fills_the_environ_and_overrides_host(pyserver, mode):
    server = pyserver(mode, APPS)
    resp, _ = answer(server, b"GET http://example.test:8080/environ/a%2Fb?q=1 HTTP/1.1\r\n"
                             b"Host: other.test\r\nConnection: close\r\n\r\n")
    env = {k: v[1] for k, v in json.loads(resp.body).items()}
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"], env["HTTP_HOST"]) == \
        ("", "/environ/a/b", "q=1", "example.test:8080")


def test_absolute_form_gives_host_to_an_http10_request_without_one(pyserver, mode):
    server = pyserver(mode, APPS)
    resp, _ = answer(server, b"GET HTTPS://Example.TEST/environ HTTP/1.0\r\n\r\n")
    env = {k: v[1] for k, v in json.loads(resp.body).items()}
    assert (env["PATH_INFO"], env["QUERY_STRING"], env["HTTP_HOST"]) == \
        ("/environ", "", "Example.TEST")


@pytest.mark.parametrize("line", [b"OPTIONS * HTTP/1.1", b"CONNECT example.test:443 HTTP/1.1",
                                  b"OPTIONS /hello HTTP/1.1"])
def test_each_form_reaches_the_app_with_its_method(pyserver, mode, line):
    server = pyserver(mode, APPS)
    resp, _ = answer(server, line + b"\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert resp.status in (200, 404)    # the app's answer: the fixture app routes by path


@pytest.mark.parametrize("line", [
    b"GET * HTTP/1.1",                     # asterisk-form is for OPTIONS only
    b"GET example.test:443 HTTP/1.1",      # authority-form is for CONNECT only
    b"CONNECT /hello HTTP/1.1",            # and CONNECT takes nothing else
    b"GET hello HTTP/1.1",                 # origin-form starts with "/"
    b"GET /hello#frag HTTP/1.1",           # a fragment is never sent
    b"GET ftp://h/hello HTTP/1.1",         # we serve http(s) URIs only
])
def test_a_target_out_of_its_context_is_a_400_that_closes(pyserver, mode, line):
    server = pyserver(mode, APPS)
    resp, closed = answer(server, line + b"\r\nHost: h\r\n\r\n")
    assert resp.status == 400 and resp.header("connection") == "close" and closed


def test_an_invalid_host_is_a_400(pyserver, mode):
    server = pyserver(mode, APPS)
    resp, closed = answer(server, b"GET /hello HTTP/1.1\r\nHost: a/b\r\n\r\n")
    assert resp.status == 400 and closed
