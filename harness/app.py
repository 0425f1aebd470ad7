"""A user's own WSGI app: its name read, and checked before anything is measured.

    spec = AppSpec.parse("examples.flask_db:app")      # AppError: not MODULE:CALLABLE
    probe(spec)                     # AppError: does not import, or is not a WSGI callable
    status, body = answer(url, "/db")                    # the health check's GET

``probe`` imports the app in a fresh interpreter, the one the Python servers run on,
from the current directory (where `arena run` is started, as gunicorn imports from
its working directory), so a broken app fails here with its own error instead of as
nine servers that do not start. A WSGI app is a callable taking
``(environ, start_response)`` (PEP 3333, https://peps.python.org/pep-3333/#the-application-framework-side).

``python -m harness.app MODULE:CALLABLE`` is the probe's other end: it prints why the
app cannot be served and exits 2, or exits 0.
"""
from __future__ import annotations

import http.client
import importlib
import inspect
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from harness.specs import ServerSpec

PROBE_TIMEOUT_S = 60.0      # an import that takes longer is not going to serve
BODY_SHOWN = 200            # bytes of a failing answer quoted in the error


class AppError(ValueError):
    """A user app that cannot be benchmarked; the message says why and how to fix it."""


@dataclass(frozen=True)
class AppSpec:
    """``module:callable``: a dotted module importable from the current directory, and
    the name of the WSGI callable in it (as gunicorn, uWSGI, waitress and granian take it)."""

    module: str
    callable: str

    @classmethod
    def parse(cls, text: str) -> "AppSpec":
        form = "MODULE:CALLABLE, such as myproject.wsgi:app"
        module, colon, name = str(text).strip().partition(":")
        if module.endswith(".py") or "/" in module:
            dotted = module.removesuffix(".py").replace("/", ".").strip(".")
            raise AppError(f"{text!r} names a file; give the module as {form} "
                           f"({dotted}:{name or 'app'}), imported from the current directory")
        if not colon:
            raise AppError(f"{text!r} has no callable: give {form}")
        if name.endswith(")"):
            raise AppError(f"{text!r} calls a factory; not every server can: give a module-level "
                           f"app ({form}), e.g. app = create_app() in the module")
        if not all(part.isidentifier() for part in module.split(".")):
            raise AppError(f"{text!r}: {module!r} is not a dotted module name; give {form}")
        if not name.isidentifier():
            raise AppError(f"{text!r}: {name!r} is not a Python name; give {form}")
        return cls(module, name)

    def __str__(self) -> str:
        return f"{self.module}:{self.callable}"


def wsgi_problem(app: object, name: str) -> str | None:
    """Why ``app`` is not a WSGI callable, or None when it may be one.

    It must be callable as ``app(environ, start_response)``; where Python cannot tell
    a callable's signature (some built-ins), it is given the benefit of the doubt.
    """
    if not callable(app):
        return (f"{name} is a {type(app).__name__}, not callable: a WSGI app is called as "
                f"app(environ, start_response)")
    call = app if inspect.isroutine(app) or inspect.isclass(app) else type(app).__call__
    if inspect.iscoroutinefunction(call):
        return (f"{name} is async (an ASGI app?): a WSGI server calls app(environ, start_response) "
                f"and expects an iterable of bytes back")
    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(object(), object())
    except TypeError:
        asgi = " (an ASGI app takes (scope, receive, send))" if len(signature.parameters) == 3 else ""
        return f"{name}{signature} cannot be called as app(environ, start_response){asgi}"
    return None


def probe_here(text: str) -> str | None:
    """In this interpreter: why ``text`` cannot be served, or None."""
    spec = AppSpec.parse(text)
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, "")      # like the servers: the working directory first
    try:
        module = importlib.import_module(spec.module)
    except BaseException as exc:    # SystemExit and the like are the app's failure too
        return f"module {spec.module!r} does not import: {type(exc).__name__}: {exc}"
    if not hasattr(module, spec.callable):
        where = getattr(module, "__file__", None) or spec.module
        return f"module {spec.module!r} ({where}) has no attribute {spec.callable!r}"
    return wsgi_problem(getattr(module, spec.callable), str(spec))


def probe(spec: AppSpec, *, python: str = sys.executable, cwd: str | None = None) -> None:
    """Import the app in a fresh ``python`` from ``cwd``; AppError saying why it cannot be served."""
    try:
        done = subprocess.run([python, "-m", "harness.app", str(spec)], cwd=cwd, capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AppError(f"{spec}: importing it took over {PROBE_TIMEOUT_S:g} s") from None
    if done.returncode != 0:
        why = done.stdout.strip().splitlines()[-1:] or done.stderr.strip().splitlines()[-3:]
        raise AppError(" ".join(why) or f"{spec}: the import check exited with {done.returncode}")


def answer(url: str, path: str, timeout: float = 10.0) -> tuple[int | None, str]:
    """GET ``path`` on the server at ``url``: (status, the start of the body), or
    (None, the error) when no HTTP answer came."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read(BODY_SHOWN + 1)
        shown = body[:BODY_SHOWN].decode("utf-8", "replace") + ("..." if len(body) > BODY_SHOWN else "")
        return response.status, shown
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def healthy(status: int | None) -> bool:
    """The health check's rule: the path answers 2xx."""
    return status is not None and 200 <= status < 300


def preflight(app: str, path: str, spec: "ServerSpec", *, cpus: str | None = None, timeout: float = 60.0) -> None:
    """Start ``spec`` (a catalog ServerSpec) natively serving ``app`` and GET ``path`` once:
    AppError with the answer and the server's log tail unless it starts and answers 2xx."""
    from harness import catalog, launch       # here, not at the top: the probe stays light
    from harness.launch.ready import log_tail
    serving = catalog.serving(spec, app, path, os.getcwd())
    try:
        with launch.running(serving, launcher="native", with_upstream=False, cpus=cpus,
                            timeout=timeout) as server:
            status, body = answer(server.url, path)
            log_path = server.log_path
    except launch.LaunchError as exc:
        raise AppError(f"{spec.name} did not start serving {app}: {exc}") from None
    if healthy(status):
        return
    got = f"answered {status}: {body!r}" if status is not None else f"did not answer: {body}"
    raise AppError(f"the health check failed: GET {path} on {spec.name} serving {app} {got} "
                   f"(it must answer 2xx before it is measured)\n--- last lines of {log_path} ---\n"
                   f"{log_tail(log_path) or '(log is empty)'}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m harness.app MODULE:CALLABLE")
        return 2
    try:
        problem = probe_here(argv[0])
    except AppError as exc:
        problem = str(exc)
    if problem:
        print(problem.replace("\n", " "))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
