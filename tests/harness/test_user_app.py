"""A user's own WSGI app (`arena run --app`, `app =` in a sweep file), pure logic: the
MODULE:CALLABLE name, what is and is not a WSGI callable, the settings' rules, the
servers that can serve an app and how one is pointed at it, the workload and run ids.
The same paths through real processes: tests/harness/test_user_app_run.py.
"""
from __future__ import annotations

import re
import textwrap

import pytest

from harness import catalog
from harness.app import AppError, AppSpec, wsgi_problem
from harness.plan import plan, settings
from harness.specs import LoadSpec, RunSpec


@pytest.mark.parametrize("text, module, name", [
    ("myproject.wsgi:app", "myproject.wsgi", "app"),
    (" examples.flask_db:application ", "examples.flask_db", "application"),
    ("app:app", "app", "app"),
])
def test_app_names_are_a_module_and_a_callable(text, module, name):
    spec = AppSpec.parse(text)
    assert (spec.module, spec.callable) == (module, name)
    assert str(spec) == f"{module}:{name}"


@pytest.mark.parametrize("text, reason", [
    ("myproject.wsgi", "has no callable"),
    ("examples/flask_db.py:app", "names a file; give the module as .* \\(examples.flask_db:app\\)"),
    ("myproject:create_app()", "calls a factory"),
    ("my-project.wsgi:app", "is not a dotted module name"),
    ("myproject.:app", "is not a dotted module name"),
    ("myproject:app.wsgi", "is not a Python name"),
    ("myproject:", "is not a Python name"),
])
def test_bad_app_names_say_the_form(text, reason):
    with pytest.raises(AppError, match=reason):
        AppSpec.parse(text)


def _wsgi(environ, start_response):
    return [b""]


def _asgi(scope, receive, send):
    return None


async def _async_wsgi(environ, start_response):
    return [b""]


class _Middleware:
    def __call__(self, environ, start_response):
        return [b""]


class _Factory:
    def __call__(self):
        return _wsgi


def _defaults(environ, start_response, extra=None, *args, **kwargs):
    return [b""]


@pytest.mark.parametrize("app", [_wsgi, _Middleware(), _defaults, print])
def test_wsgi_callables_pass(app):
    assert wsgi_problem(app, "m:app") is None


@pytest.mark.parametrize("app, reason", [
    (42, "is a int, not callable"),
    ("app", "is a str, not callable"),
    (_asgi, "an ASGI app takes"),
    (_async_wsgi, "is async"),
    (_Factory(), r"m:app\(\) cannot be called as app\(environ, start_response\)"),
    (lambda: None, "cannot be called as app"),
])
def test_what_is_not_wsgi_says_why(app, reason):
    assert re.search(reason, wsgi_problem(app, "m:app"))


def _view(**kw) -> dict:
    base = dict(driver="wrk", workload=None, connections=(8,), rates=(), rate_fractions=(),
                launcher=("native",), memory=None, app="m:app", wait_ms=None, scenario="endpoint")
    return {**base, **kw}


@pytest.mark.parametrize("view, key, reason", [
    (_view(workload="io"), "app", "app and workload exclude each other"),
    (_view(app=None), "workload", "give --workload io (a contract workload) or --app myproject.wsgi:app"),
    (_view(app=None, workload="io", wait_ms=20), "wait_ms", "declares your app's wait: it needs --app"),
    (_view(launcher=("docker",)), "launcher", "your app runs natively only"),
    (_view(driver="locust", scenario="browse"), "scenario", "with app, locust drives your path"),
])
def test_the_app_rules_name_their_key(view, key, reason):
    [(found, message)] = settings.rule_errors(view, settings.as_flag)
    assert found == key and message.startswith(reason)


def test_an_app_point_keeps_the_loop_rules():
    assert settings.rule_errors(_view()) == []
    assert settings.rule_errors(_view(driver="vegeta", connections=(), rates=(50,), wait_ms=20)) == []
    assert [k for k, _ in settings.rule_errors(_view(connections=()))] == ["connections"]


def test_app_and_path_settings_check_their_form():
    assert settings.BY_KEY["app"].check("m.n:app") == "m.n:app"
    with pytest.raises(ValueError, match="has no callable"):
        settings.BY_KEY["app"].check("m.n")
    with pytest.raises(ValueError, match="must be a path such as"):
        settings.BY_KEY["path"].check("orders")


