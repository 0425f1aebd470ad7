"""The notebooks run top to bottom, against the fixture and against the published
campaign (results/published.txt, committed), so they cannot rot."""
from pathlib import Path

import pytest

from harness.analysis import frame

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
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["exploration", "claims"])
def test_notebook_runs_on_the_fixture(name, fixture_dir, monkeypatch):
    text = _run(name, monkeypatch, fixture_dir)
    assert "campaign-small" in text and "not a result" in text


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["exploration", "claims"])
def test_notebook_runs_on_the_published_campaign_by_default(name, monkeypatch):
    published = frame.published()
    text = _run(name, monkeypatch, None)
    assert published.name in text and "not a result" not in text
