"""Append-only campaign storage: results/<campaign>/{runs.csv, campaign.json, notes.toml, raw/}.

- ``runs.csv``: one flat row per run (:class:`harness.specs.RunResult`, with its
  ``schema`` column), a header line first. Rows are only ever appended, one whole
  line per write, flushed and fsynced, so an interrupted sweep keeps every row it
  finished. A row whose ``run_id`` is already stored is not written again: that is
  how a rerun of the same sweep resumes.
- ``campaign.json``: the host facts, tool versions, calibration and sweep the rows
  were measured with. A campaign resumed on a machine with other facts is refused
  (rows from different hosts never mix silently).
- ``notes.toml``: written by people, never by the harness: explanations of audit
  violations (``[[explained]]`` tables with ``runs``, ``reason`` and optionally
  ``invariant``), read by :func:`read_notes`.
- ``raw/<run_id>/``: what the driver wrote for that run (JSON reports, logs).

Reading validates the header and every row's schema and field count, and the error
names the file and line. A file of an older schema reads too (the columns added since
are empty, ADDED_IN_SCHEMA); rows are appended only to a file of this schema.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from harness.specs import SCHEMA_VERSION, RunResult

RUNS_FILE = "runs.csv"
CAMPAIGN_FILE = "campaign.json"
NOTES_FILE = "notes.toml"
RAW_DIR = "raw"
COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunResult))
# Columns each schema added: a file of an older schema lacks them, and they read as empty.
ADDED_IN_SCHEMA = {2: ("served_share", "latency_p99_corrected_ms", "helper_cpu_s",
                       "idlest_worker_cpu_share"),
                   3: ("rerun_of", "rerun_reason", "latency_histogram", "limit_detail"),
                   4: ("declared_wait_ms",)}
# campaign.json host facts that must agree for rows to be comparable
SAME_HOST_KEYS = ("hostname", "cpu_model", "cores")

_SAFE = re.compile(r"[^A-Za-z0-9._=+-]")


class StoreError(ValueError):
    """A campaign on disk that cannot be read or extended; the message names the file."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(round(value, 6)) if value == value else ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def to_row(result: RunResult) -> dict[str, str]:
    """A RunResult as the text cells of one CSV row."""
    return {name: _cell(getattr(result, name)) for name in COLUMNS}


