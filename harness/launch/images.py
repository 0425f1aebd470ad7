"""Images of catalog servers: content-hashed builds, container commands, compose.

- ``image_for(family)`` builds the family's image (python, go, node, upstream) or
  reuses it: the tag is ``arena/<family>:<hash>``, the hash covering every file of
  the build context (chosen by ``docker/<family>/Dockerfile.dockerignore``), the
  Dockerfile and the build arguments. Nothing is rebuilt when nothing changed.
- ``container_command(spec)`` is the catalog's argv with the image's paths.
- ``compose_file()`` is docker/compose.yaml, generated from the catalog.

Base images: the Dockerfiles default to the public images. Where the local
stand-ins of ``make docker-base`` exist on the engine (``arena-base/...``), they
are passed as build arguments instead; ``ARENA_DOCKER_BASE=public|local`` forces
either.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness import catalog
from harness.launch import LaunchError
from harness.launch.engine import LABEL, client
from harness.launch.ready import log_folder, log_tail
from harness.specs import ServerSpec

ROOT = catalog.ROOT

# Paths inside the images, for the catalog's placeholders.
IMAGE_PATHS = {"python": "/opt/venv/bin/python", "venv_bin": "/opt/venv/bin", "bin": "/app/bin"}
IMAGE_WORKDIR = "/app"


@dataclass(frozen=True)
class Family:
    """One image: its Dockerfile and the build arguments naming its base images."""

    name: str
    dockerfile: str                              # relative to the repo root (the build context)
    local_bases: tuple[tuple[str, str], ...]     # build arg -> local stand-in (make docker-base)


FAMILIES: dict[str, Family] = {
    "python": Family("python", "docker/python/Dockerfile",
                     (("PYTHON_IMAGE", "arena-base/python:3.11"),)),
    "go": Family("go", "docker/go/Dockerfile",
                 (("GO_IMAGE", "arena-base/golang:1.26.8"),
                  ("RUNTIME_IMAGE", "arena-base/debian:bookworm"))),
    "node": Family("node", "docker/node/Dockerfile",
                   (("NODE_IMAGE", "arena-base/node:20.20.2"),)),
    "upstream": Family("upstream", "docker/upstream/Dockerfile",
                       (("GO_IMAGE", "arena-base/golang:1.26.8"),
                        ("RUNTIME_IMAGE", "arena-base/debian:bookworm"))),
}


class BuildError(LaunchError):
    """An image did not build; the message ends with the build log's tail."""




def _ignore_patterns(family: Family) -> list[str]:
    path = ROOT / (family.dockerfile + ".dockerignore")
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def context_files(family: Family) -> list[str]:
    """The build context's files, relative to the repo root, as the CLI would send them."""
    from docker.utils.build import exclude_paths

    paths = exclude_paths(str(ROOT), _ignore_patterns(family), dockerfile=family.dockerfile)
    files = sorted(p for p in paths if (ROOT / p).is_file())
    return sorted(set(files) | {family.dockerfile})


def base_args(family: Family, engine=None) -> dict[str, str]:
    """Build arguments for the base images: {} (the Dockerfile's public defaults) or
    the local stand-ins, by ARENA_DOCKER_BASE or by what the engine has."""
    choice = os.environ.get("ARENA_DOCKER_BASE", "auto")
    if choice not in ("auto", "local", "public"):
        raise LaunchError(f"ARENA_DOCKER_BASE={choice!r}: use auto, local or public")
    if choice == "public":
        return {}
    local = dict(family.local_bases)
    if choice == "local":
        return local
    engine = engine or client()
    have = all(_image_id(engine, ref) is not None for ref in local.values())
    return local if have else {}


def context_hash(family: Family, buildargs: dict[str, str]) -> str:
    """sha256 over the context's paths, exec bits and contents, and the build args."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(buildargs.items())).encode())
    for rel in context_files(family):
        path = ROOT / rel
        digest.update(f"\0{rel}\0{os.stat(path).st_mode & 0o111:o}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _context_tar(family: Family) -> io.BytesIO:
    """The build context as a deterministic tar (fixed owner and mtime)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for rel in context_files(family):
            data = (ROOT / rel).read_bytes()
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            info.mode = 0o755 if os.stat(ROOT / rel).st_mode & 0o111 else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def image_tag(family_name: str, engine=None) -> tuple[str, dict[str, str]]:
    """``arena/<family>:<hash>``: the context, the build args and, for base images
    the engine has, their image ids (a rebuilt base gives a new tag)."""
    family = FAMILIES[family_name]
    engine = engine or client()
    args = base_args(family, engine)
    ids = {name: _image_id(engine, ref) for name, ref in args.items()}
    return f"arena/{family.name}:{context_hash(family, {**args, **{k + '@id': v for k, v in ids.items() if v}})[:16]}", args


def _image_id(engine, ref: str) -> str | None:
    import docker

    try:
        return engine.images.get(ref).id
    except docker.errors.ImageNotFound:
        return None


