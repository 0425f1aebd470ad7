"""`arena up NAME` and `arena verify NAME`: start catalog servers by name, check them."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from harness import catalog, servers
from harness.launch.native import LaunchError
from harness.verify import verify


def _spec_or_exit(name: str, path):
    try:
        return catalog.get(name, path)
    except catalog.CatalogError as exc:
        print(f"arena: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_up(args: argparse.Namespace) -> int:
    spec = _spec_or_exit(args.name, args.catalog)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with servers.running(spec, cpus=args.cpus, log_dir=args.logs) as server:
            print(f"{spec.name} ({spec.runtime}, {spec.model}) serving at {server.url}  "
                  f"log: {server.log_path}  (Ctrl-C stops it)", flush=True)
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
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
            with servers.running(spec, cpus=args.cpus, log_dir=args.logs) as server:
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


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cpus", help="CPU list to pin the server to (taskset), e.g. 1 or 0-1; "
                        "sizing formulas use its core count (default: every CPU)")
    common.add_argument("--catalog", type=catalog.Path, default=catalog.CATALOG,
                        help="the server catalog (default: servers/catalog.toml)")
    common.add_argument("--logs", type=catalog.Path, default=None,
                        help="folder for server logs (default: a new temporary folder)")
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
