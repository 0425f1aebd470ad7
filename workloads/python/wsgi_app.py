"""The contract as a plain PEP 3333 application, no framework.

Run it with any WSGI server, e.g. ``arena serve --mode async workloads.python.wsgi_app:app``.
"""
from __future__ import annotations

from workloads.python.handlers import dispatch

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large",
            502: "Bad Gateway"}


def _body_reader(environ):
    def read_body(limit: int) -> bytes:
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            return stream.read(min(int(length), limit))
        # chunked (no CONTENT_LENGTH): read until the server signals the end
        parts, size = [], 0
        while size < limit:
            part = stream.read(min(65536, limit - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
        return b"".join(parts)
    return read_body


def app(environ, start_response):
    status, content_type, body = dispatch(
        environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""), _body_reader(environ))
    start_response(f"{status} {_REASONS[status]}",
                   [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
