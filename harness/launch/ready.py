"""Readiness, log tee and ports: what every launcher does the same way.

Readiness is event driven with a bounded timeout, never a fixed sleep:

- ``ReadyLine``: a regex matched against each output line; a named group ``url``
  gives the server's address (pyserver prints ``READY ... address=http://h:p``);
- ``ReadyHttp``: poll ``GET url+path`` with a short backoff until anything answers
  (for servers without a READY line, e.g. gunicorn).

``OutputTee`` copies a server's output (a pipe natively, the engine's log stream
for a container) into its log file and watches it for the ready line;
``wait_ready`` waits for either kind, for the server's exit or for the deadline.
"""
from __future__ import annotations

import http.client
import re
import socket
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable

DEFAULT_READY_PATTERN = r"^READY .*address=(?P<url>http://\S+)"
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class ReadyLine:
    """Ready when an output line matches ``pattern`` (``re.search``); group ``url`` is the address."""

    pattern: str = DEFAULT_READY_PATTERN


@dataclass(frozen=True)
class ReadyHttp:
    """Ready when ``GET url+path`` gets any HTTP response."""

    url: str
    path: str = "/hello"


class NotReady(Exception):
    """The server exited or the deadline passed before it was ready; says which."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for servers that cannot report their own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host if host != "0.0.0.0" else "127.0.0.1", 0))
        return sock.getsockname()[1]


def log_folder(path: Path | None, prefix: str = "arena-logs-") -> Path:
    """``path`` (created), or a new temporary folder when there is none."""
    folder = Path(path) if path else Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log ("" if it cannot be read)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ""
    text = data[-64 * 1024:].decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def http_answers(url: str, path: str, timeout: float) -> bool:
    """Whether ``GET url+path`` gets any HTTP response now."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", parts.path.rstrip("/") + path, headers={"Connection": "close"})
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class OutputTee(threading.Thread):
    """Copies output chunks into ``log`` and records the first line matching ``pattern``.

    ``chunks`` yields bytes in any pieces (a pipe's lines, an engine's stream);
    lines are reassembled before matching. The thread ends when they do, or when
    reading fails because the process or container went away.
    """

    def __init__(self, chunks: Iterable[bytes], log: IO[bytes], pattern: str | None, *,
                 name: str = "launch-output-tee", close_log: bool = False):
        super().__init__(name=name, daemon=True)
        self._chunks = chunks
        self._log = log
        self._close_log = close_log
        self._pattern = re.compile(pattern) if pattern is not None else None
        self.match: re.Match[str] | None = None
        self.ready_line: str | None = None
        self.changed = threading.Event()  # set on a match and at the end of the output
        self.eof = False

    def run(self) -> None:
        pending = b""
        try:
            for chunk in self._chunks:
                try:
                    self._log.write(chunk)
                    self._log.flush()
                except (OSError, ValueError):   # the log was closed by stop()
                    pass
                if self._pattern is not None and self.match is None:
                    *lines, pending = (pending + chunk).split(b"\n")
                    self._look_for_ready(lines)
        except Exception:  # the stream broke: the process or container is gone
            pass
        finally:
            if self._pattern is not None and self.match is None and pending:
                self._look_for_ready([pending])
            self.eof = True
            self.changed.set()
            if self._close_log:
                self._log.close()

    def _look_for_ready(self, lines: list[bytes]) -> None:
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            found = self._pattern.search(line)
            if found:
                self.match, self.ready_line = found, line
                self.changed.set()
                return


def wait_ready(ready: ReadyLine | ReadyHttp, tee: OutputTee, *, exited: Callable[[], str | None],
               timeout: float) -> tuple[str, str | None]:
    """Wait until the server is ready; return its address and ready line.

    ``exited()`` says how the server ended ("server exited with code 3") or None
    while it runs. Raises NotReady when it ends first or ``timeout`` passes.
    """
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        if isinstance(ready, ReadyLine) and tee.match is not None:
            return (tee.match.groupdict().get("url") or "").rstrip("/"), tee.ready_line
        remaining = deadline - time.monotonic()
        if isinstance(ready, ReadyHttp) and http_answers(ready.url, ready.path,
                                                         timeout=min(1.0, max(remaining, 0.05))):
            return ready.url.rstrip("/"), None
        ended = exited()
        if ended is not None:
            tee.join(timeout=2.0)  # let the last lines reach the log (and maybe the match)
            if isinstance(ready, ReadyLine) and tee.match is not None:
                continue
            raise NotReady(f"{ended} before it was ready")
        if remaining <= 0:
            what = (f"no line matching {ready.pattern!r}" if isinstance(ready, ReadyLine)
                    else f"no HTTP answer from {ready.url}{ready.path}")
            raise NotReady(f"not ready within {timeout:g} s ({what})")
        if isinstance(ready, ReadyLine) and not tee.eof:
            tee.changed.wait(min(remaining, 0.05))
        else:
            time.sleep(min(delay, max(remaining, 0)))
            delay = min(delay * 2, 0.1)
