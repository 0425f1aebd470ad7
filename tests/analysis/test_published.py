"""What docs/ and the README publish is what `make docs` generates from the campaign
results/published.txt names: nothing published is edited by hand, and that campaign
passes its audit."""
import shutil
from pathlib import Path

import pytest

from harness.analysis import audit, frame, pairs, report

ROOT = Path(__file__).resolve().parents[2]


def test_docs_and_readme_are_generated_from_the_published_campaign(tmp_path):
    campaign = frame.published()
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / report.METHODOLOGY, tmp_path / "docs" / report.METHODOLOGY)
    # the generator without write_docs' refusal: this test checks what is committed
    bench = frame.published(role=frame.BENCH_SERVER) \
        if frame.BENCH_SERVER in frame.published_names() else None
    paths = report.generate_docs(campaign, tmp_path / "docs", readme, bench)
    committed = (ROOT / "docs" / "results.md").read_text()
    assert paths["markdown"].read_text() == committed, \
        "docs/results.md is stale or edited by hand: run `make docs`"
    assert paths["methodology"].read_text() == (ROOT / "docs" / report.METHODOLOGY).read_text(), \
        "docs/methodology.md's invariants block is stale or edited by hand: run `make docs`"
    assert readme.read_text() == (ROOT / "README.md").read_text(), \
        "README.md's published or pyserver-vs-gunicorn block is stale or edited by hand: run `make docs`"
    made = sorted(p.name for p in (tmp_path / "docs" / "charts").iterdir())
    have = sorted(p.name for p in (ROOT / "docs" / "charts").iterdir())
    assert made == have, "docs/charts/ differs from what the campaign gives: run `make docs`"


# full-20261202 stays published as the audit's witness (issue 11) until the campaign is
# rebuilt (issue 16); strict, so this turns red the day a published campaign passes and
# the marker must go.
WITNESS = "full-20261202"


@pytest.mark.xfail(frame.published().name == WITNESS, strict=True,
                   reason=f"{WITNESS} is the audit's witness: published before the audit existed")
def test_the_published_campaign_passes_its_audit():
    """`make docs` refuses a campaign whose audit fails; what docs/ shows must pass it too."""
    campaign = frame.published()
    result = audit.audit(campaign)
    assert result.ok, audit.text(result, str(campaign))


def test_the_readme_block_shows_the_overview_and_the_claims():
    text = (ROOT / "README.md").read_text()
    block = text[text.index(report.README_START):text.index(report.README_END)]
    assert "docs/charts/overview.png" in block
    assert "| 1 | Go serves well" in block and "| 5 | Python is the slowest" in block
    assert frame.published().name in block


def test_a_missing_block_or_pointer_is_a_clear_error(tmp_path):
    import pytest
    with pytest.raises(frame.CampaignError, match="no published-results block"):
        report.replace_block("# no markers here\n", "x", "README.md")
    pointer = tmp_path / "published.txt"
    pointer.write_text("# only a comment\n")
    with pytest.raises(frame.CampaignError, match="names no campaign"):
        frame.published(pointer)
    pointer.write_text("gone-20990101\n")
    with pytest.raises(frame.CampaignError, match="does not exist"):
        frame.published(pointer)
    with pytest.raises(frame.CampaignError, match="cannot read"):
        frame.published(tmp_path / "absent.txt")


def test_the_readme_pairs_block_is_the_published_bench_server_campaign_or_says_none():
    text = (ROOT / "README.md").read_text()
    block = text[text.index(report.PAIRS_START) + len(report.PAIRS_START):text.index(report.PAIRS_END)]
    names = frame.published_names()
    if frame.BENCH_SERVER in names:
        assert f"Campaign `results/{names[frame.BENCH_SERVER]}`" in block
    else:
        assert block.strip() == pairs.NONE_PUBLISHED
