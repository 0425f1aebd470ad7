"""A small Flask app to benchmark with `arena run --app` (README: "Benchmark your own app").

``GET /orders`` does what a typical web endpoint does: it waits on a database, then
renders JSON. The database is not real: ``time.sleep(QUERY_S)`` stands in for the
query, a wait of 20 ms that uses no CPU, as a blocking driver's wait on its socket
would. Under gevent (gunicorn-gevent, pyserver-async) the sleep yields to other
requests, as a patched socket read would; under threads it holds a thread, under
sync workers a whole process.

    .venv/bin/arena run --app examples.flask_db:app --path /orders --wait-ms 20 \\
        --server gunicorn-sync --server gunicorn-gevent --connections 64

``--wait-ms 20`` declares that wait to the harness (it cannot see inside the app), so
each row gets a Little's-law limit; the row marks the figure as declared, not measured.
"""
from __future__ import annotations

import time

from flask import Flask, jsonify

QUERY_S = 0.020     # the stand-in query's time: declare it with --wait-ms 20

app = Flask(__name__)


def fetch_orders(customer: int) -> list[dict]:
    """Stands in for SELECT ... FROM orders WHERE customer = ?: 20 ms of waiting."""
    time.sleep(QUERY_S)
    return [{"id": customer * 100 + i, "customer": customer, "total_cents": 1250 * (i + 1)}
            for i in range(5)]


@app.get("/orders")
def orders():
    return jsonify(orders=fetch_orders(customer=7))
