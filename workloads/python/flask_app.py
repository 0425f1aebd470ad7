"""The contract as a Flask app: the framework people deploy, same handlers."""
from __future__ import annotations

from flask import Flask, Response, request

from workloads.python.handlers import dispatch

app = Flask(__name__)


def _read_body(limit: int) -> bytes:
    return request.stream.read(limit)


_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


@app.route("/", defaults={"path": ""}, methods=_METHODS)
@app.route("/<path:path>", methods=_METHODS)
def contract_endpoint(path: str) -> Response:
    status, content_type, body = dispatch(
        request.method, "/" + path, request.query_string.decode("latin-1"), _read_body)
    return Response(body, status=status, content_type=content_type)
