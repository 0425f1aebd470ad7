"""Fixtures for the tests against a real Docker engine.

Without an engine these tests are skipped, each with the reason (pytest -ra
prints it): no docker SDK, no engine answering at DOCKER_HOST or the local
socket, or ARENA_DOCKER=0. `make test` first tries to provide one (as root:
`make docker-engine docker-base`, see mk/docker.mk) and leaves its log in
/var/tmp/arena-docker/test-prep.log, quoted in the skip reason. With
ARENA_REQUIRE_DOCKER=1 a missing engine is a failure instead of a skip.

Every test checks that it leaves no container of this launcher behind.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PREP_LOG = Path(os.environ.get("ARENA_DOCKER_PREP_LOG", "/var/tmp/arena-docker/test-prep.log"))


def _no_engine(reason: str):
    if PREP_LOG.exists():
        tail = [line for line in PREP_LOG.read_text(errors="replace").splitlines()
                if "error" in line.lower()][-3:]
        if tail:
            reason += " | make's attempt to provide one (" + str(PREP_LOG) + "): " + " / ".join(tail)
    if os.environ.get("ARENA_REQUIRE_DOCKER") == "1":
        pytest.fail(f"ARENA_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


FIRST_BUILD_TIMEOUT = 1800  # s: the first test to need the images may build them all


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The first selected test that needs the images pays for building them
    (about a minute here, more on a slow machine), so it alone gets a long
    timeout; every other test keeps its own."""
    for item in items:
        if "images" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(FIRST_BUILD_TIMEOUT), append=False)
            break


@pytest.fixture(scope="session")
def engine():
    if os.environ.get("ARENA_DOCKER") == "0":
        _no_engine("Docker tests off: ARENA_DOCKER=0")
    try:
        import docker  # noqa: F401
    except ImportError:
        _no_engine("no Docker tests: the docker SDK for Python is missing (pip install -e '.[docker]')")
    from harness.launch import LaunchError, engine

    try:
        return engine.client()
    except LaunchError as exc:
        _no_engine(f"no Docker tests: {exc}")


@pytest.fixture(scope="session")
def images(engine):
    """Every family's image, built once per session (or reused by content hash)."""
    from harness.launch import images

    return {name: images.image_for(name, engine=engine) for name in images.FAMILIES}


@pytest.fixture(autouse=True)
def leaves_nothing_running(request):
    """After a test that used the engine, no container of this launcher is left
    that was not there before (compared by id)."""
    if "engine" not in request.fixturenames:
        yield
        return
    from harness.launch import docker as launcher

    engine = request.getfixturevalue("engine")
    before = {c.id for c in launcher.leftovers(engine)}
    yield
    left = [c for c in launcher.leftovers(engine) if c.id not in before]
    for container in left:  # clean up, then fail: a leak is a bug
        container.remove(force=True)
    assert not left, f"containers left behind: {[c.name for c in left]}"
