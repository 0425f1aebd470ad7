"""servers/catalog.toml -> ServerSpec, and the contract's workloads -> WorkloadSpec.

The catalog is the one list of servers; a bad entry is an error that names the
file, the entry and the key, never a silently skipped server. ``workload()`` is the
one place a workload name and its parameters become a request and its known cost.
"""
from __future__ import annotations

import ast
import operator
import os
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

from harness import specs
from harness.specs import MODELS, RUNTIMES, RunSpec, ServerSpec, Sizing, WorkloadSpec
from workloads import contract
from harness.launch import LaunchError

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "servers" / "catalog.toml"
BIN = ROOT / "bin"
# The free-threaded interpreter (make python-ft) that argv's {python_ft} names.
VENV_FT_PYTHON = ROOT / ".venv-ft" / "bin" / "python"
APPS = {"wsgi": "workloads.python.wsgi_app:app", "flask": "workloads.python.flask_app:app",
        "django": "workloads.python.django_app:app"}

_REQUIRED = {"name", "runtime", "model", "argv", "workers", "threads", "ready", "why"}
_OPTIONAL = {"apps", "health", "workloads", "env"}
_DEFAULT_KEYS = {"health", "workloads"}


class CatalogError(ValueError):
    """The catalog file or a lookup in it is wrong; the message says where."""


def load(path: Path = CATALOG) -> dict[str, ServerSpec]:
    """Every server in the catalog by name, ``-flask`` / ``-django`` variants expanded."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    unknown = set(data) - {"defaults", "server"}
    if unknown:
        raise CatalogError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    defaults = data.get("defaults", {})
    bad = set(defaults) - _DEFAULT_KEYS
    if bad:
        raise CatalogError(f"{path}: [defaults]: unknown key(s): {', '.join(sorted(bad))}")
    specs: dict[str, ServerSpec] = {}
    for index, entry in enumerate(data.get("server", []), 1):
        for spec in _specs_from_entry(path, index, {**defaults, **entry}):
            if spec.name in specs:
                raise CatalogError(f"{path}: server #{index}: duplicate name {spec.name!r}")
            specs[spec.name] = spec
    return specs


def get(name: str, path: Path = CATALOG) -> ServerSpec:
    specs = load(path)
    try:
        return specs[name]
    except KeyError:
        raise CatalogError(
            f"unknown server {name!r}; the catalog ({path}) has: {', '.join(specs)}") from None


def _specs_from_entry(path: Path, index: int, entry: dict) -> list[ServerSpec]:
    where = f"{path}: server #{index} ({entry.get('name', '?')})"
    missing = _REQUIRED - set(entry)
    if missing:
        raise CatalogError(f"{where}: missing key(s): {', '.join(sorted(missing))}")
    unknown = set(entry) - _REQUIRED - _OPTIONAL
    if unknown:
        raise CatalogError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    if entry["runtime"] not in RUNTIMES:
        raise CatalogError(f"{where}: runtime {entry['runtime']!r} is not one of {RUNTIMES}")
    if entry["model"] not in MODELS:
        raise CatalogError(f"{where}: model {entry['model']!r} is not one of {MODELS}")
    if entry["ready"] not in ("line", "http"):
        raise CatalogError(f"{where}: ready must be \"line\" or \"http\"")
    for key in ("workers", "threads"):
        try:
            size(entry[key], 1)
        except ValueError as exc:
            raise CatalogError(f"{where}: {key}: {exc}") from None
    apps = entry.get("apps", [])
    for app in apps:
        if app not in APPS:
            raise CatalogError(f"{where}: apps: unknown app {app!r} (known: {', '.join(APPS)})")
    if apps and "{app}" not in entry["argv"]:
        raise CatalogError(f"{where}: apps given but argv has no {{app}}")
    base = ServerSpec(
        name=entry["name"], runtime=entry["runtime"], model=entry["model"],
        argv=tuple(entry["argv"]), workers=str(entry["workers"]), threads=str(entry["threads"]),
        ready=entry["ready"], health=entry.get("health", "/hello"),
        workloads=tuple(entry.get("workloads", ())), app=apps[0] if apps else None,
        why=entry["why"], env=tuple(sorted(entry.get("env", {}).items())))
    variants = [base]
    for app in apps[1:]:
        variants.append(replace(base, name=f"{base.name}-{app}", app=app))
    return variants


_OPS = {ast.Add: operator.add, ast.Mult: operator.mul, ast.Sub: operator.sub,
        ast.FloorDiv: operator.floordiv}


def size(formula: str, cores: int) -> int:
    """Evaluate a sizing formula such as ``2*cores+1``: integers, ``cores``, + - * //."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id == "cores":
            return cores
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise ValueError(f"{formula!r} is not a sizing formula (integers, cores, + - * //)")
    try:
        value = ev(ast.parse(str(formula), mode="eval"))
    except SyntaxError:
        raise ValueError(f"{formula!r} is not a sizing formula (integers, cores, + - * //)") from None
    if value < 1:
        raise ValueError(f"{formula!r} gives {value} for {cores} core(s); it must be at least 1")
    return value


