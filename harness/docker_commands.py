"""`arena docker build|up|compose|cleanup`: images and containers of catalog servers.

    arena docker build [--all | FAMILY ...]   build (or reuse, by content hash) the images
    arena docker up NAME [--cpus 1] [--memory 512m]   a catalog server in its container
    arena docker compose [--cores 2]          print docker/compose.yaml, from the catalog
    arena docker cleanup                      remove containers a killed run left behind

Measuring native against Docker is a sweep (harness/sweeps/docker.toml, `make bench-docker`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from harness.launch import LaunchError

BUILD_LOGS = Path(tempfile.gettempdir()) / "arena-docker-builds"


def cmd_build(args: argparse.Namespace) -> int:
    from harness.launch import engine, images

    names = list(images.FAMILIES) if args.all or not args.families else args.families
    unknown = sorted(set(names) - set(images.FAMILIES))
    if unknown:
        print(f"arena docker build: unknown family {', '.join(unknown)}; "
              f"known: {', '.join(images.FAMILIES)}", file=sys.stderr)
        return 2
    client = engine.client()
    for name in names:
        started = time.monotonic()
        tag = images.image_for(name, engine=client, quiet=not args.verbose, log_dir=BUILD_LOGS)
        print(f"{name:9} {tag}  ({time.monotonic() - started:.1f} s)", flush=True)
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    from harness.launch import images

    if args.cores < 1:
        print("arena docker compose: --cores must be >= 1", file=sys.stderr)
        return 2
    sys.stdout.write(images.compose_file(args.cores))
    return 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    from harness.launch import docker

    for container in docker.leftovers():
        print(f"removing {container.short_id} {container.name}")
        docker.remove(container)
    return 0


def _engine_errors(func):
    """A missing engine or a failed build is one clear error (exit 1), not a traceback."""
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except LaunchError as exc:
            print(f"arena docker {args.docker_command}: {exc}", file=sys.stderr)
            return 1
    return run


def register(sub) -> None:
    from harness.server_commands import cmd_up, server_options

    docker = sub.add_parser("docker", help="images and containers of catalog servers",
                            description=__doc__.split("\n\n")[0])
    commands = docker.add_subparsers(dest="docker_command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="build (or reuse) images by family")
    build.add_argument("families", nargs="*", metavar="FAMILY", help="python, go, node, upstream")
    build.add_argument("--all", action="store_true", help="every family (also with no FAMILY)")
    build.add_argument("-v", "--verbose", action="store_true", help="show the build output")
    build.set_defaults(func=_engine_errors(cmd_build))
    up = commands.add_parser("up", parents=[server_options()],
                             help="run a catalog server in its container until Ctrl-C",
                             description="`arena up` with the docker launcher: the catalog "
                             "server NAME in its family's container (with the upstream "
                             "container when it serves /upstream), removed on Ctrl-C.")
    up.add_argument("name", metavar="NAME")
    up.add_argument("--memory", help="container memory limit, e.g. 512m")
    up.set_defaults(func=cmd_up, launcher="docker")
    compose = commands.add_parser("compose", help="print docker/compose.yaml, generated from the catalog")
    compose.add_argument("--cores", type=int, default=2, help="size the commands for this many cores")
    compose.set_defaults(func=cmd_compose)
    cleanup = commands.add_parser("cleanup", help="remove containers this launcher left behind")
    cleanup.set_defaults(func=_engine_errors(cmd_cleanup))
