"""PEP 3333 through the real server, in every mode: environ keys and types,
wsgi.input reads, streaming, write(), file_wrapper, close() always called,
exc_info rules, hop-by-hop refusal, app errors, wsgiref's validator, access log."""
from __future__ import annotations

import io
import json
import socket
import struct
import time
import uuid
from urllib.parse import urlsplit

import pytest

from conftest import MODES
from harness.verify import check
from pyserver_client import Client, Closed, chunked, get, request, wait_for
from workloads import contract

APPS = "fixture_apps:app"
VALIDATED = "fixture_validated:app"
STREAM_BODY = b"written-1;written-2;yielded-1;yielded-2;"
FILE_BYTES = bytes(range(256)) * 300


def token() -> str:
    return uuid.uuid4().hex


def closed_file(fixture_dir, tok):
    return fixture_dir / f"{tok}.closed"


# -- streaming, write(), close() ------------------------------------------------------

def test_streaming_is_chunked_on_http11_and_close_is_called(pyserver, mode, fixture_dir):
    server = pyserver(mode, APPS)
    tok = token()
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", f"/stream?token={tok}"))
        assert (resp.status, resp.chunked, resp.body) == (200, True, STREAM_BODY)
        assert resp.header("content-length") is None
        assert c.roundtrip(request("GET", "/hello")).status == 200   # keep-alive after chunked
    wait_for(lambda: closed_file(fixture_dir, tok).exists(), 5, what="close() of the iterable")


def test_streaming_is_close_delimited_on_http10(pyserver, mode, fixture_dir):
    server = pyserver(mode, APPS)
    tok = token()
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", f"/stream?token={tok}", version="1.0"))
        assert (resp.status, resp.close_delimited, resp.body) == (200, True, STREAM_BODY)
        assert resp.header("transfer-encoding") is None
    wait_for(lambda: closed_file(fixture_dir, tok).exists(), 5, what="close() of the iterable")


def test_close_is_called_when_the_client_goes_away_mid_stream(pyserver, mode, fixture_dir):
    server = pyserver(mode, APPS)
    tok = token()
    c = Client(server.url)
    c.send(request("GET", f"/slow-stream?token={tok}&n=100000&delay=0.005"))
    c.rfile.readline()                 # the status line: the stream has started
    # RST on close, so the server's next write fails at once
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    wait_for(lambda: closed_file(fixture_dir, tok).exists(), 10,
             what="close() after the client disconnected (the stream would run 500 s)")
    assert get(server.url, "/hello").status == 200


# -- file_wrapper -------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_file_wrapper_with_length(pyserver, mode, version):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/file", version=version))
        assert (resp.status, resp.header("content-length")) == (200, str(len(FILE_BYTES)))
        assert resp.body == FILE_BYTES


def test_file_wrapper_stops_at_the_apps_content_length(pyserver, mode):
    """PEP 3333: not more bytes than the app's Content-Length, sendfile or not."""
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/file?length=1000"))
        assert (resp.status, resp.body) == (200, FILE_BYTES[:1000])
        nxt = c.roundtrip(request("GET", "/hello"))     # no stray file bytes before it
        assert (nxt.status, nxt.body) == (200, b"Hello, World!")


