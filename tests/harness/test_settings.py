"""harness/plan/settings.py: one schema for sweep-file keys and `arena run` flags (pure)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.plan import settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "sweep-files.md"


def test_committed_sweep_files_page_is_the_generated_one():
    assert DOCS.read_text() == settings.markdown(), "docs/sweep-files.md is stale: run `arena docs`"


def test_every_setting_is_documented_and_every_flag_is_an_arena_run_option():
    page = settings.markdown()
    help_text = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--help"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout
    for s in settings.SETTINGS + settings.CALIBRATION:
        assert f"| `{s.key}` |" in page
        if s.flag:
            assert s.flag in help_text


@pytest.mark.parametrize("key, value, reason", [
    ("duration_s", 0, "must be a number > 0"),
    ("repeats", 1.5, "must be an integer >= 1"),
    ("connections", [0], "must be an integer > 0"),
    ("server_cpus", "1-", "must be a taskset CPU list"),
    ("memory", "lots", "must be a memory size"),
    ("launcher", ["docker", "docker"], "must be one of native, docker"),
    ("workload", "sleepy", "unknown workload 'sleepy' (the contract has:"),
])
def test_kinds_refuse_bad_values_with_the_reason(key, value, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        settings.BY_KEY[key].check(value)


def test_flags_read_text_through_the_same_kinds():
    assert settings.BY_KEY["duration_s"].kind.from_text("2.5") == 2.5
    assert settings.BY_KEY["launcher"].kind.from_text("docker") == ("docker",)
    with pytest.raises(ValueError, match="must be an integer > 0, got 'x'"):
        settings.BY_KEY["connections"].kind.from_text("x")


def _point(**kw) -> dict:
    base = dict(driver="wrk", workload="hello", connections=(8,), rates=(), rate_fractions=(),
                launcher=("native",), memory=None)
    return {**base, **kw}


@pytest.mark.parametrize("point, key, reason", [
    (_point(connections=()), "connections", "wrk is a closed loop"),
    (_point(driver="locust", rates=(5,)), "rates", "locust is a closed loop"),
    (_point(driver="vegeta"), "connections", "vegeta is an open loop"),
    (_point(driver="vegeta", connections=()), "rates", "vegeta is an open loop"),
    (_point(workload="echo"), "driver", "wrk drives GET only"),
    (_point(memory="1g"), "memory", "a memory limit needs a container"),
])
def test_each_rule_names_its_key(point, key, reason):
    [(found, message)] = settings.rule_errors(point)
    assert found == key and message.startswith(reason)


def test_rules_speak_the_language_of_the_caller():
    point = _point(memory="1g")
    assert settings.rule_errors(point)[0][1].endswith('set launcher = "docker"')
    assert settings.rule_errors(point, settings.as_flag)[0][1].endswith("set --launcher docker")
    assert settings.rule_errors(_point(driver="vegeta", connections=(), rates=(5,), memory="1g",
                                       launcher=("docker",))) == []
