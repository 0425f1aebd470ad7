"""The report from the fixture campaign: files, sections, embedded images, clear errors."""
import base64
import re

import pytest

from harness import report

SECTIONS = ["## Overview", "## The article's claims, checked", "## Environment", "## Servers",
            "## Charts", "## Results by workload", "## Stability warnings", "## Flagged runs"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, fixture_dir):
    out = tmp_path_factory.mktemp("report")
    return report.build(fixture_dir, out), out


def test_files_exist(built):
    paths, out = built
    assert paths["markdown"] == out / "report.md" and paths["markdown"].exists()
    assert paths["html"].exists()
    for name in ("overview", "throughput-io", "latency-cpu", "cost-io"):
        assert (out / "charts" / f"{name}.png").exists()
        assert (out / "charts" / f"{name}.svg").exists()


def test_markdown_has_every_section_in_order(built):
    md = built[0]["markdown"].read_text()
    positions = [md.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "TEST FIXTURE" in md.splitlines()[2]          # a fixture says so before anything else
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", md):
        assert (built[1] / image).exists(), image


def test_markdown_names_flags_and_warnings(built):
    md = built[0]["markdown"].read_text()
    flagged = md[md.index("## Flagged runs"):]
    assert "generator-bound" in flagged and "not-verified" in flagged and "errors" in flagged
    stability = md[md.index("## Stability warnings"):md.index("## Flagged runs")]
    assert "gunicorn-gevent" in stability
    assert "| 3 | A Python WSGI app" in md and "**depends**" in md


def test_html_is_self_contained(built):
    page = built[0]["html"].read_text()
    assert page.startswith("<!doctype html>")
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) >= 10
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r'(src|href)="(?!data:)', page)


def test_cli_entry_writes_report_and_names_it(fixture_dir, tmp_path, capsys):
    assert report.main([str(fixture_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "report.md") in out


def test_broken_campaign_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "runs.csv").write_text("")
    assert report.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "missing campaign.json" in err
