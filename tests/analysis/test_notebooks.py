"""The notebooks run top to bottom, against the fixture and against the published
campaign (results/published.txt, committed), so they cannot rot; the chart data they
show covers every panel of a small-multiples chart, not only the first."""
import re
from pathlib import Path

import pytest

from harness.analysis import frame
from harness.analysis.style import MODEL_LABELS

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _run(name: str, monkeypatch, campaign: Path | None):
    if campaign is None:
        monkeypatch.delenv("ARENA_CAMPAIGN", raising=False)   # the notebook's own default
    else:
        monkeypatch.setenv("ARENA_CAMPAIGN", str(campaign))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "the charts drew nothing"
    return nb


def _printed(cells) -> str:
    outputs = [o for c in cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _assert_every_panel_shown(nb, campaign: Path) -> None:
    """The cell tagged panel-data shows the CPU throughput chart's data: every model's
    panel by its title, with each server the rows put in it (worked out here from the
    rows, not from the figure); a panel with no rows is named as not measured."""
    cells = [c for c in nb.cells if "panel-data" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exploration.ipynb has one cell tagged panel-data"
    shown = _printed(cells) + "".join(o.get("data", {}).get("text/plain", "") for o in cells[0].outputs)
    runs = frame.load(campaign)
    cpu = frame.select(runs, workload="cpu", loop="closed", driver="wrk")
    assert cpu["model"].nunique() > 1, "with one model, one panel is every panel"
    panels = {MODEL_LABELS.get(m, m): set(cpu.loc[cpu["model"] == m, "server"]) for m in runs["model"].unique()}
    for title, servers in panels.items():
        for server in servers:
            # a whole name: "node" is not shown by "node-cluster"
            whole = rf"(?<![\w.-]){re.escape(server)}(?![\w.-])"
            assert re.search(whole, shown), f"{server} of {title!r} missing"
    listed = re.search(r"not measured:(.*)", shown)       # the panels with no rows, one line
    for title, servers in panels.items():
        where = shown if servers else (listed.group(1) if listed else "")
        assert title in where, f"panel {title!r} missing" + ("" if servers else " from the not-measured line")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["exploration", "claims"])
def test_notebook_runs_on_the_fixture(name, fixture_dir, monkeypatch):
    nb = _run(name, monkeypatch, fixture_dir)
    text = _printed(nb.cells)
    assert "campaign-small" in text and "not a result" in text
    if name == "exploration":
        _assert_every_panel_shown(nb, fixture_dir)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["exploration", "claims"])
def test_notebook_runs_on_the_published_campaign_by_default(name, monkeypatch):
    published = frame.published()
    nb = _run(name, monkeypatch, None)
    text = _printed(nb.cells)
    assert published.name in text and "not a result" not in text
    if name == "exploration":
        _assert_every_panel_shown(nb, published)
