"""`arena up NAME` and `arena verify NAME`: start catalog servers by name, check them.

`arena docker up NAME` (harness/docker_commands.py) is ``cmd_up`` with the docker launcher.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from harness import catalog, launch
from harness.launch import LaunchError
from harness.verify import verify


def _spec_or_exit(name: str, path):
    try:
        return catalog.get(name, path)
    except catalog.CatalogError as exc:
        print(f"arena: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_up(args: argparse.Namespace) -> int:
    """Start the server (and its upstream), keep it up until Ctrl-C, SIGTERM or its exit."""
    spec = _spec_or_exit(args.name, args.catalog)
    launcher = getattr(args, "launcher", "native")
    limits = {"memory": args.memory} if getattr(args, "memory", None) else {}
    stop = threading.Event()
    # SIGTERM (kill, a CI timeout) unwinds like Ctrl-C, so a container is removed too
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with launch.running(spec, launcher=launcher, cpus=args.cpus, log_dir=args.logs,
                            **limits) as server:
            print(f"{spec.name} ({spec.runtime}, {spec.model}, {launcher}) serving at "
                  f"{server.url}  log: {server.log_path}  (Ctrl-C stops it)", flush=True)
            try:
                while not stop.wait(0.5) and server.alive():
                    pass
            except KeyboardInterrupt:
                pass
            if not stop.is_set() and not server.alive():
                print(f"arena up: {spec.name} exited with code {server.returncode}", file=sys.stderr)
                return 1
    except LaunchError as exc:
        print(f"arena up: {spec.name} did not start: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    specs = catalog.load(args.catalog)
    names = args.names or list(specs)
    failed = 0
    for name in names:
        spec = _spec_or_exit(name, args.catalog)
        try:
            with launch.running(spec, cpus=args.cpus, log_dir=args.logs) as server:
                report = verify(spec.name, server.url, workloads=spec.workloads)
        except LaunchError as exc:
            print(f"FAIL {spec.name}: did not start: {exc}", flush=True)
            failed += 1
            continue
        if report.ok:
            print(f"ok   {spec.name}: {report.checked} contract checks passed", flush=True)
        else:
            failed += 1
            print(f"FAIL {spec.name}: {len(report.mismatches)} of {report.checked} checks differ",
                  flush=True)
            for mismatch in report.mismatches:
                print(f"     {mismatch}", flush=True)
    if len(names) > 1:
        print(f"{len(names) - failed} of {len(names)} servers match the contract")
    return 1 if failed else 0


def server_options() -> argparse.ArgumentParser:
    """--cpus, --catalog, --logs: shared by `arena up`, `arena verify`, `arena docker up`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cpus", help="CPU list to pin the server to (taskset), e.g. 1 or 0-1; "
                        "sizing formulas use its core count (default: every CPU)")
    common.add_argument("--catalog", type=catalog.Path, default=catalog.CATALOG,
                        help="the server catalog (default: servers/catalog.toml)")
    common.add_argument("--logs", type=catalog.Path, default=None,
                        help="folder for server logs (default: a new temporary folder)")
    return common


def register(sub) -> None:
    common = server_options()
    up = sub.add_parser("up", parents=[common], help="start a catalog server and keep it up",
                        description="Start the catalog server NAME (with the upstream delay "
                        "service it calls), print its URL, and keep it up until Ctrl-C.")
    up.add_argument("name", metavar="NAME")
    up.set_defaults(func=cmd_up)
    check = sub.add_parser("verify", parents=[common], help="check servers against the contract",
                           description="Start each named catalog server (all when none is "
                           "named), check every contract endpoint byte for byte, stop it. "
                           "Exits 1 with a report naming server, endpoint and difference on "
                           "any mismatch.")
    check.add_argument("names", metavar="NAME", nargs="*")
    check.set_defaults(func=cmd_verify)