def test_file_wrapper_without_length_is_chunked(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/file?length=0"))
        assert (resp.status, resp.chunked, resp.body) == (200, True, FILE_BYTES)
        head = c.roundtrip(request("HEAD", "/file"), "HEAD")
        assert (head.status, head.body) == (200, b"")
        assert c.roundtrip(request("GET", "/hello")).status == 200


# -- errors and start_response rules ------------------------------------------------------

def test_app_exception_is_a_500_without_traceback_and_the_server_goes_on(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/boom"))
        assert resp.status == 500
        assert b"Traceback" not in resp.body and b"boom" not in resp.body
    wait_for(lambda: "RuntimeError: boom" in server.log_path.read_text(errors="replace"), 5,
             what="the traceback in the server's stderr")
    assert "Traceback" in server.log_path.read_text(errors="replace")
    for _ in range(3):
        assert get(server.url, "/hello").status == 200


def test_exception_after_the_head_aborts_the_connection(pyserver, mode, fixture_dir):
    server = pyserver(mode, APPS)
    tok = token()
    with Client(server.url) as c:
        c.send(request("GET", f"/boom-late?token={tok}"))
        with pytest.raises(Closed):
            c.response()        # chunked body never terminated: the connection is cut
    wait_for(lambda: closed_file(fixture_dir, tok).exists(), 5, what="close() after the error")
    assert get(server.url, "/hello").status == 200


def test_start_response_with_exc_info_before_the_head_replaces_the_status(pyserver, mode):
    resp = get(pyserver(mode, APPS).url, "/exc-info")
    assert (resp.status, resp.body) == (503, b"unavailable")


def test_hop_by_hop_header_from_the_app_is_refused(pyserver, mode):
    resp = get(pyserver(mode, APPS).url, "/hop-by-hop")
    assert resp.status == 500 and b"should not be sent" not in resp.body


# -- environ -------------------------------------------------------------------------------

def test_environ_keys_and_types(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request(
            "POST", "/environ/caf%C3%A9%2Fx?a=%20b&c", body=b"abc",
            headers=[("Content-Type", "text/x-test"), ("X-Repeat", "1"), ("X-Repeat", "2"),
                     ("X_Sneaky", "dropped")]))
    assert resp.status == 200
    env = json.loads(resp.body)
    port = urlsplit(server.url).port

    def value(key):
        kind, shown = env[key]
        return kind, shown
    for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
                "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
                "REMOTE_ADDR", "REMOTE_PORT", "HTTP_HOST", "HTTP_X_REPEAT", "wsgi.url_scheme"):
        assert value(key)[0] == "str", key
    assert value("REQUEST_METHOD")[1] == "POST"
    assert value("SCRIPT_NAME")[1] == ""
    assert value("PATH_INFO")[1] == "/environ/caf\u00c3\u00a9/x"   # decoded bytes, as latin-1
    assert value("QUERY_STRING")[1] == "a=%20b&c"
    assert value("CONTENT_TYPE")[1] == "text/x-test"
    assert value("CONTENT_LENGTH")[1] == "3"
    assert value("SERVER_PORT")[1] == str(port)
    assert value("SERVER_PROTOCOL")[1] == "HTTP/1.1"
    assert [v.strip() for v in value("HTTP_X_REPEAT")[1].split(",")] == ["1", "2"]
    assert value("REMOTE_ADDR")[1] == "127.0.0.1" and value("REMOTE_PORT")[1].isdigit()
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    assert "HTTP_X_SNEAKY" not in env
    assert env["wsgi.version"] == ["tuple", [1, 0]]
    assert value("wsgi.url_scheme")[1] == "http"
    for key in ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"):
        assert value(key)[0] == "bool", key
    assert value("wsgi.multithread")[1] is (mode in ("threaded", "async"))
    assert value("wsgi.multiprocess")[1] is (mode == "forked")
    assert value("wsgi.run_once")[1] is False
    for name in ("input.read", "input.readline", "input.readlines", "input.__iter__",
                 "errors.write", "errors.writelines", "errors.flush"):
        assert env[name][0] == "True", name
    assert "wsgi.input" in env and "wsgi.errors" in env and "wsgi.file_wrapper" in env


def test_gevent_patches_only_in_async_mode(pyserver, mode):
    env = json.loads(get(pyserver(mode, APPS).url, "/environ").body)
    assert env["patched.socket"][1] is (mode == "async")


# -- wsgi.input ---------------------------------------------------------------------------

BODY = b"ab\ncd\n\nlast line without end"


def expected_reads(op: str) -> list[bytes]:
    f = io.BytesIO(BODY)
    if op == "read":
        return [f.read()]
    if op == "read3":
        out = []
        while True:
            out.append(f.read(3))
            if not out[-1]:
                return out
    if op == "readline":
        out = []
        while True:
            out.append(f.readline())
            if not out[-1]:
                return out
    if op == "readline2":
        return [f.readline(2), f.readline(2), f.readline()]
    if op == "readlines":
        return f.readlines()
    if op == "readlines-hint":
        return f.readlines(1)
    if op == "iter":
        return list(f)
    raise ValueError(op)


OPS = ["read", "read3", "readline", "readline2", "readlines", "readlines-hint", "iter"]


@pytest.mark.parametrize("framing", ["length", "chunked"])
@pytest.mark.parametrize("op", OPS)
def test_wsgi_input_reads(pyserver, mode, op, framing):
    server = pyserver(mode, APPS)
    if framing == "length":
        raw = request("POST", f"/body?op={op}", body=BODY)
    else:
        raw = request("POST", f"/body?op={op}", body=chunked(BODY[:5], BODY[5:9], BODY[9:]),
                      headers=[("Transfer-Encoding", "chunked")])
    with Client(server.url) as c:
        resp = c.roundtrip(raw)
        assert resp.status == 200
        assert [s.encode("latin-1") for s in json.loads(resp.body)] == expected_reads(op)
        assert c.roundtrip(request("GET", "/hello")).status == 200


def test_100_continue_is_sent_on_the_first_read(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        c.send(request("POST", "/body?op=read", headers=[("Expect", "100-continue"),
                                                         ("Content-Length", str(len(BODY)))]))
        assert c.response(expect_continue=True).status == 100
        c.send(BODY)
        resp = c.response()
        assert json.loads(resp.body) == [BODY.decode("latin-1")]


# -- wsgiref.validate ----------------------------------------------------------------------

def test_wsgiref_validator_finds_nothing(pyserver, mode):
    server = pyserver(mode, VALIDATED)
    checks = [e for e in contract.expectations() if not e.target.startswith("/upstream")]
    assert [m for e in checks for m in check(f"validated-{mode}", server.url, e)] == []
    with Client(server.url) as c:
        for target in ("/stream", "/file", "/environ"):
            resp = c.roundtrip(request("GET", target))
            assert resp.status == 200, (target, resp.body[:200])
        for op in ("read3", "readline", "readlines", "iter"):
            resp = c.roundtrip(request("POST", f"/body?op={op}", body=BODY))
            assert resp.status == 200, (op, resp.body[:200])
        head = c.roundtrip(request("HEAD", "/hello"), "HEAD")
        assert head.status == 200
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "WSGIWarning" not in log and "AssertionError" not in log


# -- access log ---------------------------------------------------------------------------

def test_access_log_only_when_asked(own_pyserver, mode):
    quiet = own_pyserver(mode)
    loud = own_pyserver(mode, "workloads.python.wsgi_app:app", "--access-log")
    for server in (quiet, loud):
        assert get(server.url, "/hello?x=1").status == 200
    wait_for(lambda: "/hello?x=1" in loud.log_path.read_text(), 5, what="an access log line")
    time.sleep(0.2)   # a line that should NOT appear has no event to wait on
    assert "/hello" not in quiet.log_path.read_text()


def test_async_patches_before_the_app_is_imported(pyserver):
    """An app that bound time.sleep at import (``from time import sleep``) still yields:
    the app must be imported after gevent patched, as gunicorn's gevent worker does."""
    import threading
    server = pyserver("async", APPS)
    results = []

    def one():
        results.append(get(server.url, "/bound-sleep?ms=300").status)
    threads = [threading.Thread(target=one, daemon=True) for _ in range(10)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [200] * 10
    assert time.monotonic() - t0 < 2.0, "10 x 300 ms ran one after another"


@pytest.mark.parametrize("kind", ["str-body", "twice", "no-start", "bad-status", "bad-header"])
def test_wsgi_misuse_is_a_500_and_the_server_goes_on(pyserver, mode, kind):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        c.send(request("GET", f"/misbehave?kind={kind}"))
        resp = c.response()
        assert resp.status == 500
        assert resp.header("x-injected") is None
    assert get(server.url, "/hello").status == 200


def test_close_that_raises_is_logged_and_the_response_stands(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/misbehave?kind=close-raises"))
        assert (resp.status, resp.body) == (200, b"fine")
    wait_for(lambda: "close() failed" in server.log_path.read_text(errors="replace"), 5,
             what="the close() traceback in stderr")
    assert get(server.url, "/hello").status == 200


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_one_mebibyte_echo(pyserver, mode, framing):
    server = pyserver(mode)
    body = bytes(range(256)) * 4096
    if framing == "length":
        raw = request("POST", "/echo", body=body)
    else:
        raw = request("POST", "/echo", body=chunked(*[body[i:i + 50_000]
                                                      for i in range(0, len(body), 50_000)]),
                      headers=[("Transfer-Encoding", "chunked")])
    with Client(server.url) as c:
        resp = c.roundtrip(raw)
        assert resp.status == 200 and resp.body == body


def test_absolute_form_target_and_latin1_header(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        c.send(b"GET http://example.test/environ/x?q=1 HTTP/1.1\r\nHost: example.test\r\n"
               b"X-Latin: caf\xe9\r\n\r\n")
        env = json.loads(c.response().body)
    assert env["PATH_INFO"][1] == "/environ/x" and env["QUERY_STRING"][1] == "q=1"
    assert env["HTTP_X_LATIN"][1] == "caf\u00e9"


def test_body_longer_than_its_content_length_is_cut_to_it(pyserver, mode):
    """PEP 3333: never send more than the app's Content-Length allows."""
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        resp = c.roundtrip(request("GET", "/misbehave?kind=cl-long"))
        assert (resp.status, resp.body) == (200, b"Hello")
        try:    # the connection may go on or close, but must not carry the extra bytes
            nxt = c.roundtrip(request("GET", "/hello"))
            assert (nxt.status, nxt.body) == (200, b"Hello, World!")
        except (Closed, ConnectionError):
            pass
    assert get(server.url, "/hello").status == 200


def test_body_shorter_than_its_content_length_closes_the_connection(pyserver, mode):
    server = pyserver(mode, APPS)
    with Client(server.url) as c:
        c.send(request("GET", "/misbehave?kind=cl-short"))
        with pytest.raises(Closed):
            c.response()
    assert get(server.url, "/hello").status == 200
