"""The load path's ceiling: nginx answering /hello's exact bytes, the harness's own server.

A ``/hello`` row measures the server, the generator and the loopback between them. How
much of that is the path alone is measured, not extrapolated: nginx (Debian's build,
``make ceiling``) with one worker process, ``return 200 "Hello, World!"`` as
``text/plain`` (the contract's /hello, workloads/contract.py), no access log, on
loopback, on the server's CPUs, driven by the same wrk at the same connections for the
same time (harness/plan/ceiling.py schedules it and hands its figure to the /hello rows'
limit). nginx's ``return`` directive answers from the configuration without reading
files or running code (https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return),
so what a server does beyond it is its own cost.

The launcher is "ceiling" (``launch.get("ceiling")``), not one a sweep file may name:
its rows carry ``launcher = "ceiling"``, which marks them as the harness's own, never a
server compared in claims or charts (harness/analysis/frame.py sets them apart).
The configuration is written into the run's log folder (raw/), beside nginx's log.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from harness.launch import LaunchError, native
from harness.launch.ready import ReadyHttp, free_port, log_folder
from harness.specs import ServerSpec
from workloads import contract

LAUNCHER = "ceiling"
SERVER = "nginx-ceiling"
NGINX_PATHS = ("nginx", "/usr/sbin/nginx")     # root's PATH has /usr/sbin, a user's may not
# keep-alive connections stay open however many requests they carry, as in the servers
# compared (nginx closes one after 1,000 requests by default:
# https://nginx.org/en/docs/http/ngx_http_core_module.html#keepalive_requests)
KEEPALIVE_REQUESTS = 1_000_000_000
WORKER_CONNECTIONS = 4096       # above any level a sweep drives (1,024 is nginx's default)

SPEC = ServerSpec(
    name=SERVER, runtime="nginx", model="event-loop", argv=("nginx",), workers="1", threads="1",
    ready="http", health="/hello", workloads=("hello",), app=None,
    why="the load path's ceiling: one nginx worker returning /hello's bytes from its configuration")


def nginx_bin() -> str | None:
    return next((found for name in NGINX_PATHS if (found := shutil.which(name))), None)


def unavailable() -> str | None:
    """Why the ceiling cannot be measured here (None: it can)."""
    if nginx_bin() is None:
        return ("nginx is missing: `make ceiling` installs Debian's nginx as root "
                "(else 'sudo apt-get install nginx'); the load path's ceiling stays unknown")
    return None


def _quoted(body: bytes) -> str:
    text = body.decode("ascii")
    if any(c in text for c in '"\\$'):
        raise ValueError(f"{text!r} needs escaping in an nginx string")
    return f'"{text}"'


def config(host: str, port: int, prefix: Path) -> str:
    """nginx.conf of the ceiling: one worker, /hello as the contract's bytes, no access
    log, temporary files under ``prefix``; other paths answer the contract's 404."""
    hello = next(e for e in contract.expectations() if e.target == "/hello")
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# written by harness/launch/ceiling.py for one run
worker_processes 1;
daemon off;
pid {prefix / 'nginx.pid'};
error_log stderr warn;
events {{
    worker_connections {WORKER_CONNECTIONS};
}}
http {{
    access_log off;
    keepalive_requests {KEEPALIVE_REQUESTS};
{temp}
    server {{
        listen {host}:{port};
        location = {hello.target} {{
            default_type {hello.content_type};
            return {hello.status} {_quoted(hello.body)};
        }}
        location / {{
            default_type text/plain;
            return 404 {_quoted(contract.NOT_FOUND_BODY)};
        }}
    }}
}}
"""


def start(spec: ServerSpec = SPEC, *, host: str = "127.0.0.1", cpus: str | None = None,
          log_dir: Path | None = None, upstream: str | None = None, timeout: float = 60.0,
          memory: str | None = None) -> native.NativeServer:
    """nginx with the ceiling's configuration, pinned to ``cpus``, ready when /hello answers."""
    if spec.name != SERVER:
        raise LaunchError(f"the ceiling launcher starts {SERVER} only, not {spec.name}")
    if memory:
        raise LaunchError("a memory limit needs a container: the ceiling runs natively")
    nginx = nginx_bin()
    if nginx is None:
        raise LaunchError(unavailable() or "nginx is missing")
    prefix = log_folder(log_dir) / "nginx"
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    port = free_port(host)
    conf = prefix / "nginx.conf"
    conf.write_text(config(host, port, prefix))
    # -e: the error log from the start (before the file is read) goes to the run's log too
    return native.launch([nginx, "-e", "stderr", "-p", str(prefix), "-c", str(conf)],
                         ready=ReadyHttp(url=f"http://{host}:{port}", path=spec.health),
                         log_path=prefix.parent / f"{SERVER}.log", cpus=cpus, timeout=timeout)


def start_upstream(*, log_dir: Path | None = None, cpus: str | None = None) -> native.NativeServer:
    """The ceiling serves /hello only; the delay service is the native launcher's."""
    return native.start_upstream(log_dir=log_dir, cpus=cpus)
