"""harness.bench_server: the case table, the summary table, and one real gunicorn run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import bench_server as bs
from harness.drivers.wrk import parse_report

REPORT = {
    "requests": 1000, "duration_us": 2_000_000, "bytes": 100_000,
    "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
    "latency_kind": "raw",
    "latency": {"count": 1000, "sum_us": 1_800_000 * 4, "min": 100, "mean": 7200, "max": 9000, "stdev": 10,
                "percentiles": {"p50": 7000, "p90": 8000, "p99": 8800, "p99_9": 9000}},
    "latency_corrected": {"min": 100, "mean": 7300, "max": 9000, "stdev": 10,
                          "percentiles": {"p50": 7000, "p99": 8900}},
}


def _outcome(case: bs.Case, rps_scale: float, repeat: int = 1) -> bs.RunOutcome:
    rep = dict(REPORT, requests=int(1000 * rps_scale))
    w = parse_report(rep, connections=case.connections, threads=1, duration_s=2, wrk_user_s=0.1, wrk_sys_s=0.1)
    return bs.RunOutcome(case.key, case.server, repeat, case.path, case.connections, ok=True, wrk=w,
                         server_cpu_s=1.9, host_busy_s=2.0 + 0.2 + 0.1)


def test_cases_reference_known_servers_and_baselines() -> None:
    keys = {c.key for c in bs.CASES}
    assert len(keys) == len(bs.CASES)
    for c in bs.CASES:
        assert c.server in bs.SERVERS
        if c.baseline:
            assert c.baseline in keys
            assert bs.SERVERS[bs.CASES_BY_KEY[c.baseline].server].family == "gunicorn"
            assert bs.SERVERS[c.server].model == bs.SERVERS[bs.CASES_BY_KEY[c.baseline].server].model
            assert bs.CASES_BY_KEY[c.baseline].path == c.path
            assert bs.CASES_BY_KEY[c.baseline].connections == c.connections
    io = [c for c in bs.CASES if c.path.startswith("/io")]
    assert io and all(c.limit_rps == pytest.approx(5120) and c.connections == 256 for c in io)


def test_server_argv_fills_placeholders() -> None:
    argv = bs.server_argv(bs.SERVERS["gunicorn-gthread-1x16"], "/py", 8123)
    assert argv[:3] == ["/py", "-m", "gunicorn"]
    assert "127.0.0.1:8123" in argv and "--no-control-socket" in argv
    assert argv[-1] == bs.APP
    assert argv[argv.index("--threads") + 1] == "16"
    py = bs.server_argv(bs.SERVERS["pyserver-threaded-256"], "/py", 1)
    assert py[:3] == ["/py", "-m", "pyserver"] and "127.0.0.1:0" in py
    assert py[py.index("--mode") + 1] == "threaded" and py[py.index("--threads") + 1] == "256"


def test_table_medians_ratio_and_limit() -> None:
    by = bs.CASES_BY_KEY
    s = {k: bs.Summary(by[k], k) for k in ("io/pyserver-async", "io/gunicorn-gevent")}
    for rep, scale in enumerate((5.0, 4.0, 4.5), 1):
        s["io/pyserver-async"].runs.append(_outcome(by["io/pyserver-async"], scale, rep))
        s["io/gunicorn-gevent"].runs.append(_outcome(by["io/gunicorn-gevent"], scale / 2, rep))
    s["io/gunicorn-gevent"].runs.append(bs.RunOutcome("io/gunicorn-gevent", "x", 4, "/io", 256, ok=False,
                                                      error="launch failed: boom"))
    rows = bs.table_rows(s)
    assert all(len(r) == len(bs.HEADER) for r in rows)
    py, gu = rows
    assert py[3] == "2,250"  # median of 2500, 2000, 2250 req/s
    assert py[8] == "2.00x"
    assert py[9] == "43.9% of 5,120"
    assert "1 run(s) failed" in gu[0]
    md = bs.markdown_table(rows)
    assert md.count("\n") == 3 and md.startswith("| server |")
    j = s["io/pyserver-async"].to_json()
    assert j["rps_median"] == 2250 and j["ok_runs"] == 3 and j["latency_kind"] == ["raw"]


def test_failed_case_row() -> None:
    c = bs.CASES_BY_KEY["hello/pyserver-async"]
    s = bs.Summary(c, "pyserver async")
    s.runs.append(bs.RunOutcome(c.key, c.server, 1, c.path, 64, ok=False, error="launch failed: no module"))
    (row,) = bs.table_rows({c.key: s})
    assert row[3] == "FAILED" and "no module" in row[4] and len(row) == len(bs.HEADER)


def test_help_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        bs.main(["--help"])
    assert ei.value.code == 0
    assert "--repeats" in capsys.readouterr().out
    assert bs.main(["--list", "--only", "io/"]) == 0
    out = capsys.readouterr().out
    assert "io/pyserver-async" in out and "hello/" not in out


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (make tools)")
def test_one_real_gunicorn_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = bs.main(["--only", "hello/gunicorn-gthread", "--repeats", "1", "--duration", "1", "--warmup", "0",
                    "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "gunicorn gthread" in out
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    rows = [json.loads(line) for line in (run_dir / "runs.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["ok"] and rows[0]["requests"] > 0 and rows[0]["latency_kind"] == "raw"
    assert (run_dir / "runs.csv").exists() and (tmp_path / "latest.md").read_text().count("|") > 10
    summary = json.loads((tmp_path / "latest.json").read_text())
    assert summary["cases"][0]["rps_median"] > 0
