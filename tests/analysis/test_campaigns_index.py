"""docs/campaigns.md (harness/analysis/campaigns.py): one line per campaign under results/,
generated, never edited by hand."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from harness.analysis import campaigns, report

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_index_is_what_the_campaigns_give():
    assert (ROOT / "docs" / "campaigns.md").read_text() == campaigns.markdown(), \
        "docs/campaigns.md is stale or edited by hand: run `make docs`"


def test_each_campaign_is_one_line_with_its_facts_and_audit(fixture_dir, tmp_path):
    results = tmp_path / "results"
    for name, day in (("later", "2026-12-05"), ("earlier", "2026-12-01")):
        dest = results / name
        shutil.copytree(fixture_dir, dest, ignore=shutil.ignore_patterns("*.py", "README.md"))
        meta = json.loads((dest / "campaign.json").read_text())
        (dest / "campaign.json").write_text(json.dumps({**meta, "campaign": name, "created_at": day + "T08:00:00+00:00",
                                                        "description": "a | b"}))
    (results / "half").mkdir()                      # rows without campaign.json: not a campaign
    (results / "half" / "runs.csv").write_text("")
    pointer = results / "published.txt"
    pointer.write_text("# the published one\nlater\n")
    page = campaigns.markdown(results, pointer)
    lines = [line for line in page.splitlines() if line.startswith("| [")]
    assert [line.split("]")[0] for line in lines] == ["| [earlier", "| [later"]     # oldest first
    earlier, later = lines
    assert "(published)" in later and "(published)" not in earlier
    runs = sum(1 for _ in open(fixture_dir / "runs.csv")) - 1
    cells = [c.strip() for c in earlier.split(" | ")]
    assert cells[1] == "2026-12-01" and cells[3] == "a \\| b" and cells[5] == f"{runs:,}"
    assert cells[6].rstrip(" |").startswith(("passes", "fails: "))
    assert "half" not in page


def test_make_docs_writes_the_index(fixture_dir, tmp_path):
    paths = report.generate_docs(fixture_dir, tmp_path / "docs")
    assert paths["campaigns"] == tmp_path / "docs" / report.CAMPAIGNS
    assert paths["campaigns"].read_text() == campaigns.markdown()