def sizing(spec: ServerSpec, cores: int) -> Sizing:
    return Sizing(cores=cores, workers=size(spec.workers, cores), threads=size(spec.threads, cores))


def python_build(spec: ServerSpec) -> str | None:
    """The CPython build an entry runs on: "free-threaded" (PEP 703) where its argv names
    {python_ft}, "default" for the other Python entries, None for other runtimes. What a
    run reads back from the server (gil_enabled, python_build) is checked against this."""
    if spec.runtime != "python":
        return None
    return "free-threaded" if any("{python_ft}" in arg for arg in spec.argv) else "default"


def expects_gil(spec: ServerSpec) -> bool | None:
    """The GIL state a run of ``spec`` should read back: off on the free-threaded build
    unless the entry turns it on (env PYTHON_GIL=1), on for other Python entries; None for
    other runtimes. https://docs.python.org/3.13/using/cmdline.html#envvar-PYTHON_GIL"""
    build = python_build(spec)
    if build is None:
        return None
    return build == "default" or dict(spec.env).get("PYTHON_GIL") == "1"


def _python_ft(spec: ServerSpec) -> str:
    """{python_ft} for ``spec``; a LaunchError (what launchers report) where it is not built."""
    if python_build(spec) != "free-threaded":
        return ""
    if not VENV_FT_PYTHON.exists():
        raise LaunchError(f"{spec.name}: free-threaded Python not built: run make python-ft "
                           f"(no {VENV_FT_PYTHON})")
    return str(VENV_FT_PYTHON)


def command(spec: ServerSpec, *, host: str, port: int, cores: int) -> tuple[list[str], dict[str, str]]:
    """The argv and extra environment that start ``spec`` on host:port."""
    sized = sizing(spec, cores)
    values = {
        "python": sys.executable, "python_ft": _python_ft(spec), "venv_bin": str(Path(sys.executable).parent), "bin": str(BIN),
        "host": host, "port": str(port), "workers": str(sized.workers),
        "threads": str(sized.threads), "app": app_target(spec),
    }
    argv = [arg.format(**values) for arg in spec.argv]
    env = {key: value.format(**values) for key, value in spec.env}
    return argv, env


def app_target(spec: ServerSpec) -> str:
    """What {app} becomes: a contract app's module:callable, or a user app's own (serving)."""
    return APPS.get(spec.app, spec.app) if spec.app else ""


def app_server_problem(spec: ServerSpec) -> str | None:
    """Why ``spec`` cannot serve a user's WSGI app (None: it can). It can when it is a
    Python server whose command line takes the app ({app}) and is not a variant that
    names a contract app of its own (-flask, -django)."""
    if spec.runtime != "python":
        return f"{spec.name} is a {spec.runtime} server; a WSGI app runs under the Python servers"
    if "{app}" not in " ".join(spec.argv):
        return f"{spec.name} serves its own fixed app ({' '.join(spec.argv[-1:])})"
    if spec.app not in (None, "wsgi"):
        base = spec.name.removesuffix(f"-{spec.app}")
        return f"{spec.name} is {base} serving the contract's {spec.app} app; name {base}"
    return None


def app_servers(specs: dict[str, ServerSpec]) -> tuple[str, ...]:
    """The servers a user app runs under by default: every Python server and pyserver
    mode on the standard build (a free-threaded twin only when named: the app's own
    packages must be installed in .venv-ft too)."""
    return tuple(name for name, spec in specs.items()
                 if app_server_problem(spec) is None and python_build(spec) == "default")


def serving(spec: ServerSpec, app: str, path: str, app_dir: str) -> ServerSpec:
    """``spec`` pointed at a user's app (module:callable, imported from ``app_dir``
    before anything else on the path) and ready when ``path`` answers. The name stays
    the server's: the app is the row's workload."""
    problem = app_server_problem(spec)
    if problem:
        raise CatalogError(problem)
    paths = [app_dir] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    literal = os.pathsep.join(paths).replace("{", "{{").replace("}", "}}")     # env is a template
    env = dict(spec.env) | {"PYTHONPATH": literal}
    return replace(spec, app=app, health=path, env=tuple(sorted(env.items())))


