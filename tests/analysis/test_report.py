"""The report from the fixture campaign: files, sections, embedded images, clear errors."""
import base64
import re

import pytest

from harness.analysis import commands, report

SECTIONS = ["## Overview", "## The article's claims, checked", "## Environment", "## Servers",
            "## Charts", "## Results by workload", "## The load path's ceiling", "## Stability warnings", "## Flagged runs",
            "## Audit", "### Invariants"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, fixture_dir):
    out = tmp_path_factory.mktemp("report")
    return report.write_report(fixture_dir, out), out


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
    audit_part = md[md.index("## Audit"):]
    assert "`arena audit` failed:" in audit_part and "`cost-arithmetic`" in audit_part
    assert "The audit fails" in md.splitlines()[4]          # said before any figure


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
    assert commands.main(["report", str(fixture_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "report.md") in out


def test_broken_campaign_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "runs.csv").write_text("")
    assert commands.main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "missing campaign.json" in err


def test_docs_refuse_a_fixture(fixture_dir, tmp_path, capsys):
    assert commands.main(["report", str(fixture_dir), "--docs", str(tmp_path)]) == 2
    assert "test fixture" in capsys.readouterr().err
    assert not (tmp_path / "results.md").exists()


def _measured(campaign_copy):
    """The fixture copy standing in for a measured campaign (its fixture mark removed)."""
    import json
    meta = json.loads((campaign_copy / "campaign.json").read_text())
    del meta["fixture"]
    (campaign_copy / "campaign.json").write_text(json.dumps(meta))
    return campaign_copy


def _readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{report.README_START}\nold text\n{report.README_END}\n"
                      f"{report.PAIRS_START}\n{report.PAIRS_END}\nafter\n")
    return readme


def test_docs_refuse_a_campaign_whose_audit_fails(campaign_copy, tmp_path, capsys):
    campaign = _measured(campaign_copy)
    readme = _readme(tmp_path)
    before = readme.read_text()
    docs = tmp_path / "docs"
    assert commands.main(["report", "--docs", str(docs), "--readme", str(readme), str(campaign)]) == 1
    err = capsys.readouterr().err
    assert "VIOLATION cost-arithmetic" in err and "not published, its audit failed" in err
    assert [p.name for p in docs.iterdir()] == [report.CAMPAIGNS]     # only the index of campaigns
    assert readme.read_text() == before
    with pytest.raises(report.PublishRefused):
        report.write_docs(docs, None, campaign)


def test_docs_from_a_measured_campaign_whose_violations_are_explained(campaign_copy, tmp_path):
    from harness.analysis import audit
    campaign = _measured(campaign_copy)
    notes = "".join(f'[[explained]]\ninvariant = "{v.invariant}"\nruns = {list(v.run_ids)!r}\n'
                    f'reason = "fabricated rows"\n\n'.replace("'", '"')
                    for v in audit.audit(campaign).violations)
    (campaign / "notes.toml").write_text(notes)
    readme = _readme(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "methodology.md").write_text(f"# m\n{report.INVARIANTS_START}\n{report.INVARIANTS_END}\n")
    assert commands.main(["report", "--docs", str(docs), "--readme", str(readme), str(campaign)]) == 0
    text = readme.read_text()
    assert "old text" not in text and text.startswith("# x\n\nbefore\n") and text.endswith("after\n")
    assert "](docs/charts/overview.png)" in text and "| 2 | Node handles" in text
    assert "[docs/results.md](docs/results.md)" in text
    md = (docs / "results.md").read_text()
    assert md.startswith("# Published results: campaign-small")
    assert "Generated by `make docs`" in md and "| 5 | Python is the slowest" in md
    assert "## Audit" in md and "passed:" in md and "explained in notes.toml" in md
    assert (docs / "charts" / "overview.png").exists() and "](charts/overview.png)" in md
    methodology = (docs / "methodology.md").read_text()
    assert "| `above-limit` | row |" in methodology and "The published campaign: `arena audit" in methodology


def test_native_and_docker_side_by_side(campaign_copy, fixture_dir, tmp_path):
    """A campaign that ran its hello points in both launchers gets a side-by-side table:
    docker's median against native's, and whether the difference is outside the repeats."""
    import csv
    path = campaign_copy / "runs.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    docker = []
    for r in rows:
        if r["workload"] == "hello":
            d = dict(r, launcher="docker", run_id=r["run_id"] + ".docker",
                     rps=str(float(r["rps"]) * 0.5))
            docker.append(d)
    with open(path, "a", newline="") as f:
        csv.DictWriter(f, fieldnames=list(rows[0])).writerows(docker)
    from harness.analysis import frame
    side = frame.launchers_side_by_side(frame.load(campaign_copy))
    assert set(side["workload"]) == {"hello"} and (side["ratio"].round(3) == 0.5).all()
    md = report.write_report(campaign_copy, tmp_path / "out")["markdown"].read_text()
    section = md[md.index("## Native and Docker side by side"):]
    assert "-50.0%" in section and "c64 (docker)" in md     # summary rows say which launcher
    plain = report.write_report(fixture_dir, tmp_path / "plain")["markdown"].read_text()
    assert "## Native and Docker side by side" not in plain     # one launcher: no such section