def image_for(family_name: str, *, engine=None, log_dir: Path | None = None,
              quiet: bool = True) -> str:
    """The family's image tag, built now unless the engine already has it."""
    engine = engine or client()
    tag, args = image_tag(family_name, engine)
    if _image_id(engine, tag) is not None:
        return tag
    family = FAMILIES[family_name]
    log_path = log_folder(log_dir, "arena-docker-") / f"build-{family.name}.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        log.write(f"# {family.dockerfile} -> {tag}, build args {args or '(public defaults)'}\n")
        error = None
        try:
            for chunk in engine.api.build(
                    fileobj=_context_tar(family), custom_context=True,
                    dockerfile=family.dockerfile, tag=tag, buildargs=args,
                    network_mode="host", rm=True, forcerm=True, decode=True,
                    labels={LABEL: "docker", "org.concurrency-arena.family": family.name}):
                if "stream" in chunk:
                    log.write(chunk["stream"])
                    if not quiet:
                        sys.stderr.write(chunk["stream"])
                if "error" in chunk:
                    error = chunk["error"]
                    log.write(f"ERROR: {error}\n")
        except Exception as exc:  # an engine error mid-build
            error = f"{type(exc).__name__}: {exc}"
            log.write(f"ERROR: {error}\n")
    if error or not _image_id(engine, tag) is not None:
        raise BuildError(f"image {tag} ({family.dockerfile}) did not build: {error}",
                         log_path, log_tail(log_path))
    with open(log_path, "a") as log:
        log.write(f"# built in {time.monotonic() - started:.1f} s\n")
    return tag


def family_of(spec: ServerSpec) -> str:
    return spec.runtime  # python, go, node: one image per runtime


def container_command(spec: ServerSpec, *, host: str, port: int,
                      cores: int) -> tuple[list[str], dict[str, str]]:
    """The catalog's argv and env for ``spec`` with the image's paths for
    {python}, {venv_bin} and {bin} (what ``catalog.command`` does natively)."""
    sized = catalog.sizing(spec, cores)
    values = {**IMAGE_PATHS, "host": host, "port": str(port), "workers": str(sized.workers),
              "threads": str(sized.threads), "app": catalog.APPS.get(spec.app or "", "")}
    argv = [arg.format(**values) for arg in spec.argv]
    env = {key: value.format(**values) for key, value in spec.env}
    return argv, env


def compose_file(cores: int = 2) -> str:
    """docker/compose.yaml, generated from the catalog: one service per catalog
    name plus ``upstream``, host network, commands sized for ``cores``."""
    public = {"python": {"PYTHON_IMAGE": "python:3.11-slim"},
              "go": {"GO_IMAGE": "golang:1.26", "RUNTIME_IMAGE": "gcr.io/distroless/static-debian12"},
              "node": {"NODE_IMAGE": "node:20-slim"}}
    public["upstream"] = public["go"]
    out = [
        f"# Generated from servers/catalog.toml by `arena docker compose --cores {cores}`;",
        "# do not edit (tests/docker checks it matches). Every service uses the host network.",
        "#",
        "#   docker compose -f docker/compose.yaml up NAME        # e.g. go, node-cluster, pyserver-async",
        "#",
        "# NAME listens on ${ARENA_HOST:-127.0.0.1}:${ARENA_PORT:-8000}, sized for "
        f"{cores} core(s) and pinned to",
        "# ${ARENA_CPUS:-0-%d}; services whose catalog entry has /upstream start the delay" % (cores - 1),
        "# service on ${ARENA_UPSTREAM_PORT:-8081}. Host network: one server per port, so bring",
        "# up one at a time (or `ARENA_PORT=8001 docker compose ... up -d OTHER`).",
        "# Base images are build args (PYTHON_IMAGE,",
        "# GO_IMAGE, RUNTIME_IMAGE, NODE_IMAGE) defaulting to the public images; on a machine",
        "# without a registry export the local ones from `make docker-base` first.",
    ]
    for fam, args in public.items():
        family = FAMILIES[fam]
        arglist = ", ".join(f'{k}: "${{{k}:-{v}}}"' for k, v in args.items())
        out += [f"x-{fam}: &{fam}",
                f"  build: {{context: .., dockerfile: {family.dockerfile}, network: host, args: {{{arglist}}}}}",
                f"  image: arena/{fam}:compose",
                "  network_mode: host",
                "  init: true",
                '  cpuset: "${ARENA_CPUS:-0-%d}"' % (cores - 1)]
    out += ["services:",
            "  upstream:",
            "    <<: *upstream",
            '    command: ["/app/bin/arena-upstream", "-addr", "${ARENA_HOST:-127.0.0.1}:${ARENA_UPSTREAM_PORT:-8081}"]']
    for name, spec in catalog.load().items():
        if catalog.python_build(spec) == "free-threaded":
            continue    # the image has the standard build only; -ft entries run natively
        argv, env = container_command(spec, host="${ARENA_HOST:-127.0.0.1}",
                                      port="${ARENA_PORT:-8000}", cores=cores)
        if "upstream" in spec.workloads:
            env["ARENA_UPSTREAM"] = "127.0.0.1:${ARENA_UPSTREAM_PORT:-8081}"
        out += [f"  {name}:", f"    <<: *{family_of(spec)}",
                f"    command: {json.dumps(argv)}"]
        if env:
            out.append(f"    environment: {json.dumps(env, sort_keys=True)}")
        if "upstream" in spec.workloads:
            out.append("    depends_on: [upstream]")
    return "\n".join(out) + "\n"

