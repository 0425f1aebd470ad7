"""pyserver's settings: ONE schema, from which the command line (cli.py) and
the options table (docs/pyserver-options.md) are both generated.

Each Setting says everything about one option in one place: its name, flags,
how a value is parsed and checked, its default, its help text and its
metavar. Nothing else lists the options. Regenerate the docs table with::

    python -m pyserver.config --markdown > docs/pyserver-options.md

Values are resolved once (``resolve``): defaults that depend on the mode
(workers, threads) are filled in, and combinations that would make a result
label lie (``--threads 8`` on a single-threaded mode) are refused rather than
silently changed.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from pyserver.modes import NAMES as MODES

LISTENERS = ("per-worker", "shared")
DEFAULT_THREADS = 16


class ConfigError(ValueError):
    """A bad value or combination: the CLI prints it on one line and exits 2."""


# -- validators: str -> value, raising ValueError with a short reason ---------

def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise ValueError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise ValueError(f"must be >= {low}, got {value}")
        return value
    parse.__name__ = f"integer >= {low}"
    return parse


def _seconds(allow_zero: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected a number of seconds, got {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number of seconds, got {text!r}")
        if value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"must be {'>= 0' if allow_zero else '> 0'}, got {text}")
        return value
    parse.__name__ = "seconds"
    return parse


def parse_bind(text: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 as [HOST]:PORT); port 0 picks a free port."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"write an IPv6 address as [HOST]:PORT, got {text!r}")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"port must be 0..65535, got {port!r}")
    return host, int(port)


def parse_app(text: str) -> str:
    module, sep, name = text.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"expected MODULE:CALLABLE, got {text!r}")
    return text


def _listener(text: str) -> str:
    if text not in LISTENERS:
        raise ValueError(f"unknown listener {text!r} (choose from {', '.join(LISTENERS)})")
    return text


def _mode(text: str) -> str:
    if text not in MODES:
        raise ValueError(f"unknown mode {text!r} (choose from {', '.join(MODES)})")
    return text


# -- the schema ----------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    name: str                       # attribute name in Config
    flags: tuple[str, ...]          # () for the positional argument
    type: Callable[[str], Any] | None
    default: Any
    help: str
    meta: str | None = None
    required: bool = False
    flag_only: bool = False         # a switch without a value (store_true)
    default_text: str | None = None  # how the default reads in help and docs

    def shown_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        if self.required:
            return "required"
        return str(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("mode", ("--mode",), _mode, None, required=True, meta="{" + ",".join(MODES) + "}",
            help="Who waits: threaded (a pool of OS threads in one process), forked (a master "
                 "and single-threaded worker processes), async (one thread, one gevent greenlet "
                 "per connection)."),
    Setting("workers", ("--workers",), _int_at_least(1), None, meta="N",
            default_text="1 for threaded and async, the number of cores for forked",
            help="Processes serving requests. Above 1 (and always in forked mode) a master "
                 "process supervises them; each worker runs the mode, e.g. 2 processes x 8 "
                 "threads."),
    Setting("threads", ("--threads",), _int_at_least(1), None, meta="N",
            default_text=f"{DEFAULT_THREADS} for threaded, 1 otherwise",
            help="OS threads per process that run the app (threaded mode only; forked and "
                 "async are single-threaded, and any other value for them is an error)."),
    Setting("connections", ("--connections",), _int_at_least(1), 1000, meta="N",
            help="Most client connections one process holds open at once (idle keep-alive "
                 "ones included); beyond it, new connections wait in the listen backlog."),
    Setting("bind", ("--bind",), parse_bind, ("127.0.0.1", 8000), meta="HOST:PORT",
            default_text="127.0.0.1:8000",
            help="Address to listen on; port 0 picks a free port, which the READY line reports."),
    Setting("listener", ("--listener",), _listener, "per-worker",
            meta="{" + ",".join(LISTENERS) + "}",
            help="Under a master: per-worker gives each worker slot its own SO_REUSEPORT "
                 "socket, held by the master across restarts (the kernel spreads connections "
                 "over the workers); shared makes every worker accept from one socket, where "
                 "the worker that went idle last takes the next connection. See "
                 "docs/pyserver-forked-balance.md."),
    Setting("backlog", ("--backlog",), _int_at_least(1), 2048, meta="N",
            help="Listen backlog: connections the kernel queues before they are accepted."),
    Setting("keepalive", ("--keepalive",), _seconds(True), 5.0, meta="S",
            help="Seconds an idle keep-alive connection waits for its next request; "
                 "0 closes every connection after one response."),
    Setting("timeout", ("--timeout",), _seconds(False), 30.0, meta="S",
            help="Seconds a client has to send a complete request head (slowloris defence), "
                 "and the longest a body read or a response write may stall; under a master, "
                 "a worker silent for this long is killed and replaced."),
    Setting("graceful_timeout", ("--graceful-timeout",), _seconds(True), 30.0, meta="S",
            help="On SIGTERM, seconds in-flight requests get to finish before the rest are cut."),
    Setting("limit_request_line", ("--limit-request-line",), _int_at_least(1), 8190, meta="N",
            help="Longest request line in bytes; longer gets 414."),
    Setting("limit_request_fields", ("--limit-request-fields",), _int_at_least(1), 100, meta="N",
            help="Most header fields in a request; more gets 431."),
    Setting("limit_request_field_size", ("--limit-request-field-size",), _int_at_least(1), 8190,
            meta="N", help="Longest header field line in bytes; longer gets 431."),
    Setting("max_body", ("--max-body",), _int_at_least(0), None, meta="BYTES",
            default_text="unlimited",
            help="Largest request body in bytes; larger gets 413."),
    Setting("access_log", ("--access-log",), None, False, flag_only=True, default_text="off",
            help="Write one line per request to stderr (off: nothing is logged per request)."),
    Setting("app", (), parse_app, None, required=True, meta="MODULE:CALLABLE",
            help="The WSGI application, e.g. workloads.python.wsgi_app:app."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Resolved settings: every value final, nothing left to a mode to guess."""

    mode: str
    app: str
    workers: int
    threads: int
    connections: int = 1000
    bind: tuple[str, int] = ("127.0.0.1", 8000)
    listener: str = "per-worker"
    backlog: int = 2048
    keepalive: float = 5.0
    timeout: float = 30.0
    graceful_timeout: float = 30.0
    limit_request_line: int = 8190
    limit_request_fields: int = 100
    limit_request_field_size: int = 8190
    max_body: int | None = None
    access_log: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def header_timeout(self) -> float:
        """A request head must be complete this long after its first byte (= --timeout)."""
        return self.timeout

    @property
    def supervised(self) -> bool:
        """Does a master process supervise workers? (forked always; others above 1 worker)"""
        return self.mode == "forked" or self.workers > 1

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


