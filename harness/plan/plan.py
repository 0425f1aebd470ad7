"""A sweep file -> Sweep -> one RunSpec per run: run ids, levels, interleaved repeats.

Keys, types, defaults and rules come from settings.py (docs/sweep-files.md is
generated from it); this module reads the TOML through them and plans the runs.
Errors are SweepError naming the file, the line and the key.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import catalog
from harness.plan import settings
from harness.specs import LoadSpec, RunSpec, ServerSpec

ROOT = Path(__file__).resolve().parents[2]
SWEEPS = ROOT / "harness" / "sweeps"


class SweepError(ValueError):
    """A sweep file that cannot be run; the message names the file, line and key."""


@dataclass(frozen=True)
class PointTable:
    """One [[points]] table of a sweep file, checked: a group of levels, not yet runs."""

    index: int
    values: dict                    # every point setting, resolved (top-level default or its own)
    placed: bool                    # the point set its own server_cpus (part of its run ids)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["values"][key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def launchers(self) -> tuple[str, ...]:
        return self.values["launcher"]


@dataclass(frozen=True)
class Sweep:
    path: Path
    campaign: str
    results: Path
    servers: tuple[str, ...]
    repeats: int
    server_cpus: str | None
    load_cpus: str | None
    points: tuple[PointTable, ...]
    calibration: dict               # target_ms, servers {runtime: server}, requests
    description: str = ""
    max_reruns: int = 0             # extra runs per point short of clean or stable repeats
    ceiling: str = "none"           # the load path's ceiling to measure (plan/ceiling.py)


# --- reading -----------------------------------------------------------------------------------

def key_line(text: str, key: str, table: str | None = None, index: int | None = None) -> int | None:
    """Line of ``key = `` (in the index-th [[table]], or in [table]) in the TOML text, 1-based.

    tomllib gives values without positions, so errors find their key in the text.
    """
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip().startswith("[")]
    if table is None:
        start, end = 0, headers[0] if headers else len(lines)
    else:
        header = f"[[{table}]]" if index is not None else f"[{table}]"
        mine = [i for i in headers if lines[i].split("#")[0].strip() == header]
        if index is not None and index >= len(mine) or not mine:
            return None
        start = mine[index or 0]
        end = next((i for i in headers if i > start), len(lines))
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    found = next((i + 1 for i in range(start, end) if pattern.match(lines[i])), None)
    return found or (start + 1 if table is not None else None)


class _Reader:
    """Checks one sweep file's values; ``fail`` raises SweepError at the key's line."""

    def __init__(self, path: Path, text: str, known: dict[str, ServerSpec]):
        self.path, self.text, self.known = path, text, known

    def fail(self, msg: str, key: str, table: str | None = None, index: int | None = None):
        line = key_line(self.text, key, table, index)
        raise SweepError(f"{self.path}:{line}: {key}: {msg}" if line else f"{self.path}: {key}: {msg}")

    def value(self, setting: settings.Setting, table: dict, default: Any, index: int | None = None,
              where: str | None = None) -> Any:
        if setting.key not in table:
            return default
        try:
            value = setting.check(table[setting.key])
        except ValueError as exc:
            self.fail(str(exc), setting.key, where, index)
        if setting.key == "servers":
            for name in value:
                if name not in self.known:
                    self.fail(f"unknown server {name!r} (the catalog has: {', '.join(self.known)})",
                              "servers", where, index)
        return value

    def unknown_keys(self, table: dict, allowed: set[str], where: str | None = None,
                     index: int | None = None) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"unknown key (known: {', '.join(sorted(allowed))})", key, where, index)


def _read(path: str | Path) -> tuple[Path, str, dict]:
    path = Path(path)
    if not path.exists() and (SWEEPS / path).exists():
        path = SWEEPS / path
    try:
        text = path.read_text()
    except OSError as exc:
        raise SweepError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return path, text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML: {exc}") from None


def load(path: str | Path, *, known_servers: dict[str, ServerSpec] | None = None) -> Sweep:
    """Read and check a sweep file; SweepError names file, line and key."""
    path, text, data = _read(path)
    r = _Reader(path, text, known_servers if known_servers is not None else catalog.load())
    r.unknown_keys(data, settings.keys("top") | {"points", "calibration"})
    for key in ("campaign", "servers", "points"):
        if key not in data:
            raise SweepError(f"{path}: missing key {key!r}")
    top = {s.key: r.value(s, data, s.default) for s in settings.SETTINGS if s.where in ("sweep", "both")}
    raw_points = data["points"]
    if not isinstance(raw_points, list) or not raw_points or not all(isinstance(p, dict) for p in raw_points):
        r.fail("must be one or more [[points]] tables", "points")
    points = tuple(_point(r, i, p, top) for i, p in enumerate(raw_points))
    return Sweep(path=path, campaign=top["campaign"], results=ROOT / top["results"],
                 servers=top["servers"], repeats=top["repeats"], server_cpus=top["server_cpus"],
                 load_cpus=top["load_cpus"], points=points, calibration=_calibration(r, data),
                 description=top["description"], max_reruns=top["max_reruns"],
                 ceiling=top["ceiling"])


def _point(r: _Reader, i: int, table: dict, top: dict) -> PointTable:
    r.unknown_keys(table, settings.keys("point"), "points", i)
    values = {s.key: r.value(s, table, top[s.key] if s.where == "both" else s.default, i, "points")
              for s in settings.SETTINGS if s.where in ("point", "both")}
    for key, msg in settings.rule_errors(values):
        r.fail(msg, key, "points", i)
    for name in values["servers"]:
        problem = values["app"] and catalog.app_server_problem(r.known[name])
        if problem:
            r.fail(f"cannot serve app {values['app']}: {problem}", "servers", "points", i)
        if not values["app"] and values["workload"] not in r.known[name].workloads:
            r.fail(f"server {name} does not serve workload {values['workload']}", "workload", "points", i)
    return PointTable(index=i, values=values,
                      placed="server_cpus" in table and table["server_cpus"] != top["server_cpus"])


def _calibration(r: _Reader, data: dict) -> dict:
    cal = data.get("calibration", {})
    if not isinstance(cal, dict):
        r.fail("must be a table", "calibration")
    r.unknown_keys(cal, set(settings.CAL_BY_KEY), "calibration")
    out = {s.key: s.default for s in settings.CALIBRATION}
    for key in ("target_ms", "requests"):
        out[key] = r.value(settings.CAL_BY_KEY[key], cal, out[key], where="calibration")
    servers = cal.get("servers", {})
    if not isinstance(servers, dict):
        r.fail("must be a table runtime = server", "servers", "calibration")
    for runtime, name in servers.items():
        if name not in r.known:
            r.fail(f"unknown server {name!r} for runtime {runtime}", "servers", "calibration")
    out["servers"] = {**out["servers"], **servers}
    return out


def with_launcher(sweep: Sweep, launcher: str) -> Sweep:
    """The sweep with every point run by ``launcher`` (``arena sweep --launcher``)."""
    if launcher not in settings.LAUNCHERS:
        raise SweepError(f"unknown launcher {launcher!r}; known: {', '.join(settings.LAUNCHERS)}")
    points = tuple(replace(p, values={**p.values, "launcher": (launcher,)}) for p in sweep.points)
    for p in points:
        for key, msg in settings.rule_errors(p.values, settings.as_flag):
            raise SweepError(f"{sweep.path}: point {p.index + 1}: {key} with --launcher {launcher}: {msg}")
    return replace(sweep, points=points)


def launchers(sweep: Sweep) -> set[str]:
    return {name for p in sweep.points for name in p.launchers}


# --- planning ------------------------------------------------------------------------------------

def _params(p: PointTable) -> str:
    if p.workload in ("io", "upstream"):
        return f"-ms{p.io_ms}"
    if p.workload in ("cpu", "mixed"):
        cpu = f"-n{p.cpu_n}" if p.cpu == "same-n" else "-svc"
        return (f"-ms{p.io_ms}" if p.workload == "mixed" else "") + cpu
    return ""


def run_id(server: str, p: PointTable, repeat: int, *, connections: int | None = None,
           rate: float | None = None, fraction: float | None = None, launcher: str = "native") -> str:
    """``go.io-ms50.wrk.c256.r1``: what ran, then only what differs from the defaults."""
    level = (f"c{connections}" if connections is not None else
             f"r{rate:g}" if rate is not None else f"f{fraction:g}")
    driver = p.driver + (f"-{p.scenario}" if p.driver == "locust" else "")
    where = (f".s{p.server_cpus.replace(',', '+')}" if p.placed else "") + \
        (f".{launcher}" if launcher != "native" else "")
    sizing = (f".w{p.workers}" if p.workers else "") + (f".t{p.threads}" if p.threads else "")
    what = app_label(p.app, p.path, p.wait_ms) if p.app else p.workload + _params(p)
    return f"{server}.{what}.{driver}.{level}{where}{sizing}.r{repeat}"


def app_label(app: str, path: str, wait_ms: float | None) -> str:
    """A user app's part of a run id: ``examples.flask_db:app/db`` (``-wait20ms`` declared)."""
    return f"{app}{path}" + (f"-wait{wait_ms:g}ms" if wait_ms is not None else "")


