"""The one reader of /proc/PID/stat, for the stages that need a process's fields (launch
finds a server's process tree, measure reads its CPU and memory).

proc(5): the command name is in parentheses and may itself hold spaces or ')', so the
fields are split after the last ')'.
"""
from __future__ import annotations


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first, then ppid, pgrp,
    ...; utime is [11], stime [12], rss [21]); None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    return data[data.rindex(")") + 2:].split()