def with_sizing(spec: ServerSpec, workers: str | None = None, threads: str | None = None) -> ServerSpec:
    """``spec`` with its sizing formulas replaced where given (a sweep point's or
    `arena run`'s workers/threads); a bad formula is a CatalogError."""
    for key, value in (("workers", workers), ("threads", threads)):
        if value is not None:
            try:
                size(value, 1)
            except ValueError as exc:
                raise CatalogError(f"{spec.name}: {key}: {exc}") from None
    return replace(spec, workers=str(workers or spec.workers), threads=str(threads or spec.threads))


ECHO_BYTES = 1024       # the body /echo is driven with


def workload(name: str, *, io_ms: int = specs.IO_MS, cpu_n: int = specs.CPU_N, cpu_service_s: float | None = None,
             calibrated: bool = False) -> WorkloadSpec:
    """The request for a contract workload with its parameters; unknown name = error."""
    if name not in contract.WORKLOADS:
        raise ValueError(f"unknown workload {name!r}; the contract has: {', '.join(contract.WORKLOADS)}")
    if io_ms < 0 or cpu_n < 0:
        raise ValueError("io_ms and cpu_n must be >= 0")
    wait = io_ms / 1000
    cpu = dict(cpu_n=cpu_n, cpu_service_s=cpu_service_s, calibrated=calibrated)
    return {
        "hello": WorkloadSpec("hello", "/hello"),
        "json": WorkloadSpec("json", "/json"),
        "io": WorkloadSpec("io", f"/io?ms={io_ms}", wait_s=wait),
        "cpu": WorkloadSpec("cpu", f"/cpu?n={cpu_n}", **cpu),
        "mixed": WorkloadSpec("mixed", f"/mixed?ms={io_ms}&n={cpu_n}", wait_s=wait, **cpu),
        "upstream": WorkloadSpec("upstream", f"/upstream?ms={io_ms}", wait_s=wait),
        "echo": WorkloadSpec("echo", "/echo", method="POST",
                             body=bytes(range(256)) * (ECHO_BYTES // 256)),
    }[name]


def app_workload(app: str, path: str, wait_ms: float | None = None) -> WorkloadSpec:
    """A user app's endpoint as a workload: a GET of ``path``, named by the app. Its cost
    is unknown unless its user declares a wait (``wait_ms``), which is marked declared."""
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with /")
    if wait_ms is not None and wait_ms < 0:
        raise ValueError("wait_ms must be >= 0")
    return WorkloadSpec(app, path, wait_s=(wait_ms or 0) / 1000, wait_declared=wait_ms is not None)


def workload_for(run: RunSpec) -> WorkloadSpec:
    """The workload of a planned run, with its resolved CPU settings (a user app's endpoint
    when the run has one)."""
    if run.app:
        return app_workload(run.app, run.path, run.wait_ms)
    return workload(run.workload, io_ms=run.io_ms, cpu_n=run.cpu_n, cpu_service_s=run.cpu_service_s,
                    calibrated=run.calibrated)


def table(specs: dict[str, ServerSpec] | None = None, cores: int = 2) -> str:
    """The catalog as a Markdown table (framework variants folded into their base row)."""
    specs = specs or load()
    lines = ["| name | runtime | model | processes | threads | why this configuration |",
             "|---|---|---|---|---|---|"]
    for spec in specs.values():
        if spec.app not in (None, "wsgi"):
            continue
        sized = sizing(spec, cores)
        variants = [f"`-{app}`" for app in APPS if f"{spec.name}-{app}" in specs]
        name = f"`{spec.name}`" + (f" (+{', '.join(variants)})" if variants else "")
        lines.append(f"| {name} | {spec.runtime} | {spec.model} | `{spec.workers}` = {sized.workers} "
                     f"| `{spec.threads}` = {sized.threads} | {spec.why} |")
    return "\n".join(lines) + "\n"


def markdown(specs: dict[str, ServerSpec] | None = None, cores: int = 2) -> str:
    """docs/servers.md: the table with its explanation."""
    lines = ["<!-- Generated from servers/catalog.toml by `arena docs`;",
             "     edit the catalog, not this file (a test checks they agree). -->",
             "# The servers", "",
             "Every variant the suite runs, from `servers/catalog.toml`. Sizing formulas are in",
             "`cores`, the CPUs a run gives the server; the columns show them and their value",
             f"for {cores} cores. `-flask` and `-django` variants serve the Flask and Django apps",
             "with the same settings.", "",
             ]
    return "\n".join(lines) + "\n" + table(specs, cores)