_REPEAT = re.compile(r"\.r(\d+)$")     # every run id ends in its repeat


def split_id(run_id: str) -> tuple[str, int] | None:
    """``go.hello.wrk.c64.r3`` -> ("go.hello.wrk.c64", 3); None for an id without ``.rN``."""
    m = _REPEAT.search(run_id)
    return (run_id[:m.start()], int(m.group(1))) if m else None


def point_of(run_id: str) -> str | None:
    found = split_id(run_id)
    return found[0] if found else None


def sweep_rows(planned: list[RunSpec], rows: list[dict]) -> list[dict]:
    """The stored rows of these planned runs and of their reruns."""
    points = {point_of(r.run_id) for r in planned}
    return [r for r in rows if point_of(r["run_id"]) in points]


def _run(sweep: Sweep, server: str, p: PointTable, repeat: int, launcher: str, level: dict) -> RunSpec:
    fraction = level.get("fraction")
    return RunSpec(
        campaign=sweep.campaign, run_id=run_id(server, p, repeat, launcher=launcher, **level),
        server=server, workload=p.app or p.workload, app=p.app, path=p.path, wait_ms=p.wait_ms,
        repeat=repeat, io_ms=p.io_ms, cpu_n=p.cpu_n,
        calibrated=p.cpu == "same-service-time", rate_fraction=fraction,
        server_cpus=p.server_cpus, load_cpus=p.load_cpus, scenario=p.scenario,
        locust_workers=p.locust_workers, launcher=launcher, memory=p.memory,
        workers=None if p.workers is None else str(p.workers),
        threads=None if p.threads is None else str(p.threads),
        load=LoadSpec(driver=p.driver, connections=level.get("connections"), rate=level.get("rate"),
                      duration_s=p.duration_s, warmup_s=p.warmup_s))


def plan(sweep: Sweep) -> list[RunSpec]:
    """Every run in order: first the runs that need no saturation, then the fractions.

    Repeats are interleaved (every run once, then every run again). Servers named only
    in points (not in the top-level list) run after the top-level ones, in the order
    they first appear; a level with several launchers runs in each, one after the other.
    """
    everyone = list(dict.fromkeys(sweep.servers + tuple(s for p in sweep.points for s in p.servers)))
    first, second = [], []
    for repeat in range(1, sweep.repeats + 1):
        for server in everyone:
            for p in sweep.points:
                if server not in p.servers:
                    continue
                for level in ([{"connections": c} for c in p.connections] + [{"rate": r} for r in p.rates]
                              + [{"fraction": f} for f in p.rate_fractions]):
                    for launcher in p.launchers:
                        todo = second if "fraction" in level else first
                        todo.append(_run(sweep, server, p, repeat, launcher, level))
    return first + second
