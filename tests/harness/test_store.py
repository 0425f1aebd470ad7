"""harness.store: append-only rows, resume by run id, validation that names file and line."""
from __future__ import annotations

import json

import pytest

from harness import store
from harness.specs import SCHEMA_VERSION

from arena_rows import result


def test_append_writes_header_once_and_reads_back(tmp_path):
    c = store.Campaign(tmp_path, "c1")
    assert c.rows() == []
    assert c.append(result(run_id="a", rate=None, latency_p50_ms=1.25))
    assert c.append(result(run_id="b", connections=None, rate=50.0))
    text = c.runs_path.read_text()
    assert text.count("schema,campaign,run_id") == 1 and text.endswith("\n")
    rows = c.rows()
    assert [r["run_id"] for r in rows] == ["a", "b"]
    assert rows[0]["latency_p50_ms"] == "1.25" and rows[0]["rate"] == ""
    assert rows[1]["connections"] == "" and rows[1]["rate"] == "50.0"
    assert rows[0]["schema"] == str(SCHEMA_VERSION)


def test_duplicate_run_id_is_skipped_even_from_a_new_store_object(tmp_path):
    store.Campaign(tmp_path, "c").append(result(run_id="a"))
    again = store.Campaign(tmp_path, "c")           # a rerun: fresh object, same files
    assert again.has("a")
    assert not again.append(result(run_id="a", rps=1.0))
    assert again.append(result(run_id="b"))
    assert [r["run_id"] for r in again.rows()] == ["a", "b"]


@pytest.mark.parametrize("content, message", [
    ("schema,campaign\n1,c\n", "line 1: header is not schema"),
    (",".join(store.COLUMNS) + "\n1,c,short\n", "line 2: 3 fields"),
    (",".join(store.COLUMNS) + "\n" + ",".join(["9"] + [""] * (len(store.COLUMNS) - 1)) + "\n",
     "line 2: schema '9'"),
    (",".join(reversed(store.COLUMNS)) + "\n", "columns in another order"),
])
def test_malformed_runs_csv_is_an_error_naming_file_and_line(tmp_path, content, message):
    c = store.Campaign(tmp_path, "bad")
    c.dir.mkdir()
    c.runs_path.write_text(content)
    with pytest.raises(store.StoreError) as err:
        c.rows()
    assert str(c.runs_path) in str(err.value) and message in str(err.value)
    with pytest.raises(store.StoreError):
        c.append(result(run_id="x"))                 # never append to a file it cannot read


def test_a_line_cut_short_is_dropped_before_appending(tmp_path):
    c = store.Campaign(tmp_path, "c")
    c.append(result(run_id="a"))
    with open(c.runs_path, "a") as f:
        f.write("1,c,half-a-ro")                    # a crash mid-write
    fresh = store.Campaign(tmp_path, "c")
    assert [r["run_id"] for r in fresh.rows()] == ["a"]
    assert fresh.append(result(run_id="b"))
    assert [r["run_id"] for r in store.Campaign(tmp_path, "c").rows()] == ["a", "b"]


def test_campaign_meta_keeps_first_creation_and_refuses_another_host(tmp_path):
    c = store.Campaign(tmp_path, "c")
    host = {"hostname": "h", "cpu_model": "cpu", "cores": 2}
    c.write_meta({"host": host, "created_at": "t1", "started_at": "t1",
                  "calibration": {"python": {"n": 10}}})
    meta = c.write_meta({"host": host, "created_at": "t2", "started_at": "t2",
                         "calibration": {"python": {"n": 99}, "go": {"n": 5}}})
    assert meta["created_at"] == "t1" and meta["sessions"] == ["t1", "t2"]
    assert meta["calibration"] == {"python": {"n": 10}, "go": {"n": 5}}
    assert json.loads(c.meta_path.read_text())["campaign"] == "c"
    with pytest.raises(store.StoreError, match="another host"):
        c.write_meta({"host": {**host, "cpu_model": "other"}})


