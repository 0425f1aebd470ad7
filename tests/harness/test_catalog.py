"""The catalog loader: sizing formulas, argv, and errors that name file, entry and key."""
from __future__ import annotations

import pytest

from harness import catalog, reference
from harness.catalog import CatalogError

ENTRY = '''
[[server]]
name = "x"
runtime = "python"
model = "forked"
workers = "2*cores+1"
threads = "1"
ready = "http"
apps = ["wsgi", "flask"]
argv = ["{python}", "-m", "gunicorn", "-w", "{workers}", "-b", "{host}:{port}", "{app}"]
why = "test"
'''


def write(tmp_path, text):
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    return path


def test_the_real_catalog_loads_and_names_every_family():
    specs = catalog.load()
    for name in ("pyserver-threaded", "pyserver-forked", "pyserver-async", "gunicorn-sync",
                 "gunicorn-gthread", "gunicorn-gevent", "uwsgi", "waitress", "granian",
                 "go", "node", "node-cluster", "node-express", "gunicorn-sync-flask"):
        assert name in specs


PYTHON_SERVERS = ("pyserver-threaded", "pyserver-forked", "pyserver-async", "gunicorn-sync",
                  "gunicorn-gthread", "gunicorn-gevent", "uwsgi", "waitress", "granian")


@pytest.mark.parametrize("base", PYTHON_SERVERS)
def test_every_python_server_serves_every_app(base):
    specs = catalog.load()
    for app in ("flask", "django"):
        name = f"{base}-{app}"
        assert name in specs


def test_flask_variant_and_command(tmp_path):
    specs = catalog.load(write(tmp_path, ENTRY))
    assert set(specs) == {"x", "x-flask"}
    argv, env = catalog.command(specs["x-flask"], host="127.0.0.1", port=8123, cores=2)
    assert argv[3:] == ["-w", "5", "-b", "127.0.0.1:8123", "workloads.python.flask_app:app"]
    assert env == {}


def test_django_variant_and_command(tmp_path):
    specs = catalog.load(write(tmp_path, ENTRY.replace('"flask"]', '"flask", "django"]')))
    assert set(specs) == {"x", "x-flask", "x-django"}
    argv, _ = catalog.command(specs["x-django"], host="127.0.0.1", port=8123, cores=2)
    assert argv[-1] == "workloads.python.django_app:app"
    assert "(+`-flask`, `-django`)" in catalog.table(specs)


@pytest.mark.parametrize("formula, cores, expected", [
    ("1", 4, 1), ("cores", 3, 3), ("2*cores+1", 2, 5), ("4*cores", 1, 4), ("cores//2+1", 1, 1),
])
def test_sizing_formulas(formula, cores, expected):
    assert catalog.size(formula, cores) == expected


@pytest.mark.parametrize("formula", ["import os", "cores**2", "0", "cores-1", "1.5", "nproc"])
def test_bad_sizing_formulas(formula):
    with pytest.raises(ValueError):
        catalog.size(formula, 1)


@pytest.mark.parametrize("change, message", [
    (('model = "forked"', 'model = "actors"'), "model 'actors'"),
    (('why = "test"', 'why = "test"\ncolour = "red"'), "unknown key(s): colour"),
    (('workers = "2*cores+1"', 'workers = "lots"'), "workers: 'lots'"),
    (('apps = ["wsgi", "flask"]', 'apps = ["fastapi"]'), "unknown app 'fastapi'"),
    (('why = "test"\n', ''), "missing key(s): why"),
])
def test_bad_entries_name_file_entry_and_key(tmp_path, change, message):
    path = write(tmp_path, ENTRY.replace(*change))
    with pytest.raises(CatalogError) as info:
        catalog.load(path)
    assert str(path) in str(info.value) and "server #1 (x)" in str(info.value)
    assert message in str(info.value)


def test_duplicate_names_and_bad_toml(tmp_path):
    with pytest.raises(CatalogError, match="duplicate name 'x'"):
        catalog.load(write(tmp_path, ENTRY + ENTRY))
    with pytest.raises(CatalogError, match="catalog.toml"):
        catalog.load(write(tmp_path, "[[server]\n"))


def test_unknown_server_lists_the_known_ones():
    with pytest.raises(CatalogError, match="unknown server 'nginx'.*pyserver-threaded"):
        catalog.get("nginx")


def test_docs_servers_table_is_generated_from_the_catalog():
    committed = (catalog.ROOT / "docs" / "servers.md").read_text()
    assert committed == catalog.markdown(), \
        "docs/servers.md is stale: run `arena docs`"


def test_readme_servers_table_is_generated_from_the_catalog():
    readme = (catalog.ROOT / "README.md").read_text()
    assert readme == reference.with_servers_table(readme), "README's servers table is stale: run `arena docs`"
