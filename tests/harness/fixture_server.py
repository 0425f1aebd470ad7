"""A small purpose-built server for testing the measuring machinery (not for speed).

Serves the contract's WSGI app (workloads/python/wsgi_app.py) on a threaded wsgiref
server on 127.0.0.1:0 and prints ``READY mode=fixture pid=N address=http://h:p``.
Behaviour is injected around the app:

    --delay-ms D     every request waits D ms before the app runs (a known fixed delay)
    --stall-at S     S seconds after the first request, every request waits until the
    --stall-s T      stall ends (T seconds, default 1): one stall, once
    --die-at S       S seconds after the first request the process exits (code 3)
    --die-once FILE  --die-at only while FILE does not exist (it is created then): the
                     first run dies, the next ones serve (a transient failure)
    --broken         /hello answers a wrong body (fails verification)
"""
from __future__ import annotations

import argparse
import os
import socketserver
import sys
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from workloads.python.wsgi_app import app as contract_app  # noqa: E402


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 1024


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--stall-at", type=float, default=None)
    p.add_argument("--stall-s", type=float, default=1.0)
    p.add_argument("--die-at", type=float, default=None)
    p.add_argument("--die-once", type=Path, default=None)
    p.add_argument("--broken", action="store_true")
    args = p.parse_args()
    if args.die_once is not None:
        if args.die_once.exists():
            args.die_at = None
        else:
            args.die_once.touch()
    first: list[float] = []
    lock = threading.Lock()

    def app(environ, start_response):
        now = time.monotonic()
        with lock:
            if not first:
                first.append(now)
                if args.die_at is not None:
                    threading.Timer(args.die_at, lambda: os._exit(3)).start()
        since = now - first[0]
        if args.stall_at is not None and args.stall_at <= since < args.stall_at + args.stall_s:
            time.sleep(args.stall_at + args.stall_s - since)
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000)
        if args.broken and environ.get("PATH_INFO") == "/hello":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
            return [b"broken"]
        return contract_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler)
    host, port = server.server_address[:2]
    print(f"READY mode=fixture pid={os.getpid()} address=http://{host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
