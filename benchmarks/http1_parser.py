"""Benchmark: our pure-Python HTTP/1.1 core against httptools (llhttp).

Not a test. Prints, for each workload, the median time per request over
several repeats and the spread (min..max), then how httptools fares on our
request corpus. httptools is optional: ``.venv/bin/pip install httptools``
to measure it (it is not a dependency of pyserver).

Both sides do the same job: bytes in, a Request event with lower-cased
header names out (httptools through its Python callbacks), then the body.

    .venv/bin/python benchmarks/http1_parser.py [--repeats 7] [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "servers"))
sys.path.insert(0, str(ROOT / "tests" / "http1"))

from pyserver.http1 import ServerConnection  # noqa: E402
from pyserver.http1._connection import DEFAULT_LIMITS  # noqa: E402
from pyserver.http1._readers import SPECIAL_FIELDS, framing_of  # noqa: E402
from pyserver.http1._writers import response_head  # noqa: E402
from pyserver.http1.events import (  # noqa: E402
    Data, EndOfMessage, ProtocolError, Request, Response,
)

try:
    import httptools
except ImportError:  # pragma: no cover
    httptools = None

# What wrk sends (plus the Accept line curl and browsers send): 98 bytes.
GET = (b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: wrk\r\n"
       b"Accept: */*\r\nConnection: keep-alive\r\n\r\n")
# A chunked upload: 4 chunks of 256 bytes.
CHUNKED = (b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: bench\r\n"
           b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
           + b"100\r\n" + b"x" * 256 + b"\r\n" + b"100\r\n" + b"y" * 256 + b"\r\n"
           + b"100\r\n" + b"z" * 256 + b"\r\n" + b"100\r\n" + b"w" * 256 + b"\r\n" + b"0\r\n\r\n")
EMPTY_200 = Response(200, ((b"Content-Length", b"0"),))


# -- ours ----------------------------------------------------------------------

def ours_new_connection(data: bytes, n: int) -> None:
    """One request per fresh ServerConnection: head, body, EndOfMessage."""
    for _ in range(n):
        conn = ServerConnection()
        conn.receive_data(data)
        conn.next_event()
        body = []
        while True:
            e = conn.next_event()
            if type(e) is Data:
                body.append(e.data)
            else:
                break


def ours_keep_alive(data: bytes, n: int) -> None:
    """n requests on one connection; each cycle also writes an empty 200
    (the core cannot start the next cycle without a response)."""
    conn = ServerConnection()
    for _ in range(n):
        conn.receive_data(data)
        conn.next_event()
        body = []
        while True:
            e = conn.next_event()
            if type(e) is Data:
                body.append(e.data)
            else:
                break
        conn.send(EMPTY_200)
        conn.send(EndOfMessage())
        conn.start_next_cycle()


# -- httptools -------------------------------------------------------------------

class Collect:
    """httptools callbacks that build the same Request event as our core."""

    __slots__ = ("parser", "url", "headers", "body", "request", "done")

    def __init__(self) -> None:
        self.url = b""
        self.headers = []
        self.body = []
        self.done = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        p = self.parser
        self.request = Request(p.get_method(), self.url, p.get_http_version().encode(),
                               tuple(self.headers))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class CollectChecked(Collect):
    """Collect plus the policy our core applies and llhttp does not: limits
    (414/431), OWS stripping, version 1.0/1.1 only (505), and our framing
    rules (Host, CL/TE smuggling defences, codings -> 400/501). Still not
    the same corpus (see docs/http1.md), but the same per-request work."""

    __slots__ = ("special", "limits")

    def __init__(self) -> None:
        super().__init__()
        self.special = []
        self.limits = DEFAULT_LIMITS

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.limits.max_request_line:
            raise ProtocolError(414, "request line too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        limits = self.limits
        if len(name) + len(value) + 1 > limits.max_header_field_size:
            raise ProtocolError(431, "header field too large")
        field = (name.lower(), value.strip(b" \t"))
        self.headers.append(field)
        if len(self.headers) > limits.max_header_fields:
            raise ProtocolError(431, "too many header fields")
        if field[0] in SPECIAL_FIELDS:
            self.special.append(field)

    def on_headers_complete(self) -> None:
        p = self.parser
        version = p.get_http_version().encode()
        if version != b"1.1" and version != b"1.0":
            raise ProtocolError(505, "HTTP version not supported")
        framing_of(version, self.special)
        self.request = Request(p.get_method(), self.url, version, tuple(self.headers))


def httptools_checked_new_parser(data: bytes, n: int) -> None:
    for _ in range(n):
        c = CollectChecked()
        c.parser = httptools.HttpRequestParser(c)
        c.parser.feed_data(data)


def httptools_checked_keep_alive(data: bytes, n: int) -> None:
    c = CollectChecked()
    p = c.parser = httptools.HttpRequestParser(c)
    for _ in range(n):
        c.url = b""
        c.headers = []
        c.body = []
        c.special = []
        p.feed_data(data)
        plan = response_head(200, EMPTY_200.headers, b"", method=c.request.method,
                             http_version=c.request.http_version, keep_alive=True)
        plan.writer.end(())


def httptools_new_parser(data: bytes, n: int) -> None:
    for _ in range(n):
        c = Collect()
        c.parser = httptools.HttpRequestParser(c)
        c.parser.feed_data(data)


def httptools_keep_alive(data: bytes, n: int) -> None:
    """One parser for n requests; each also renders the same empty 200 with
    our writer, so both sides do the same work per cycle."""
    c = Collect()
    p = c.parser = httptools.HttpRequestParser(c)
    for _ in range(n):
        c.url = b""
        c.headers = []
        c.body = []
        p.feed_data(data)
        plan = response_head(200, EMPTY_200.headers, b"", method=c.request.method,
                             http_version=c.request.http_version, keep_alive=True)
        plan.writer.end(())


# -- measuring ---------------------------------------------------------------------

def measure(fns, data: bytes, n: int, repeats: int) -> list[list[float]]:
    """µs per request for each of ``fns``, ``repeats`` times. The functions
    take turns within each repeat, so load from elsewhere on the machine
    lands on all of them alike instead of on whichever ran at that moment."""
    for fn in fns:
        fn(data, max(1, n // 20))  # warm up
    per_request: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, values in zip(fns, per_request):
            t0 = time.perf_counter_ns()
            fn(data, n)
            values.append((time.perf_counter_ns() - t0) / n / 1000)
    return per_request


def socket_round_trip(data: bytes, n: int) -> None:
    """Context, not a parser: the 4 syscalls one request/response costs on a
    socketpair (client send, server recv, server send, client recv)."""
    import socket

    a, b = socket.socketpair()
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    with a, b:
        for _ in range(n):
            a.sendall(data)
            b.recv(65536)
            b.sendall(resp)
            a.recv(65536)


def corpus_check() -> tuple[int, int, int, int]:
    """How many corpus cases httptools (its default, strict-ish llhttp
    settings, no extra Python checks) agrees with: valid cases parsed to the
    same requests, invalid cases rejected."""
    from http1_corpus import load, transcript_of

    def parse(raw: bytes):
        events = []

        class C(Collect):
            def on_headers_complete(self):
                super().on_headers_complete()
                events.append(self.request)

            def on_message_complete(self):
                if self.body:
                    events.append(Data(b"".join(self.body)))
                events.append(EndOfMessage())
                self.url, self.headers, self.body = b"", [], []

        c = C()
        c.parser = httptools.HttpRequestParser(c)
        c.parser.feed_data(raw)
        return events

    valid = load("valid")
    invalid = load("invalid")
    ok_valid = 0
    for case in valid:
        try:
            events = parse(case.raw)
        except Exception:
            continue
        # trailers are not separated by httptools; compare without them
        want = [e if type(e) is not EndOfMessage else EndOfMessage()
                for e in transcript_of(case.expected["requests"])]
        ok_valid += events[:len(want)] == want
    rejected = 0
    for case in invalid:
        try:
            parse(case.raw)
        except Exception:
            rejected += 1
    return ok_valid, len(valid), rejected, len(invalid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="10x fewer requests")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    workloads = [
        ("GET head, new connection", GET, 100_000 // scale,
         ours_new_connection, httptools_new_parser, httptools_checked_new_parser),
        ("GET head, keep-alive cycle", GET, 100_000 // scale,
         ours_keep_alive, httptools_keep_alive, httptools_checked_keep_alive),
        ("chunked POST 4x256 B, new connection", CHUNKED, 10_000 // scale,
         ours_new_connection, httptools_new_parser, httptools_checked_new_parser),
        ("chunked POST 4x256 B, keep-alive cycle", CHUNKED, 10_000 // scale,
         ours_keep_alive, httptools_keep_alive, httptools_checked_keep_alive),
    ]
    print(f"python {platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.machine()}, {os.cpu_count()} CPUs, "
          f"httptools {httptools.__version__ if httptools else 'not installed'}")
    print(f"{len(GET)}-byte GET, {len(CHUNKED)}-byte chunked POST; "
          f"{args.repeats} repeats; µs per request: median (min..max)\n")
    print(f"{'workload':40} {'n':>7}  {'pure Python core':>22}  {'httptools bare':>22}"
          f"  {'httptools + our checks':>22}")
    for name, data, n, ours, theirs, checked in workloads:
        if httptools:
            a, b, c = measure([ours, theirs, checked], data, n, args.repeats)
        else:
            [a] = measure([ours], data, n, args.repeats)
        line = f"{name:40} {n:>7}  {fmt(a):>22}"
        if httptools:
            line += f"  {fmt(b):>22}  {fmt(c):>22}"
            line += (f"   core/bare {statistics.median(a) / statistics.median(b):.1f}x,"
                     f" core/checked {statistics.median(a) / statistics.median(c):.1f}x")
        print(line)
    [rt] = measure([socket_round_trip], GET, 100_000 // scale, args.repeats)
    print(f"\ncontext: socketpair round trip (4 syscalls, no parsing): {fmt(rt)} µs")
    if httptools:
        ok_valid, n_valid, rejected, n_invalid = corpus_check()
        print(f"httptools on our corpus (no extra checks): {ok_valid}/{n_valid} valid cases "
              f"parsed the same, {rejected}/{n_invalid} invalid cases rejected")


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}..{max(values):.2f})"


if __name__ == "__main__":
    main()
