"""The contract's WSGI app with one deliberate bug: /cpu answers a wrong result."""
from workloads.python.wsgi_app import app as contract_app


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/cpu":
        body = b'{"n":1000,"result":42}'
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return contract_app(environ, start_response)
