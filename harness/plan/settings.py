"""The one schema of a run: every sweep-file key and `arena run` flag, its type, default and help.

As servers/pyserver/config.py is for the server: SETTINGS is the only list. The sweep
loader (plan.py) reads keys through it, `arena run` builds its flags from it, and
``markdown()`` writes docs/sweep-files.md (`arena docs`; a test keeps them equal).
The rules that tie settings together (vegeta is an open loop, a memory limit needs a
container, ...) are stated once, in ``rule_errors``, for both.

A kind checks a value the TOML parser already typed (``check``) and reads one from
the command line (``from_text``); both raise ValueError with the reason, which the
caller prefixes with the file, line and key, or the flag.

Its length (a little over this project's 450-line guide) is the table's: one place for
every setting is the point, so it is not split.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from harness import specs
from harness.analysis.thresholds import MIN_CLEAN_REPEATS
from harness.specs import Placement, PlacementError
from harness.drivers import DRIVERS
from harness.launch import LAUNCHERS
from harness.plan import ceiling
from workloads import contract

CLOSED_LOOP = ("wrk", "locust")             # the tool keeps N connections (users) busy
CPU_VIEWS = ("same-n", "same-service-time")
MEMORY = re.compile(r"[1-9][0-9]*[kmg]?")   # docker's --memory sizes: 512m, 2g


# --- kinds: what a value may be ------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    minimum: float = 0
    strict: bool = False            # > minimum rather than >=
    integer: bool = False

    def describe(self) -> str:
        return f"{'integer' if self.integer else 'number'} {'>' if self.strict else '>='} {self.minimum:g}"

    def check(self, value: Any) -> Any:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and (isinstance(value, int) or not self.integer) and math.isfinite(value)
        if not ok or (value <= self.minimum if self.strict else value < self.minimum):
            raise ValueError(f"must be {'an' if self.integer else 'a'} {self.describe()}, got {value!r}")
        return value

    def from_text(self, text: str) -> Any:
        try:
            value = int(text) if self.integer else float(text)
        except ValueError:
            raise ValueError(f"must be {'an' if self.integer else 'a'} {self.describe()}, "
                             f"got {text!r}") from None
        return self.check(value)


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]
    noun: str = ""                  # "unknown workload 'x' (the contract has: ...)"
    source: str = "known"

    def describe(self) -> str:
        return " \\| ".join(self.choices)

    def check(self, value: Any) -> Any:
        if value not in self.choices:
            if self.noun:
                raise ValueError(f"unknown {self.noun} {value!r} ({self.source}: {', '.join(self.choices)})")
            raise ValueError(f"must be one of {', '.join(self.choices)}, got {value!r}")
        return value

    from_text = check


@dataclass(frozen=True)
class Pattern:
    """A string of a given form: a CPU list, a memory size, a campaign name, free text."""

    what: str                       # "a taskset CPU list such as \"1\" or \"0-1\""
    valid: Callable[[str], bool] = lambda _text: True

    def describe(self) -> str:
        return "text" if self.what == "text" else self.what.split(" such as")[0].removeprefix("a ")

    def check(self, value: Any) -> Any:
        if not isinstance(value, str) or not self.valid(value):
            raise ValueError(f"must be {self.what}, got {value!r}")
        return value

    from_text = check


def _cpu_list(text: str) -> bool:
    try:
        return bool(Placement.parse(text).text)
    except PlacementError:
        return False


def _safe_name(text: str) -> bool:
    from harness.store import safe_name
    return bool(text) and safe_name(text) == text


@dataclass(frozen=True)
class Launchers:
    """One launcher or a list of them: each level runs with each, side by side."""

    def describe(self) -> str:
        return " \\| ".join(LAUNCHERS) + ", or a list of them"

    def check(self, value: Any) -> tuple[str, ...]:
        value = [value] if isinstance(value, str) else value
        if (not isinstance(value, (list, tuple)) or not value
                or any(v not in LAUNCHERS for v in value) or len(set(value)) != len(value)):
            raise ValueError(f"must be one of {', '.join(LAUNCHERS)} or a list of them, got {value!r}")
        return tuple(value)

    def from_text(self, text: str) -> tuple[str, ...]:
        return self.check(text)


@dataclass(frozen=True)
class Names:
    """A non-empty list of catalog server names (their existence is the loader's check)."""

    def describe(self) -> str:
        return "list of server names"

    def check(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
            raise ValueError("must be a non-empty list of server names")
        return tuple(value)

    def from_text(self, text: str) -> tuple[str, ...]:
        return (text,)


@dataclass(frozen=True)
class AppName:
    """A user's WSGI app, MODULE:CALLABLE (harness/app.py reads it; its errors say how to fix it)."""

    def describe(self) -> str:
        return "MODULE:CALLABLE"

    def check(self, value: Any) -> str:
        from harness.app import AppSpec
        if not isinstance(value, str):
            raise ValueError(f"must be MODULE:CALLABLE such as \"myproject.wsgi:app\", got {value!r}")
        return str(AppSpec.parse(value))          # AppError is a ValueError with the reason

    from_text = check


CPUS = Pattern('a taskset CPU list such as "1" or "0-1"', _cpu_list)
TEXT = Pattern("text")


# --- the settings ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One key of a sweep file and, when ``flag`` is set, one `arena run` flag.

    ``where``: "sweep" (top level only), "point" (in [[points]] only) or "both" (at the
    top level a default for every point, which a point may override). ``many``: a list
    in a sweep file (each value one level), one value as a flag.
    """

    key: str
    kind: Any
    default: Any
    help: str
    where: str = "point"
    flag: str | None = None
    many: bool = False

    def check(self, value: Any) -> Any:
        if not self.many:
            return self.kind.check(value)
        if not isinstance(value, list):
            raise ValueError("must be a list")
        return tuple(self.kind.check(v) for v in value)


SETTINGS: tuple[Setting, ...] = (
    Setting("campaign", Pattern("a name of letters, digits and ._=+-", _safe_name), None,
            "rows go to results/CAMPAIGN/ (required in a sweep file)",
            where="sweep", flag="--campaign"),
    Setting("description", TEXT, "", "one line on what the sweep is for (stored in campaign.json)",
            where="sweep"),
    Setting("results", TEXT, "results", "the results root, relative to the repository",
            where="sweep", flag="--results"),
    Setting("repeats", Number(1, integer=True), 1,
            "runs of every level, interleaved (A B C A B C, never A A A)", where="sweep",
            flag="--repeats"),
    Setting("max_reruns", Number(0, integer=True), 3,
            "extra runs a point may get after its repeats, one per round, while it has fewer clean "
            "repeats than it needs (a run failed, erred, was noisy) or its clean repeats vary more "
            "than the audit allows; each is stored with `rerun_of` and `rerun_reason`; 0: none",
            where="sweep"),
    Setting("ceiling", Choice(ceiling.TOOLS), "none",
            "measure the load path's ceiling (nginx returning /hello's bytes, `make ceiling`) before "
            "the first /hello wrk run of each repeat, placement and connections; it is those rows' limit",
            where="sweep"),
    Setting("servers", Names(), None,
            "catalog names (servers/catalog.toml); required at the top level, a point's own list "
            "replaces it (`arena run`: --server once per server; with app, every Python server "
            "unless named)", where="both", flag="--server"),
    Setting("workload", Choice(contract.WORKLOADS, "workload", "the contract has"), None,
            "a contract workload (workloads/CONTRACT.md); required unless app", flag="--workload"),
    Setting("app", AppName(), None,
            "your own WSGI app instead of a workload, imported from the current directory; "
            "each server is health-checked on path (a GET must answer 2xx) instead of verified "
            "against the contract; the row's workload is the app", where="both", flag="--app"),
    Setting("path", Pattern('a path such as "/" or "/orders?id=7"', lambda text: text.startswith("/")),
            "/", "with app: the endpoint driven with GET", where="both", flag="--path"),
    Setting("wait_ms", Number(0), None,
            "with app: the wait you declare each request spends off the CPU (a database query), "
            "ms; not measured, stored as the row's declared_wait_ms; the limit's Little's law "
            "uses it (without it the app's own limit is unknown)", flag="--wait-ms"),
    Setting("driver", Choice(DRIVERS, "driver"), "wrk",
            "the load tool: wrk and locust are closed loops, vegeta an open loop "
            "(`arena run`: vegeta with --rate, else wrk)", flag="--driver"),
    Setting("connections", Number(0, strict=True, integer=True), (),
            "closed loop: wrk connections or locust users, one level each", flag="--connections",
            many=True),
    Setting("rates", Number(0, strict=True), (), "open loop: requests per second, one level each",
            flag="--rate", many=True),
    Setting("rate_fractions", Number(0, strict=True), (),
            "open loop at these shares of the saturation the closed-loop points of the same "
            "server and workload measured in this campaign (they run after them)", many=True),
    Setting("io_ms", Number(0, integer=True), specs.IO_MS, "the wait of /io, /mixed and /upstream, ms",
            flag="--io-ms"),
    Setting("cpu", Choice(CPU_VIEWS), "same-n",
            "/cpu and /mixed: the same N everywhere, or N calibrated per runtime for "
            "[calibration] target_ms of CPU"),
    Setting("cpu_n", Number(0, integer=True), specs.CPU_N, "kernel iterations of /cpu and /mixed (same-n)",
            flag="--cpu-n"),
    Setting("duration_s", Number(0, strict=True), specs.DURATION_S, "measured seconds per run", where="both",
            flag="--duration"),
    Setting("warmup_s", Number(0), specs.WARMUP_S, "warm-up seconds per run, not recorded", where="both",
            flag="--warmup"),
    Setting("server_cpus", CPUS, specs.SERVER_CPUS, "taskset list for the server; a point's own is part of its "
            "run ids", where="both", flag="--server-cpus"),
    Setting("load_cpus", CPUS, specs.LOAD_CPUS, "taskset list for the load tool", where="both",
            flag="--load-cpus"),
    Setting("launcher", Launchers(), ("native",),
            "start the server as a process (native) or a container (docker); with a list, "
            "each level runs in each; other than native it is part of the run ids",
            where="both", flag="--launcher"),
    Setting("memory", Pattern('a memory size such as "512m" or "2g"', MEMORY.fullmatch), None,
            "container memory limit (docker only)", where="both", flag="--memory"),
    Setting("workers", Number(1, integer=True), None,
            "processes, instead of the catalog's sizing (part of the run ids)", flag="--workers"),
    Setting("threads", Number(1, integer=True), None,
            "threads per process, instead of the catalog's sizing (part of the run ids)",
            flag="--threads"),
    Setting("scenario", TEXT, "endpoint", "locust scenario in workloads/scenarios/", flag="--scenario"),
    Setting("locust_workers", Number(0, integer=True), 0,
            "locust master/worker mode with N worker processes on loopback", flag="--locust-workers"),
)
BY_KEY = {s.key: s for s in SETTINGS}

CALIBRATION: tuple[Setting, ...] = (
    Setting("target_ms", Number(0, strict=True), 5.0, "CPU milliseconds per request to calibrate for",
            where="calibration"),
    Setting("servers", Pattern("a table of runtime = server"),
            {"python": "gunicorn-sync", "python-ft": "gunicorn-sync-ft", "go": "go", "node": "node"},
            "the server that measures each runtime's kernel: { runtime = \"server\" }; python-ft, "
            "the free-threaded build, is calibrated apart when a sweep runs -ft servers",
            where="calibration"),
    Setting("requests", Number(1, integer=True), 20,
            "sequential requests per measurement (the fastest counts)", where="calibration"),
)
CAL_BY_KEY = {s.key: s for s in CALIBRATION}


def keys(where: str) -> set[str]:
    """The keys a table may hold: "top" (a sweep file's top level) or "point"."""
    wanted = ("sweep", "both") if where == "top" else ("point", "both")
    return {s.key for s in SETTINGS if s.where in wanted}


# --- the rules between settings, stated once ----------------------------------------------------

_BRACKETS = '[]"'
Say = Callable[[str, str], str]     # (key, example value) -> how to set it, in a file or as a flag


def in_file(key: str, example: str) -> str:
    return f"{key} = {example}"


def as_flag(key: str, example: str) -> str:
    flag = BY_KEY[key].flag
    return f"{flag} {example.strip(_BRACKETS)}" if flag else f"a sweep file's {key}"


def rule_errors(v: dict, say: Say = in_file) -> list[tuple[str, str]]:
    """(key, reason) for each rule a run's or point's settings break; ``v`` has
    driver, workload, connections, rates, rate_fractions (tuples), launcher (a tuple), memory,
    and may have app, wait_ms and scenario."""
    out = _app_errors(v, say)
    driver, levels = v["driver"], bool(v["rates"] or v["rate_fractions"])
    if driver in CLOSED_LOOP and (not v["connections"] or levels):
        out.append(("connections" if not v["connections"] else "rates",
                    f"{driver} is a closed loop: give {say('connections', '[64]')} and no rates"))
    if driver not in CLOSED_LOOP and (v["connections"] or not levels):
        out.append(("connections" if v["connections"] else "rates",
                    f"{driver} is an open loop: give {say('rates', '[100]')} or "
                    f"{say('rate_fractions', '[0.5]')}"))
    if driver == "wrk" and v["workload"] == "echo":
        out.append(("driver", "wrk drives GET only; use " + say("driver", '"vegeta"') + " for echo"))
    if v["memory"] is not None and "native" in v["launcher"]:
        out.append(("memory", "a memory limit needs a container: set " + say("launcher", '"docker"')))
    return out


def _app_errors(v: dict, say: Say) -> list[tuple[str, str]]:
    """The rules of a user's app: it or a contract workload, natively, GETs of its path."""
    app, example, io = v.get("app"), '"myproject.wsgi:app"', '"io"'
    if app and v.get("workload"):
        return [("app", "app and workload exclude each other: a point measures a contract "
                        "workload or your own app")]
    if not app and not v.get("workload"):
        return [("workload", f"give {say('workload', io)} (a contract workload) or "
                             f"{say('app', example)} (your WSGI app)")]
    out = []
    if v.get("wait_ms") is not None and not app:
        out.append(("wait_ms", f"declares your app's wait: it needs {say('app', example)}; "
                               "a contract workload's wait is io_ms"))
    if app and any(name != "native" for name in v["launcher"]):
        out.append(("launcher", "your app runs natively only: the container images carry the "
                                "contract apps, not yours"))
    if app and v["driver"] == "locust" and v.get("scenario", "endpoint") != "endpoint":
        out.append(("scenario", "with app, locust drives your path: only the endpoint scenario"))
    return out


# --- docs/sweep-files.md -------------------------------------------------------------------------

def _default(s: Setting) -> str:
    if s.default in (None, (), ""):
        return "-"
    value = s.default[0] if isinstance(s.default, tuple) and len(s.default) == 1 else s.default
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    return f"`{value!r}`".replace("'", '"') if isinstance(value, str) else f"`{value:g}`" \
        if isinstance(value, float) else f"`{value}`"


def _rows(settings: tuple[Setting, ...], flags: bool) -> list[str]:
    head = "| key | where | type | default |" + (" `arena run` |" if flags else "") + " meaning |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for s in settings:
        kind = ("list of " if s.many else "") + s.kind.describe()
        flag = f" `{s.flag}` |" if flags and s.flag else " - |" if flags else ""
        lines.append(f"| `{s.key}` | {s.where} | {kind} | {_default(s)} |{flag} {s.help} |")
    return lines


def markdown() -> str:
    """docs/sweep-files.md, from SETTINGS, CALIBRATION and the rules."""
    example = (_example())
    lines = [
        "<!-- Generated from harness/plan/settings.py by `arena docs`; edit the schema, not this",
        "     file (tests/harness/test_settings.py checks they agree). -->",
        "# Sweep files and `arena run`",
        "",
        "A sweep file (TOML, in `harness/sweeps/`) lists servers x workloads x load levels x",
        "repeats; `arena sweep FILE` runs it, resumably, and `arena run` measures one point",
        "with the same settings as flags. Both are read through one schema,",
        "`harness/plan/settings.py`; this page is generated from it.",
        "",
        "```toml", example, "```",
        "",
        "## Settings",
        "",
        "*where*: `sweep` is the top level only; `point` is a `[[points]]` table only; `both` is",
        "a default at the top level that a point may override. A list (`many`) in a file is one",
        "flag value in `arena run`.",
        "",
        *_rows(SETTINGS, flags=True),
        "",
        "## `[calibration]`",
        "",
        "For points with `cpu = \"same-service-time\"`: before they run, N of the `/cpu` kernel",
        "is measured per runtime so that one request costs `target_ms` of CPU there.",
        "",
        *_rows(CALIBRATION, flags=False),
        "",
        "## Rules",
        "",
        *[f"- {rule}" for rule in RULES],
        "",
        "## Run ids and order",
        "",
        "A run id names server, workload and its parameters, driver, level, then anything not",
        "default (a point's own `server_cpus`, a launcher other than native, `workers`/`threads`)",
        "and the repeat: `go.cpu-svc.wrk.c16.s0-1.docker.r1`. Every point that needs no",
        "saturation figure runs first, then the `rate_fractions` points; within each, repeat",
        "by repeat over servers and points. Then come the reruns (`max_reruns`): in rounds,",
        f"each point with fewer clean repeats than it needs (`repeats`, at most the audit's {MIN_CLEAN_REPEATS})",
        "or with clean repeats that vary more than the audit allows gets one more run, the",
        "next repeat number (`go.hello.wrk.c64.r4`), stored with `rerun_of` (the run it stands",
        "in for) and `rerun_reason`; a point still short after the bound stays flagged. A failed",
        "or noisy run is rerun; a point whose every run erred, was never verified, or was only",
        "ever generator-bound is not (a rerun measures the same). Each row is appended as soon as its run ends;",
        "Ctrl-C stops the running server, keeps every finished row and exits 130; the same",
        "command resumes (run ids already stored are skipped, reruns already stored count",
        "against the bound). `arena sweep --dry-run` lists the runs and estimates the time.",
        "",
    ]
    return "\n".join(lines)


RULES = (
    "wrk and locust are closed loops: a point gives `connections` and no rates; vegeta is an "
    "open loop: `rates` or `rate_fractions`, no connections.",
    "wrk drives GET only: `echo` (a POST) needs vegeta.",
    "A memory limit needs a container: `memory` only with `launcher = \"docker\"`.",
    "Every server of a point must serve its workload (the catalog's `workloads`).",
    "A point measures a contract `workload` or your own `app`, not both. An app runs natively "
    "under Python servers that take an app (not `-flask`/`-django` variants, Go or Node); "
    "`wait_ms` only with `app`; locust drives an app with the `endpoint` scenario only. "
    "Before anything is measured, `arena run` and `arena sweep` import the app (a module "
    "that does not import, or a callable that is not WSGI, is an error) and GET its path on "
    "one server (anything but 2xx is an error, with the server's log).",
    "Unknown keys, servers, workloads and drivers, and impossible values are errors that name "
    "the file, the line and the key; `arena run` names the flag. Both exit 2.",
)


def _example() -> str:
    return "\n".join((
        'campaign = "quick"            # rows go to results/quick/',
        'servers = ["go", "node"]      # catalog names',
        "repeats = 2                   # interleaved: A B C A B C",
        "duration_s = 3",
        "warmup_s = 1",
        'server_cpus = "1"             # server and load generator apart',
        'load_cpus = "0"',
        "",
        "[calibration]                 # /cpu: N per runtime for a target service time",
        "target_ms = 5.0",
        "",
        "[[points]]",
        'workload = "io"',
        "io_ms = 50",
        'driver = "wrk"',
        "connections = [64, 256]",
        "",
        "[[points]]",
        'workload = "io"',
        'driver = "vegeta"',
        "rate_fractions = [0.5]        # half the saturation the points above measured",
        "",
        "[[points]]",
        'workload = "cpu"',
        'cpu = "same-service-time"',
        "connections = [16]",
        'server_cpus = "0-1"           # this point gives the server both cores',
    ))
