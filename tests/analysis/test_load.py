"""Loading stored campaigns: the rows as written, and clear errors for broken ones."""
import csv
import json

import pytest

from harness import store
from harness.analysis import frame, thresholds


def test_fixture_loads_every_row_with_types(runs, fixture_dir):
    with open(fixture_dir / "runs.csv") as fh:
        stored = list(csv.DictReader(fh))
    assert len(runs) == len(stored)
    assert list(runs.columns[:len(store.COLUMNS)]) == list(store.COLUMNS)
    assert runs["rps"].dtype == "float64"
    assert runs["connections"].isna().sum() == sum(1 for r in stored if r["connections"] == "")
    assert set(runs["loop"]) == {"open", "closed"}
    assert runs.attrs["campaigns"]["campaign-small"]["host"]["cores"] == 2


def test_flags_name_why_a_run_is_not_the_servers_number(runs):
    flagged = frame.flagged(runs)
    reasons = " ".join(flagged["flags"])
    assert "generator-bound" in reasons
    assert "not-verified" in reasons
    assert "errors" in reasons
    assert not runs.loc[runs["status"] != "ok", "usable"].any()


def test_aggregate_gives_median_and_spread_per_point(runs):
    io = frame.select(runs, server="go", workload="io", loop="closed")
    agg = frame.aggregate(io, ["rps"])
    assert list(agg["connections"]) == [16, 64, 256]
    c256 = io[io["connections"] == 256]["rps"]
    row = agg[agg["connections"] == 256].iloc[0]
    assert row["n"] == 3
    assert row["rps_median"] == pytest.approx(c256.median())
    assert row["rps_min"] == c256.min() and row["rps_max"] == c256.max()
    assert row["rps_cv"] == pytest.approx(c256.std() / c256.mean())


def test_flagged_repeats_are_left_out_of_the_median(runs):
    hello = frame.select(runs, server="pyserver-threaded", workload="hello")
    row = frame.aggregate(hello, ["rps"]).iloc[0]
    assert row["n"] == 2 and row["n_flagged"] == 1
    assert row["rps_median"] == pytest.approx(hello[hello["usable"]]["rps"].median())


def test_unstable_points_are_the_noisy_server(runs):
    noisy = frame.unstable(runs)
    assert not noisy.empty
    assert (noisy["rps_cv"] > thresholds.UNSTABLE_CV).all()
    assert "gunicorn-gevent" in set(noisy["server"])


def test_select_takes_one_value_or_several(runs):
    assert set(frame.select(runs, server=["go", "node"])["server"]) == {"go", "node"}
    assert set(frame.select(runs, model="forked")["server"]) == {"pyserver-forked", "gunicorn-sync"}
    assert frame.select(runs, workload="nope").empty


def test_compare_two_campaigns(runs, campaign_copy):
    path = campaign_copy / "runs.csv"
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        r["campaign"] = "after"
        if r["server"] == "go":
            r["rps"] = str(float(r["rps"]) * 2)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    meta = json.loads((campaign_copy / "campaign.json").read_text())
    meta["campaign"] = "after"
    (campaign_copy / "campaign.json").write_text(json.dumps(meta))
    after = frame.load(campaign_copy)
    cmp = frame.compare(runs, after)
    go = cmp[(cmp["server"] == "go") & (cmp["workload"] == "io") & (cmp["connections"] == 256)].iloc[0]
    assert go["ratio"] == pytest.approx(2.0) and go["moved"]
    node = cmp[(cmp["server"] == "node") & (cmp["workload"] == "io") & (cmp["connections"] == 256)].iloc[0]
    assert node["ratio"] == pytest.approx(1.0) and not node["moved"]


def test_load_several_campaigns_keeps_them_apart(fixture_dir, campaign_copy):
    meta = json.loads((campaign_copy / "campaign.json").read_text())
    meta["campaign"] = "second"
    (campaign_copy / "campaign.json").write_text(json.dumps(meta))
    both = frame.load(fixture_dir, campaign_copy)
    assert set(both.attrs["campaigns"]) == {"campaign-small", "second"}


# --- malformed or partial campaigns ------------------------------------------------------------

def _rewrite(path, transform):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(transform(lines)))


def test_missing_column_is_named(campaign_copy):
    path = campaign_copy / "runs.csv"
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    fields = [f for f in rows[0] if f != "latency_p99_ms"]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(frame.CampaignError, match=r"runs\.csv: line 1: header is not schema \d+ nor an older one \(missing latency_p99_ms"):
        frame.load(campaign_copy)


def test_wrong_schema_version_is_named(campaign_copy):
    path = campaign_copy / "runs.csv"
    # the fixture is a schema-1 file: a row that says another schema contradicts its header
    _rewrite(path, lambda lines: lines[:1] + ["9," + l.split(",", 1)[1] for l in lines[1:]])
    with pytest.raises(frame.CampaignError, match=r"line 2: schema .9., the header is schema 1"):
        frame.load(campaign_copy)


def test_empty_runs_file(campaign_copy):
    (campaign_copy / "runs.csv").write_text("")
    with pytest.raises(frame.CampaignError, match=r"runs\.csv: empty file"):
        frame.load(campaign_copy)


def test_header_only(campaign_copy):
    _rewrite(campaign_copy / "runs.csv", lambda lines: lines[:1])
    with pytest.raises(frame.CampaignError, match=r"header only, no runs"):
        frame.load(campaign_copy)


def test_missing_campaign_json(campaign_copy):
    (campaign_copy / "campaign.json").unlink()
    with pytest.raises(frame.CampaignError, match=r"missing campaign\.json"):
        frame.load(campaign_copy)


def test_missing_runs_csv(campaign_copy):
    (campaign_copy / "runs.csv").unlink()
    with pytest.raises(frame.CampaignError, match=r"missing runs\.csv"):
        frame.load(campaign_copy)


def test_missing_directory(tmp_path):
    with pytest.raises(frame.CampaignError, match=r"no such campaign directory"):
        frame.load(tmp_path / "nope")


def test_not_a_number_names_line_and_column(campaign_copy):
    _rewrite(campaign_copy / "runs.csv",
             lambda lines: lines[:2] + [lines[2].replace(",co-corrected,", ",co-corrected,", 1)
                                        .replace(",wrk,16,", ",wrk,sixteen,", 1)] + lines[3:])
    with pytest.raises(frame.CampaignError, match=r"line 3: column connections holds 'sixteen'"):
        frame.load(campaign_copy)


def test_campaign_json_not_json(campaign_copy):
    (campaign_copy / "campaign.json").write_text("{host:")
    with pytest.raises(frame.CampaignError, match=r"campaign\.json: not readable JSON"):
        frame.load(campaign_copy)


def test_shared_top_compares_servers_at_one_level():
    import pandas as pd
    agg = pd.DataFrame({"server": ["a", "a", "b", "b", "c"], "connections": [64, 256, 16, 64, 1],
                        "rps": [1.0, 2.0, 3.0, 4.0, 5.0]})
    top = frame.shared_top(agg)
    # a and b share 64 (their highest common level); c shares none and keeps its own highest
    assert {(r.server, r.connections) for r in top.itertuples()} == {("a", 64), ("b", 64), ("c", 1)}
    two = frame.shared_top(agg[agg["server"] != "c"])
    assert set(two["connections"]) == {64}
