"""Every free-threaded (-ft) catalog entry, started as a real process on .venv-ft's
Python, serves the contract byte for byte (what `arena verify` checks) and reports, read
back while it serves, a free-threaded build with the GIL off (on where the entry forces it)."""
from __future__ import annotations

import pytest

from harness import catalog
from harness.launch import native
from harness.measure.parallelism import observe
from harness.verify import verify

FT_NAMES = [name for name, spec in catalog.load().items()
            if catalog.python_build(spec) == "free-threaded"]


def test_the_catalog_has_ft_twins():
    """Each -ft entry's standard twin exists with the same sizing: the GIL is the difference."""
    specs = catalog.load()
    assert {"pyserver-threaded-ft", "pyserver-forked-ft", "gunicorn-sync-ft",
            "gunicorn-gthread-ft", "waitress-ft", "granian-ft"} <= set(FT_NAMES)
    for name in FT_NAMES:
        if catalog.expects_gil(specs[name]) is not False:
            continue        # pyserver-threaded-ft-gil: the GIL forced back on, see below
        twin = specs[name.replace("-ft", "", 1)]
        ft = specs[name]
        assert catalog.python_build(twin) == "default"
        assert (ft.model, ft.workers, ft.threads, ft.app) == (twin.model, twin.workers, twin.threads,
                                                              twin.app)
    forced = specs["pyserver-threaded-ft-gil"]
    assert catalog.expects_gil(forced) is True and catalog.python_build(forced) == "free-threaded"
    assert forced.argv == specs["pyserver-threaded-ft"].argv[:-1] + ("workloads.python.wsgi_app:app",)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", FT_NAMES)
def test_ft_server_serves_the_contract_without_the_gil(name, python_ft, upstream, tmp_path):
    spec = catalog.get(name)
    with native.start(spec, log_dir=tmp_path, upstream=upstream) as server:
        report = verify(name, server.url, workloads=spec.workloads)
        seen = observe(server.pids(), url=server.url, ready_line=server.ready_line)
    assert report.ok, "\n".join(map(str, report.mismatches))
    assert report.checked >= 15
    assert seen["python_build"] == "free-threaded"
    assert seen["gil_enabled"] is catalog.expects_gil(spec), f"{name}: not the GIL state expected: {seen}"
