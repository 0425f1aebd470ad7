"""Building a PEP 3333 environ from a Request event."""
from __future__ import annotations

import sys
from urllib.parse import unquote_to_bytes

from pyserver.http1 import split_target
from pyserver.http1.events import Request

_SPECIAL = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
_HEADER_KEYS: dict[bytes, str] = {}


def _key(name: bytes) -> str | None:
    # `in` and [] read a shared dict without its lock; dict.get takes it on
    # free-threaded 3.13, and every worker thread queues on it (docs/free-threading.md).
    key = _HEADER_KEYS[name] if name in _HEADER_KEYS else None
    if key is None:
        if b"_" in name:   # "X_Forwarded" would pose as "X-Forwarded": drop it (as gunicorn does)
            return None
        key = _SPECIAL.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_HEADER_KEYS) < 1000:
            _HEADER_KEYS[name] = key
    return key


def base_environ(*, server_name: str, server_port: int, multithread: bool,
                 multiprocess: bool) -> dict:
    """The keys that are the same for every request of this server process."""
    return {
        "SCRIPT_NAME": "",
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": multithread,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
    }


def build(base: dict, request: Request, peer: tuple) -> dict:
    environ = base.copy()
    authority, path, query = split_target(request.target)
    environ["REQUEST_METHOD"] = request.method.decode("latin-1")
    environ["PATH_INFO"] = (unquote_to_bytes(path) if b"%" in path else path).decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    environ["SERVER_PROTOCOL"] = "HTTP/" + request.http_version.decode("latin-1")
    environ["REMOTE_ADDR"] = peer[0] if peer else ""
    environ["REMOTE_PORT"] = str(peer[1]) if peer else ""
    for name, value in request.headers:
        key = _key(name)
        if key is None:
            continue
        text = value.decode("latin-1")
        if key in environ and key.startswith("HTTP_"):
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + text
        else:
            environ[key] = text
    if authority is not None:
        # RFC 9112 §3.2.2: an absolute-form target's authority replaces Host.
        environ["HTTP_HOST"] = authority.decode("latin-1")
    if "HTTP_TRANSFER_ENCODING" in environ:
        environ.pop("CONTENT_LENGTH", None)   # the body is chunked: read to its end
    return environ