def _line(cells: Iterable[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(list(cells))
    return buf.getvalue()


def safe_name(text: str) -> str:
    """A file-system-safe form of a run id or campaign name."""
    return _SAFE.sub("_", text) or "_"


class Campaign:
    """One campaign directory. Create it, then ``append`` rows; ``rows`` reads them back."""

    def __init__(self, root: str | os.PathLike[str], name: str):
        if not name or safe_name(name) != name:
            raise StoreError(f"campaign name {name!r} must be letters, digits and ._=+- only")
        self.name = name
        self.dir = Path(root) / name
        self.runs_path = self.dir / RUNS_FILE
        self.meta_path = self.dir / CAMPAIGN_FILE
        self._ids: set[str] | None = None

    # --- campaign.json -------------------------------------------------------------

    def read_meta(self) -> dict:
        return read_meta(self.meta_path)

    def write_meta(self, meta: dict) -> dict:
        """Store ``meta`` (host, versions, calibration, sweep, ...) as campaign.json.

        If the campaign already has one, its host must match on SAME_HOST_KEYS; the
        first ``created_at`` is kept and every start is listed in ``sessions``.
        Returns what was written.
        """
        old = self.read_meta()
        if old:
            old_host, new_host = old.get("host") or {}, meta.get("host") or {}
            differ = [k for k in SAME_HOST_KEYS
                      if k in old_host and k in new_host and old_host[k] != new_host[k]]
            if differ:
                raise StoreError(
                    f"{self.meta_path}: this campaign was measured on another host "
                    f"({', '.join(f'{k}: {old_host[k]!r} there, {new_host[k]!r} here' for k in differ)}); "
                    f"use a new campaign name")
        merged = {**old, **meta, "schema": SCHEMA_VERSION, "campaign": self.name}
        if old.get("created_at"):
            merged["created_at"] = old["created_at"]
        sessions = list(old.get("sessions") or [])
        if meta.get("started_at"):
            sessions.append(meta["started_at"])
        merged["sessions"] = sessions
        # keep earlier calibrations: a resumed sweep reuses them, never silently recalibrates
        if old.get("calibration") and meta.get("calibration"):
            merged["calibration"] = {**meta["calibration"], **old["calibration"]}
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.meta_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.meta_path)
        return merged

    # --- raw/ ------------------------------------------------------------------------

    def raw_dir(self, run_id: str) -> Path:
        path = self.dir / RAW_DIR / safe_name(run_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- runs.csv --------------------------------------------------------------------

    def run_ids(self) -> set[str]:
        if self._ids is None:
            self._ids = {row["run_id"] for row in self.rows()}
        return set(self._ids)

    def has(self, run_id: str) -> bool:
        return run_id in self.run_ids()

    def append(self, result: RunResult) -> bool:
        """Append one row unless its run_id is already stored. True when written."""
        if result.schema != SCHEMA_VERSION:
            raise StoreError(f"{self.runs_path}: row {result.run_id!r} has schema {result.schema}, "
                             f"this store writes schema {SCHEMA_VERSION}")
        ids = self.run_ids()   # validates what is there before adding to it
        if result.run_id in ids:
            return False
        self.dir.mkdir(parents=True, exist_ok=True)
        self._drop_partial_tail()
        new = not self.runs_path.exists() or self.runs_path.stat().st_size == 0
        if not new and self._header() != list(COLUMNS):
            raise StoreError(f"{self.runs_path}: written with an older schema; "
                             f"this store appends schema {SCHEMA_VERSION} only (use a new campaign)")
        text = (_line(COLUMNS) if new else "") + _line(to_row(result).values())
        with open(self.runs_path, "a", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        assert self._ids is not None
        self._ids.add(result.run_id)
        return True

    def _header(self) -> list[str]:
        with open(self.runs_path, encoding="utf-8", newline="") as f:
            return next(csv.reader(f), [])

    def _drop_partial_tail(self) -> None:
        """A line cut short by a crash mid-write is no row: remove it before appending."""
        if not self.runs_path.exists():
            return
        data = self.runs_path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.runs_path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)

    def rows(self) -> list[dict[str, str]]:
        """Every stored row as text cells, validated (header, schema, field count)."""
        return read_rows(self.runs_path) if self.runs_path.exists() else []


def read_meta(path: str | os.PathLike[str]) -> dict:
    """A campaign.json as a dict ({} when there is none); StoreError naming the file if broken."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not readable JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise StoreError(f"{path}: expected a JSON object")
    return meta


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Rows of a runs.csv as dicts of text; StoreError naming the file and line if malformed.

    A last line without its newline (a write cut short) is ignored.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path}: not UTF-8 text: {exc}") from None
    if not text:
        return []
    if not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return []
    schema = _header_schema(path, header)
    rows = []
    for cells in reader:
        line = reader.line_num
        if len(cells) != len(header):
            raise StoreError(f"{path}: line {line}: {len(cells)} fields, expected {len(header)}")
        row = dict(zip(header, cells))
        if row["schema"] != str(schema):
            raise StoreError(f"{path}: line {line}: schema {row['schema']!r}, "
                             f"the header is schema {schema}")
        rows.append({name: row.get(name, "") for name in COLUMNS})
    return rows


def _header_schema(path: Path, header: list[str]) -> int:
    """The schema a header is: this one, or an older one lacking only the columns added since."""
    for schema in range(SCHEMA_VERSION, 0, -1):
        added = {c for s, cols in ADDED_IN_SCHEMA.items() if s > schema for c in cols}
        if tuple(header) == tuple(c for c in COLUMNS if c not in added):
            return schema
    optional = {c for cols in ADDED_IN_SCHEMA.values() for c in cols}   # an older file lacks them
    missing = [c for c in COLUMNS if c not in header and c not in optional]
    extra = [c for c in header if c not in COLUMNS]
    what = "; ".join(filter(None, [
        f"missing {', '.join(missing)}" if missing else "",
        f"unknown {', '.join(extra)}" if extra else "",
        "columns in another order" if not missing and not extra else ""]))
    raise StoreError(f"{path}: line 1: header is not schema {SCHEMA_VERSION} nor an older one "
                     f"({what}); see harness/specs.py RunResult")


# --- notes.toml ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """People's explanation of audit violations: these runs, for this reason."""

    runs: tuple[str, ...]
    reason: str
    invariant: str = ""         # empty: whatever the runs violate


def read_notes(directory: str | os.PathLike[str]) -> list[Note]:
    """The ``[[explained]]`` entries of a campaign's notes.toml (none when it has no such file).

    StoreError naming the file and the entry when the file is not TOML or an entry lacks
    its ``runs`` (a list of run ids) or its ``reason``.
    """
    path = Path(directory) / NOTES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: not readable TOML: {exc}") from None
    unknown = set(data) - {"explained"}
    if unknown:
        raise StoreError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
                         "notes.toml holds [[explained]] tables only")
    entries = data.get("explained", [])
    if not isinstance(entries, list):
        raise StoreError(f"{path}: explained must be an array of tables ([[explained]])")
    notes = []
    for i, entry in enumerate(entries, 1):
        where = f"{path}: [[explained]] number {i}"
        runs, reason = entry.get("runs"), entry.get("reason")
        if not isinstance(runs, list) or not runs or not all(isinstance(r, str) and r for r in runs):
            raise StoreError(f"{where}: runs must be a non-empty list of run ids")
        if not isinstance(reason, str) or not reason.strip():
            raise StoreError(f"{where}: reason must say why (a non-empty string)")
        invariant = entry.get("invariant", "")
        if not isinstance(invariant, str):
            raise StoreError(f"{where}: invariant must be an invariant's name")
        extra = set(entry) - {"runs", "reason", "invariant"}
        if extra:
            raise StoreError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        notes.append(Note(tuple(runs), reason.strip(), invariant))
    return notes