def test_bad_meta_and_names(tmp_path):
    with pytest.raises(store.StoreError):
        store.Campaign(tmp_path, "../escape")
    c = store.Campaign(tmp_path, "c")
    c.dir.mkdir()
    c.meta_path.write_text("{not json")
    with pytest.raises(store.StoreError, match="campaign.json"):
        c.read_meta()


def test_raw_dir_is_per_run_and_safe(tmp_path):
    c = store.Campaign(tmp_path, "c")
    path = c.raw_dir("go.io?ms=5.wrk/c8.r1")
    assert path.is_dir() and path.parent == c.dir / "raw" and "/" not in path.name


def _older_file(c: store.Campaign, schema: int) -> None:
    """A runs.csv as an older schema wrote it: without the columns later schemas added."""
    added = {name for later, cols in store.ADDED_IN_SCHEMA.items() if later > schema for name in cols}
    old = [name for name in store.COLUMNS if name not in added]
    row = {**store.to_row(result(run_id="old")), "schema": str(schema)}
    c.dir.mkdir(parents=True, exist_ok=True)
    c.runs_path.write_text(",".join(old) + "\n" + ",".join(row[n] for n in old) + "\n")


@pytest.mark.parametrize("schema", [1, 2, 3])
def test_an_older_schema_reads_with_its_missing_columns_empty(tmp_path, schema):
    c = store.Campaign(tmp_path, "old")
    _older_file(c, schema)
    (row,) = c.rows()
    assert row["run_id"] == "old" and row["schema"] == str(schema)
    assert tuple(row) == store.COLUMNS
    assert row["declared_wait_ms"] == ""
    if schema <= 2:
        assert row["rerun_of"] == row["rerun_reason"] == row["limit_detail"] == ""
    if schema == 1:
        assert row["served_share"] == row["latency_p99_corrected_ms"] == row["helper_cpu_s"] == ""
    with pytest.raises(store.StoreError, match="older schema"):
        c.append(result(run_id="new"))               # one file, one schema


def test_a_schema_2_file_reads_without_the_histogram_and_limit_detail(tmp_path):
    c = store.Campaign(tmp_path, "two")
    _older_file(c, 2)
    (row,) = c.rows()
    assert row["schema"] == "2" and row["latency_histogram"] == row["limit_detail"] == ""
    assert row["served_share"] == "1.0"


def test_the_published_campaigns_still_load():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("results/*/runs.csv"), root / "tests/fixtures/campaign-small/runs.csv"]:
        assert store.read_rows(path), path


# --- notes.toml: people's explanations of audit violations -------------------------------------

def test_notes_are_read_as_explanations(tmp_path):
    assert store.read_notes(tmp_path) == []                 # no notes.toml: nothing explained
    (tmp_path / store.NOTES_FILE).write_text(
        '[[explained]]\ninvariant = "cost-from-ticks"\nruns = ["a", "b"]\nreason = " ticks "\n\n'
        '[[explained]]\nruns = ["c"]\nreason = "any"\n')
    assert store.read_notes(tmp_path) == [store.Note(("a", "b"), "ticks", "cost-from-ticks"),
                                          store.Note(("c",), "any", "")]


@pytest.mark.parametrize("text, message", [
    ("[[explained]\n", "not readable TOML"),
    ("[[explained]]\nreason = 'x'\n", "runs must be a non-empty list"),
    ("[[explained]]\nruns = ['a']\n", "reason must say why"),
    ("[[explained]]\nruns = ['a']\nreason = 'x'\nwho = 'me'\n", "unknown key"),
    ("[other]\n", "unknown key"),
])
def test_malformed_notes_are_named(tmp_path, text, message):
    (tmp_path / store.NOTES_FILE).write_text(text)
    with pytest.raises(store.StoreError, match=message):
        store.read_notes(tmp_path)


