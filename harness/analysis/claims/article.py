"""The article's claims, and which Python servers each of claims 3 and 4 is tested on.

The article names "uwsgi + Flask or uwsgi + Django" as how Python serves concurrent
requests; claim 3 adds gunicorn, the other process manager deployed that way. Those
stacks are one line of claims 3 and 4, read from the catalog (servers/catalog.toml: the
``-flask`` and ``-django`` variants of these servers, on the standard GIL build, as
deployed). The other line is the best Python server with the plain WSGI app: what a
different choice of server changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness import catalog
from harness.specs import ServerSpec

CLAIMS = {
    1: "Go serves well whether the work is I/O-bound or CPU-bound.",
    2: "Node handles I/O-bound load well but struggles with CPU-bound work (one core).",
    3: "A Python WSGI app handles one request at a time per worker, so it needs a process "
       "manager (uWSGI/gunicorn) spawning processes to serve concurrent requests.",
    4: "Python does fine on I/O-bound work, given that concurrency.",
    5: "Python is the slowest of the three on raw speed.",
}

ARTICLE_SERVERS = ("uwsgi", "gunicorn-sync", "gunicorn-gthread", "gunicorn-gevent")
ARTICLE_FRAMEWORKS = ("flask", "django")
PLAIN_APP = "wsgi"

STACKS = "the article's stacks: uWSGI and gunicorn with Flask and Django"
BEST_PLAIN = "the best Python server, plain WSGI app"
FREE_THREADED = "free-threaded build"


@dataclass(frozen=True)
class Lines:
    """The servers of each line: the article's stacks (catalog order) and the Python
    servers that serve the plain WSGI app."""

    stacks: tuple[str, ...]
    plain: frozenset[str]


def served_app(spec: ServerSpec) -> str | None:
    """The app a server serves: its ``{app}`` variant, or the one its argv names outright."""
    if spec.app:
        return spec.app
    return next((app for app, module in catalog.APPS.items() if module in spec.argv), None)


def lines(specs: dict[str, ServerSpec] | None = None) -> Lines:
    specs = catalog.load() if specs is None else specs
    python = [s for s in specs.values() if s.runtime == "python"]
    stacks = tuple(s.name for s in python if s.app in ARTICLE_FRAMEWORKS
                   and s.name.removesuffix(f"-{s.app}") in ARTICLE_SERVERS)
    return Lines(stacks, frozenset(s.name for s in python if served_app(s) == PLAIN_APP))
