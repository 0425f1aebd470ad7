"""`arena`: the project's one command, argparse subcommands.

Each subcommand lives in its own module, which adds itself with
``register(subparsers)`` and sets ``func`` (``args -> exit code``) on its
parser. To add one (``up``, ``verify``, ...), write that module and list it in
COMMAND_MODULES; nothing else here changes. A module that is not importable
(an optional extra is missing) does not take the other commands down: its
commands are simply absent, and ``arena --help`` says why.

``arena serve ...`` is pyserver's own command line (pyserver.cli), passed
through untouched, so ``arena serve`` and ``python -m pyserver`` are the same
program with the same options, errors and exit codes.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules with register(subparsers): imported lazily, in this order.
COMMAND_MODULES = (
    "harness.server_commands",      # up, verify
    "harness.commands",             # run, sweep
    "harness.analysis.commands",    # report, audit
    "harness.reference",            # list, docs
    "harness.docker_commands",      # docker build|up|compose|cleanup
)


def _serve(args: argparse.Namespace) -> int:
    from pyserver import cli
    return cli.main(args.serve_argv, prog="arena serve")


def register_serve(sub) -> None:
    p = sub.add_parser(
        "serve", add_help=False, prefix_chars="\0",
        help="run pyserver (python -m pyserver): arena serve --mode MODE [OPTIONS] MODULE:CALLABLE",
        description="pyserver's command line; see `arena serve --help`.")
    p.add_argument("serve_argv", nargs=argparse.REMAINDER)
    p.set_defaults(func=_serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arena", description="Concurrency Arena: servers, workloads and the harness "
                                  "that measures them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_serve(sub)
    missing = []
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            missing.append(f"{name}: {exc}")
            continue
        module.register(sub)
    if missing:
        parser.epilog = "Commands not available here: " + "; ".join(missing)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        # Straight through: pyserver's own parser gives --help, errors and exit codes.
        from pyserver import cli
        return cli.main(argv[1:], prog="arena serve")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
