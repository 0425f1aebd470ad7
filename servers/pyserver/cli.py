"""pyserver's command line: the parser comes from the config schema (config.py)."""
from __future__ import annotations

import importlib
import sys

from pyserver import config as config_mod


def load_app(spec: str):
    """Import MODULE:CALLABLE; ValueError saying why it cannot be served."""
    module_name, _, attr = spec.partition(":")
    if "" not in sys.path:
        sys.path.insert(0, "")   # like gunicorn: apps in the working directory import
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    app = getattr(module, attr, None)
    if not callable(app):
        raise ValueError(f"module {module_name!r} has no callable {attr!r}")
    return app


def main(argv: list[str] | None = None, prog: str = "pyserver") -> int:
    parser = config_mod.build_parser(prog)
    args = parser.parse_args(argv)
    try:
        config = config_mod.resolve(args)
    except ValueError as exc:           # ConfigError
        parser.error(str(exc))          # one line, exit 2
    from pyserver import lifecycle
    try:
        return lifecycle.run(config, lambda: load_app(config.app))
    except ValueError as exc:           # the app cannot be imported
        parser.error(str(exc))
    except OSError as exc:
        host, port = config.bind
        print(f"{prog}: error: cannot listen on {host}:{port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
