"""One schema -> CLI and docs: the committed options table is the generated one,
every setting reaches the parser, and mode-dependent defaults resolve without
ever switching what runs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pyserver import config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "pyserver-options.md"


def test_committed_options_table_is_the_generated_one():
    assert DOCS.read_text() == config.markdown(), (
        "docs/pyserver-options.md is stale: python -m pyserver.config --markdown "
        "> docs/pyserver-options.md")


def test_module_prints_the_same_table():
    out = subprocess.run([sys.executable, "-m", "pyserver.config", "--markdown"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert out == config.markdown()


def test_every_setting_is_in_the_parser_and_the_table():
    parser = config.build_parser()
    dests = {a.dest for a in parser._actions}
    table = config.markdown()
    for s in config.SETTINGS:
        assert s.name in dests
        assert s.help
        for flag in s.flags:
            assert f"`{flag}`" in table


@pytest.mark.parametrize("mode, workers, threads", [
    ("threaded", 1, config.DEFAULT_THREADS), ("async", 1, 1), ("forked", config.cores(), 1),
])
def test_mode_dependent_defaults(mode, workers, threads):
    cfg = config.resolve(vars(config.build_parser().parse_args(["--mode", mode, "m:app"])))
    assert (cfg.mode, cfg.workers, cfg.threads) == (mode, workers, threads)
    assert cfg.supervised == (mode == "forked" or workers > 1)


def test_explicit_values_are_kept():
    args = config.build_parser().parse_args(
        ["--mode", "threaded", "--workers", "2", "--threads", "8", "--bind", "[::1]:0",
         "--keepalive", "0", "--max-body", "10", "--access-log", "m:app"])
    cfg = config.resolve(args)
    assert (cfg.workers, cfg.threads, cfg.bind, cfg.keepalive, cfg.max_body, cfg.access_log) == \
        (2, 8, ("::1", 0), 0.0, 10, True)


@pytest.mark.parametrize("mode", ["forked", "async"])
def test_threads_on_a_single_threaded_mode_is_refused_not_ignored(mode):
    with pytest.raises(config.ConfigError, match="single-threaded"):
        config.resolve({"mode": mode, "threads": 8, "app": "m:app"})
    assert config.resolve({"mode": mode, "threads": 1, "app": "m:app"}).threads == 1


@pytest.mark.parametrize("text", ["8000", "host:", "host:99999", "::1:80", "host:-1"])
def test_bad_bind(text):
    with pytest.raises(ValueError):
        config.parse_bind(text)


@pytest.mark.parametrize("argv", [
    ["--mode", "threaded", "--workers", "0", "m:app"],
    ["--mode", "threaded", "--threads", "x", "m:app"],
    ["--mode", "threaded", "--keepalive", "-1", "m:app"],
    ["--mode", "threaded", "--timeout", "0", "m:app"],
    ["--mode", "threaded", "--timeout", "nan", "m:app"],
    ["--mode", "fibers", "m:app"],
    ["--mode", "threaded", "no-colon"],
    ["--mode", "threaded"],
    ["m:app"],
])
def test_bad_values_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        config.build_parser().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error:" in err
