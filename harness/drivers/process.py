"""Running a load tool: its work folder, its processes, their deadline and their failure.

Every driver runs its tool the same way: in a work folder (raw/ of the run, or a
temporary one), each process in its own session with its output in files there,
waited for with the watchdog of bounded.py, and any way it fails (not
startable, killed at the deadline, a non-zero exit) is one DriverError whose
message ends with the tool's output.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from harness.drivers import DriverError
from harness.drivers.bounded import Finished, kill_groups, wait_bounded
from harness.specs import Placement

TAIL_CHARS = 2000


@dataclass(frozen=True)
class Command:
    """One process of a load tool and the files its output goes to."""

    argv: Sequence[str]
    stdout: Path
    stderr: Path | None = None      # None: stderr goes into stdout's file

    def output_tail(self) -> str:
        parts = [f"{label}: {_tail(path)}" for label, path in
                 (("stderr", self.stderr), ("stdout", self.stdout)) if path is not None]
        return "\n".join(parts)


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-TAIL_CHARS:]
    except OSError:
        return ""


def cpus_of(cpus: str | None) -> int:
    """How many CPUs a tool pinned to ``cpus`` (a taskset list; None: unpinned) may use."""
    return Placement.parse(cpus).count


@contextlib.contextmanager
def work_folder(path: str | os.PathLike[str] | None, tool: str) -> Iterator[Path]:
    """``path`` (created), or a temporary folder removed afterwards."""
    if path is None:
        with tempfile.TemporaryDirectory(prefix=f"arena-{tool}-") as tmp:
            yield Path(tmp)
    else:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        yield folder


def _start(command: Command, env: Mapping[str, str] | None, cwd: Path | None,
           tool: str) -> subprocess.Popen:
    with contextlib.ExitStack() as files:   # the child keeps its own copies of the descriptors
        out = files.enter_context(open(command.stdout, "wb"))
        err = files.enter_context(open(command.stderr, "wb")) if command.stderr else subprocess.STDOUT
        try:
            return subprocess.Popen(list(command.argv), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, env=env, cwd=cwd, start_new_session=True)
        except OSError as exc:
            raise DriverError(f"{tool}: cannot start {' '.join(command.argv)}: {exc}") from exc


def run_bounded(commands: Sequence[Command], *, tool: str, limit_s: float,
                env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Finished:
    """Start ``commands`` (the first is the one whose exit code counts), wait for all
    of them for at most ``limit_s`` seconds, and raise DriverError if the first did
    not exit with 0 in time. No process outlives this call."""
    procs: list[subprocess.Popen] = []
    try:
        for command in commands:
            procs.append(_start(command, env, cwd, tool))
        done = wait_bounded(procs, limit_s)
    finally:
        kill_groups(procs)             # a failure between two starts leaves none running
        for proc in procs:
            if proc.returncode is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
    first = commands[0]
    argv = " ".join(first.argv)
    if done.killed:
        raise DriverError(f"{tool} did not finish within {limit_s:g} s and was killed: {argv}\n"
                          f"{first.output_tail()}")
    if done.returncodes[0] != 0:
        raise DriverError(f"{tool} exited with {done.returncodes[0]}: {argv}\n{first.output_tail()}")
    return done