def cores() -> int:
    import os
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve(values) -> Config:
    """Fill mode-dependent defaults and refuse contradictory combinations.

    ``values``: a dict or an argparse Namespace of setting values."""
    values = dict(values) if isinstance(values, dict) else dict(vars(values))
    for s in SETTINGS:
        values.setdefault(s.name, s.default)
        if s.required and values[s.name] is None:
            raise ConfigError(f"{s.flags[0] if s.flags else s.meta} is required")
    mode = _mode(values["mode"])
    if values["workers"] is None:
        values["workers"] = cores() if mode == "forked" else 1
    if values["threads"] is None:
        values["threads"] = DEFAULT_THREADS if mode == "threaded" else 1
    elif mode != "threaded" and values["threads"] != 1:
        raise ConfigError(f"--threads {values['threads']}: {mode} mode is single-threaded "
                          f"(use --mode threaded for a thread pool)")
    return Config(**{s.name: values[s.name] for s in SETTINGS})


# -- generated outputs -----------------------------------------------------------

class _OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is ONE line on stderr and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _argparse_type(setting: Setting):
    def parse(text: str):
        try:
            return setting.type(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = setting.meta or setting.name
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every setting to ``parser`` (used by pyserver.cli and `arena serve`)."""
    for s in SETTINGS:
        text = f"{s.help} (default: {s.shown_default()})" if not s.required else s.help
        text = text.replace("%", "%%")
        if s.flag_only:
            parser.add_argument(*s.flags, dest=s.name, action="store_true", default=s.default,
                                help=text)
        elif not s.flags:
            parser.add_argument(s.name, type=_argparse_type(s), metavar=s.meta, help=text)
        else:
            parser.add_argument(*s.flags, dest=s.name, type=_argparse_type(s), metavar=s.meta,
                                default=s.default, required=s.required, help=text)


def build_parser(prog: str = "pyserver") -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=prog,
        description="pyserver: one WSGI server, one HTTP/1.1 core, three concurrency modes. "
                    "Prints `READY mode=... pid=... address=http://HOST:PORT workers=N "
                    "threads=N connections=N` on stdout once it accepts connections.")
    add_arguments(parser)
    return parser


MARKDOWN_HEADER = """\
<!-- Generated from servers/pyserver/config.py: edit the schema there, not this file.
     Regenerate: python -m pyserver.config --markdown > docs/pyserver-options.md
     (tests/pyserver/test_pyserver_config.py checks that this file equals the generated output) -->
"""


def markdown() -> str:
    """The options table for docs/pyserver-options.md."""
    lines = [MARKDOWN_HEADER, "# pyserver options", "",
             "`arena serve [OPTIONS] MODULE:CALLABLE` or `python -m pyserver [OPTIONS] "
             "MODULE:CALLABLE`. A bad value, an unknown mode or an app that cannot be imported "
             "is one error line on stderr and exit code 2.", "",
             "| option | value | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        flag = ", ".join(f"`{f}`" for f in s.flags) if s.flags else "(positional)"
        meta = f"`{s.meta}`" if s.meta and not s.flag_only else ""
        meta = meta.replace("|", "\\|")
        lines.append(f"| {flag} | {meta} | {s.shown_default()} | {s.help.replace('|', '/')} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyserver.config",
                                     description="Print pyserver's generated options table.")
    parser.add_argument("--markdown", action="store_true", required=True,
                        help="the Markdown table of docs/pyserver-options.md")
    parser.parse_args(argv)
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
