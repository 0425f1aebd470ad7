"""The workload contract, byte for byte (harness.verify's own check: status,
Content-Type, Content-Length, body), for the plain WSGI app and the Flask app
in every mode; /upstream needs the delay service and is left to arena verify."""
from __future__ import annotations

import pytest

from conftest import FLASK_APP, MODES, WSGI_APP
from harness.verify import check
from pyserver_client import Client, request
from workloads import contract

EXPECTED = [e for e in contract.expectations() if not e.target.startswith("/upstream")]


@pytest.mark.parametrize("app", [WSGI_APP, FLASK_APP], ids=["wsgi", "flask"])
@pytest.mark.parametrize("mode", MODES)
def test_contract(pyserver, mode, app):
    server = pyserver(mode, app)
    mismatches = [m for e in EXPECTED for m in check(f"pyserver-{mode}", server.url, e)]
    assert mismatches == []


@pytest.mark.parametrize("mode", MODES)
def test_every_response_has_date_and_server(pyserver, mode):
    server = pyserver(mode)
    with Client(server.url) as c:
        for e in EXPECTED:
            resp = c.roundtrip(request(e.method, e.target, body=e.request_body), e.method)
            assert resp.status == e.status and resp.body == e.body
            assert resp.header("date", ).endswith(" GMT") and resp.header("server")
            assert resp.header_names().count("date") == 1