def test_the_python_servers_serve_an_app_and_the_others_say_why_not():
    known = catalog.load()
    assert catalog.app_servers(known) == (
        "pyserver-threaded", "pyserver-forked", "pyserver-async", "gunicorn-sync", "gunicorn-gthread",
        "gunicorn-gevent", "uwsgi", "waitress", "granian")
    assert catalog.app_server_problem(known["granian-ft"]) is None      # when named
    assert "go server" in catalog.app_server_problem(known["go"])
    assert "node server" in catalog.app_server_problem(known["node-express"])
    assert "name gunicorn-sync" in catalog.app_server_problem(known["gunicorn-sync-flask"])
    assert "serves its own fixed app" in catalog.app_server_problem(known["pyserver-threaded-ft-gil"])


def test_a_server_pointed_at_an_app_runs_it_from_the_app_directory(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/already/there")
    spec = catalog.serving(catalog.get("gunicorn-gthread"), "shop.wsgi:app", "/cart", "/home/me/{shop}")
    argv, env = catalog.command(spec, host="127.0.0.1", port=8123, cores=2)
    assert argv[-1] == "shop.wsgi:app" and spec.name == "gunicorn-gthread" and spec.health == "/cart"
    assert env["PYTHONPATH"] == "/home/me/{shop}:/already/there"
    assert catalog.sizing(spec, 2) == catalog.sizing(catalog.get("gunicorn-gthread"), 2)
    with pytest.raises(catalog.CatalogError, match="go server"):
        catalog.serving(catalog.get("go"), "shop.wsgi:app", "/", "/home/me")


def test_an_app_run_has_the_app_as_its_workload_and_a_declared_wait_only_when_given():
    run = RunSpec(campaign="c", run_id="x", server="waitress", workload="shop:app", app="shop:app",
                  path="/cart?id=3", wait_ms=20, load=LoadSpec(driver="wrk", connections=8))
    wl = catalog.workload_for(run)
    assert (wl.name, wl.target, wl.method, wl.wait_s, wl.wait_declared) == ("shop:app", "/cart?id=3", "GET",
                                                                         0.02, True)
    undeclared = catalog.app_workload("shop:app", "/")
    assert (undeclared.wait_s, undeclared.wait_declared, undeclared.cpu_service_s) == (0.0, False, None)
    with pytest.raises(ValueError, match="must start with /"):
        catalog.app_workload("shop:app", "cart")


def _load(tmp_path, body: str):
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent(body))
    return plan.load(path)


def test_a_sweep_file_takes_an_app_in_place_of_a_workload(tmp_path):
    sw = _load(tmp_path, """
    campaign = "c"
    servers = ["gunicorn-sync", "waitress"]
    app = "shop.wsgi:app"
    [[points]]
    path = "/cart"
    wait_ms = 20
    connections = [8]
    """)
    runs = plan.plan(sw)
    assert [r.run_id for r in runs] == ["gunicorn-sync.shop.wsgi:app/cart-wait20ms.wrk.c8.r1",
                                        "waitress.shop.wsgi:app/cart-wait20ms.wrk.c8.r1"]
    assert {(r.workload, r.app, r.path, r.wait_ms) for r in runs} == {("shop.wsgi:app", "shop.wsgi:app",
                                                                       "/cart", 20)}


@pytest.mark.parametrize("body, reason", [
    ('servers = ["go"]\napp = "shop:app"\n[[points]]\nconnections = [8]\n',
     r"s.toml:\d+: servers: cannot serve app shop:app: go is a go server"),
    ('servers = ["waitress"]\n[[points]]\napp = "shop:app"\nworkload = "io"\nconnections = [8]\n',
     r"s.toml:\d+: app: app and workload exclude each other"),
    ('servers = ["waitress"]\n[[points]]\nconnections = [8]\n',
     r's.toml:\d+: workload: give workload = "io" \(a contract workload\) or app = '),
    ('servers = ["waitress"]\n[[points]]\nworkload = "io"\nwait_ms = 5\nconnections = [8]\n',
     r"s.toml:\d+: wait_ms: declares your app's wait"),
    ('servers = ["waitress"]\n[[points]]\napp = "shop.py:app"\nconnections = [8]\n',
     r"s.toml:\d+: app: 'shop.py:app' names a file"),
])
def test_sweep_file_app_errors_name_the_line_and_key(tmp_path, body, reason):
    with pytest.raises(plan.SweepError, match=reason):
        _load(tmp_path, 'campaign = "c"\n' + body)
