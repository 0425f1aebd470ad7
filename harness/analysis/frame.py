"""Stored campaigns as pandas DataFrames: load, filter, aggregate repeats, compare.

Reads what the harness stored, through :mod:`harness.store` (its one CSV reader and
one column list), and nothing else: it never re-measures. One row per run, as
:class:`harness.specs.RunResult` defines it; a few derived columns are added on load,
each named below, so the stored values stay untouched.

    >>> from harness.analysis import frame
    >>> runs = frame.load("results/quick")
    >>> io = frame.select(runs, workload="io", loop="closed")
    >>> frame.aggregate(io)[["server", "connections", "rps_median", "rps_cv"]]
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd

from harness import store
from harness.analysis import stats
from harness.analysis.thresholds import ERROR_SHARE, UNSTABLE_CV
from harness.limits import SERVED_ONLY_LATENCY
from harness.launch.ceiling import LAUNCHER as CEILING_LAUNCHER
from harness.specs import Placement, PlacementError, RunResult

RESULTS = Path(__file__).resolve().parents[2] / "results"
# The one place that names the campaign docs/, the README and the notebooks show.
PUBLISHED_FILE = RESULTS / "published.txt"


def _column_types() -> dict[str, str]:
    """pandas dtype per stored column, from RunResult's annotations: integers that may be
    empty are the nullable Int64; text stays text even where it looks numeric (git sha,
    CPU lists)."""
    kinds = {"int": "int64", "int | None": "Int64", "float": "float64", "float | None": "float64"}
    return {f.name: kinds.get(str(f.type), "text") for f in dataclasses.fields(RunResult)}


_TYPES = _column_types()

#: What identifies one measured point; repeats of a point differ only in repeat/order.
POINT: tuple[str, ...] = ("campaign", "server", "runtime", "model", "workers", "threads",
                          "launcher", "cores", "workload", "target", "driver", "loop", "connections",
                          "rate")

#: Metrics aggregate() gives a bootstrap interval of the median by default.
CI_METRICS: tuple[str, ...] = ("rps",)

#: Metrics aggregate() summarises by default.
METRICS: tuple[str, ...] = ("rps", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms",
                            "latency_p999_ms", "latency_max_ms", "cpu_us_per_request",
                            "server_rss_peak_mib", "limit_rps", "efficiency", "error_rate",
                            "core_utilisation")


class CampaignError(store.StoreError):
    """A stored campaign that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Campaign:
    """One stored campaign: its rows and the host facts stored beside them."""

    name: str
    path: Path
    runs: pd.DataFrame              # the servers compared
    meta: dict
    own: pd.DataFrame | None = None     # the harness's own rows: the load path's ceiling


# --- loading -------------------------------------------------------------------

MAIN = "main"                       # the campaign docs/, the README and the notebooks show
BENCH_SERVER = "bench-server"       # `make bench-server`'s: the README's pyserver-vs-gunicorn table
ROLES = (MAIN, BENCH_SERVER)


def published_names(pointer: Path = PUBLISHED_FILE) -> dict[str, str]:
    """results/published.txt as ``{role: campaign name}``. Each line that is not blank or a
    ``#`` comment is ``ROLE = NAME`` (a role of :data:`ROLES`) or a bare ``NAME``, the main
    campaign (the file's original one-name format). Only the main campaign is required."""
    try:
        lines = pointer.read_text().splitlines()
    except OSError as exc:
        raise CampaignError(f"{pointer}: cannot read the published campaign's name: "
                            f"{exc.strerror or exc}") from None
    names: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        role, _, name = line.rpartition("=")
        role, name = role.strip() or MAIN, name.strip()
        if role not in ROLES or not name:
            raise CampaignError(f"{pointer}:{number}: {line!r} is not NAME or ROLE = NAME "
                                f"(roles: {', '.join(ROLES)})")
        if role in names:
            raise CampaignError(f"{pointer}:{number}: a second {role} campaign ({name!r} "
                                f"after {names[role]!r})")
        names[role] = name
    if MAIN not in names:
        raise CampaignError(f"{pointer}: names no campaign (one line: a directory under results/)")
    return names


def published(pointer: Path = PUBLISHED_FILE, role: str = MAIN) -> Path:
    """The directory of the campaign results/published.txt names for ``role``
    (default: the main campaign); a CampaignError if it names none or it does not exist."""
    names = published_names(pointer)
    if role not in names:
        raise CampaignError(f"{pointer}: names no {role} campaign (a line `{role} = NAME`)")
    path = pointer.parent / names[role]
    if not (path / store.RUNS_FILE).exists():
        raise CampaignError(f"{pointer}: names {names[role]!r}, but {path / store.RUNS_FILE} does not exist")
    return path


def _campaign_dir(path: str | Path) -> Path:
    path = Path(path)
    if path.name == store.RUNS_FILE:
        path = path.parent
    if not path.exists():
        raise CampaignError(f"{path}: no such campaign directory")
    if not path.is_dir():
        raise CampaignError(f"{path}: not a campaign directory (expected a folder holding "
                            f"{store.RUNS_FILE} and {store.CAMPAIGN_FILE})")
    return path


def from_rows(rows: list[dict[str, str]], where: str = "rows") -> pd.DataFrame:
    """Stored rows (text cells, as :func:`harness.store.read_rows` gives them) as typed,
    derived columns. ``where`` names the source in errors ("line N" counts the header)."""
    frame = pd.DataFrame(rows, columns=list(store.COLUMNS), dtype=str)
    for col, kind in _TYPES.items():
        if kind == "text":
            frame[col] = frame[col].astype(str)
            continue
        text = frame[col].astype(str).str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = text[(text != "") & values.isna()]
        if not bad.empty:
            raise CampaignError(f"{where}: line {int(bad.index[0]) + 2}: column {col} holds "
                                f"{bad.iloc[0]!r}, not a number")
        if kind == "int64" and values.isna().any():
            raise CampaignError(f"{where}: line {int(values.index[values.isna()][0]) + 2}: "
                                f"column {col} is empty")
        frame[col] = values.astype(kind)
    return _derive(frame)


def _derive(runs: pd.DataFrame) -> pd.DataFrame:
    """Columns computed from the stored ones, for slicing and charts."""
    runs = runs.copy()
    runs["loop"] = ["open" if pd.notna(r) else "closed" for r in runs["rate"]]
    runs["errors"] = runs[["errors_connect", "errors_read", "errors_write", "errors_timeout",
                           "errors_status"]].sum(axis=1)
    # ``requests`` counts answered requests (a non-2xx answer among them); socket
    # errors and timeouts never got an answer, so they add to the attempts.
    attempts = runs["requests"] + runs[["errors_connect", "errors_read", "errors_write",
                                        "errors_timeout"]].sum(axis=1)
    runs["error_rate"] = (runs["errors"] / attempts.where(attempts > 0)).fillna(0.0)
    # an empty cell: placement not recorded, so no core count
    runs["cores"] = runs["server_cpus"].map(
        lambda t: Placement.parse(t).count if isinstance(t, str) and t.strip() else None).astype("Int64")
    # Share of the server's cores its processes kept busy: 1.0 = every core it was given.
    busy = runs["server_cpu_s"] / (runs["duration_s"] * runs["cores"].astype("float64"))
    runs["core_utilisation"] = busy.where(runs["duration_s"] > 0)
    runs["verdict_or_status"] = runs["bottleneck"].where(runs["status"] == "ok", runs["status"])
    runs["flags"] = [", ".join(_row_flags(r)) for r in runs.itertuples(index=False)]
    runs["usable"] = runs["flags"] == ""
    return runs


def _row_flags(row) -> list[str]:
    """Why a run cannot stand as the server's own number (empty: it can)."""
    flags = []
    if row.status != "ok":
        flags.append(row.status + (f" ({row.failure})" if row.failure else ""))
    if row.bottleneck == "generator":
        flags.append("generator-bound")
    if row.bottleneck == "errors" or row.error_rate > ERROR_SHARE:
        flags.append(f"errors {row.error_rate:.1%}")
    if row.bottleneck == "noisy":
        flags.append(f"noisy (foreign CPU {row.foreign_cpu_share:.0%})")
    if row.bottleneck == "imbalance":
        flags.append(f"imbalance (idlest worker {row.idlest_worker_cpu_share:.0%} of the workers' CPU)")
    return flags


def cpu_set(cpus: str) -> frozenset[int] | None:
    """A stored CPU list as a set (specs.Placement reads it); None when empty (placement not
    recorded) or not a CPU list."""
    if not isinstance(cpus, str) or not cpus.strip():
        return None
    try:
        return Placement.parse(cpus).cpus
    except PlacementError:
        return None


def count_cpus(cpus: str) -> int | None:
    """``"0-1,4"`` -> 3; empty -> None (placement not recorded)."""
    found = cpu_set(cpus)
    return len(found) if found else None


def load_campaign(path: str | Path) -> Campaign:
    """One campaign directory (or its runs.csv) -> :class:`Campaign`.

    Raises :class:`CampaignError` naming the file and what is missing or wrong.
    """
    directory = _campaign_dir(path)
    runs_path = directory / store.RUNS_FILE
    if not runs_path.exists():
        raise CampaignError(f"{directory}: missing {store.RUNS_FILE} (the harness writes one row "
                            f"per run there)")
    if not (directory / store.CAMPAIGN_FILE).exists():
        raise CampaignError(f"{directory}: missing {store.CAMPAIGN_FILE} (the host facts stored with "
                            f"the rows); rows without their environment are not published")
    try:
        meta = store.read_meta(directory / store.CAMPAIGN_FILE)
        rows = store.read_rows(runs_path)
    except store.StoreError as exc:
        raise CampaignError(str(exc)) from None
    if not rows:
        raise CampaignError(f"{runs_path}: " + ("header only, no runs stored yet" if runs_path.stat().st_size
                                                 else "empty file (expected a header line and rows)"))
    name = str(meta.get("campaign") or directory.name)
    every = from_rows(rows, str(runs_path))
    # the load path's ceiling (harness/launch/ceiling.py) bounds /hello rows; it is no server
    own = every["launcher"] == CEILING_LAUNCHER
    runs = every[~own].reset_index(drop=True)
    runs.attrs["campaigns"] = {name: meta}
    return Campaign(name=name, path=directory, runs=runs, meta=meta, own=every[own].reset_index(drop=True))


def load(*paths: str | Path) -> pd.DataFrame:
    """Rows of one or more campaigns as one DataFrame (``campaign`` tells them apart).

    Each campaign's host facts are kept in ``frame.attrs["campaigns"][name]``.
    """
    if not paths:
        raise CampaignError("load() needs at least one campaign directory")
    campaigns = [load_campaign(p) for p in paths]
    frame = pd.concat([c.runs for c in campaigns], ignore_index=True)
    frame.attrs["campaigns"] = {c.name: c.meta for c in campaigns}
    return frame


# --- slicing -------------------------------------------------------------------

def _as_set(value) -> set | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)):
        return {value}
    return set(value)


def select(runs: pd.DataFrame, *, server=None, model=None, runtime=None, workload=None,
           loop=None, driver=None, launcher=None, usable: bool | None = None) -> pd.DataFrame:
    """Rows matching every given filter; each filter takes one value or several.

    ``usable=True`` keeps only runs that stand as the server's number (status ok,
    not generator-bound, errors under :data:`harness.limits.ERROR_SHARE`).
    """
    mask = pd.Series(True, index=runs.index)
    for column, wanted in (("server", server), ("model", model), ("runtime", runtime),
                           ("workload", workload), ("loop", loop), ("driver", driver),
                           ("launcher", launcher)):
        values = _as_set(wanted)
        if values is not None:
            mask &= runs[column].isin(values)
    if usable is not None:
        mask &= runs["usable"] == usable
    return runs[mask]


def flagged(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs that are not the server's own number, with the reason in ``flags``."""
    cols = ["campaign", "run_id", "server", "workload", "target", "loop", "connections", "rate",
            "repeat", "rps", "generator_cpu_share", "error_rate", "bottleneck", "status", "flags"]
    return runs.loc[~runs["usable"], cols].sort_values(["server", "workload", "connections", "rate"])


# --- aggregating repeats -----------------------------------------------------------

def aggregate(runs: pd.DataFrame, metrics: Iterable[str] = METRICS, *, by: Iterable[str] = POINT,
              only_usable: bool = True, ci: Iterable[str] = CI_METRICS) -> pd.DataFrame:
    """One row per point: for each metric its median, min, max and CV over the repeats.

    Columns: the ``by`` keys, ``n`` (repeats aggregated: a point's reruns are repeats
    too), ``n_flagged`` (repeats left out as flagged), then ``<metric>_median``, ``_min``,
    ``_max``, ``_cv``, ``_rcv`` (:func:`stats.robust_cv`, what stability is judged by), and for each metric in ``ci`` (default: req/s) ``_ci_low`` and
    ``_ci_high``, the bootstrap 95% interval of the median (:func:`stats.bootstrap_ci`;
    empty with fewer than two repeats), and ``_values``, the repeats' values it was drawn
    from (for intervals of ratios, :func:`stats.ratio_ci`). A point whose every repeat is
    flagged is kept, from its flagged runs, with ``all_flagged`` set, so a chart can show
    it as such rather than drop it.
    """
    by = list(by)
    metrics = list(metrics)
    runs = _served_latency_only(runs)
    runs["_flagged"] = ~runs["usable"]
    every = runs.groupby(by, dropna=False, sort=True)
    n_flagged = every["_flagged"].sum()
    all_flagged = every["_flagged"].all()
    if only_usable:
        # keep usable runs; a point with none keeps all, so it still shows (as flagged)
        runs = runs[runs["usable"] | runs.groupby(by, dropna=False)["usable"].transform(
            lambda u: not u.any())]
    grouped = runs.groupby(by, dropna=False, sort=True)
    out = grouped.size().rename("n").to_frame()
    out["n_flagged"] = n_flagged
    out["n_measured"] = every["status"].agg(lambda s: int((s == "ok").sum()))
    out["all_flagged"] = all_flagged
    out["run_ids"] = grouped["run_id"].agg(tuple)
    for metric in metrics:
        values = grouped[metric]
        out[f"{metric}_median"] = values.median()
        out[f"{metric}_min"] = values.min()
        out[f"{metric}_max"] = values.max()
        out[f"{metric}_cv"] = values.agg(stats.cv).astype("float64")
        out[f"{metric}_rcv"] = values.agg(stats.robust_cv).astype("float64")
    for metric in ci:
        out[f"{metric}_values"] = grouped[metric].agg(lambda v: tuple(stats.values(v)))
        bounds = out[f"{metric}_values"].map(lambda v: stats.bootstrap_ci(v) or (math.nan, math.nan))
        out[f"{metric}_ci_low"] = bounds.map(lambda b: b[0]).astype("float64")
        out[f"{metric}_ci_high"] = bounds.map(lambda b: b[1]).astype("float64")
    # runs whose latency is of the served requests alone (left out of the latency above)
    out["n_served_only"] = grouped["latency_kind"].agg(lambda k: int((k == SERVED_ONLY_LATENCY).sum()))
    out["flags"] = grouped["flags"].agg(lambda f: "; ".join(sorted({x for x in f if x})))
    out["limit_kind"] = grouped["limit_kind"].agg(lambda k: next((x for x in k if x), ""))
    # every run's verdict, flagged ones too (a run that did not measure: its status)
    out["verdicts"] = every["verdict_or_status"].agg(lambda v: "; ".join(sorted({x for x in v if x})))
    return out.reset_index()


def _served_latency_only(runs: pd.DataFrame) -> pd.DataFrame:
    """A copy without the latency of served-only rows (limits.SERVED_ONLY_LATENCY): their
    percentiles leave out the connections that were never answered, so no point's latency
    is drawn from them; their req/s stands."""
    runs = runs.copy()
    partial = runs["latency_kind"] == SERVED_ONLY_LATENCY
    if partial.any():
        for col in [c for c in runs.columns if c.startswith("latency_") and c.endswith("_ms")]:
            runs.loc[partial, col] = math.nan
    return runs


def unstable(runs: pd.DataFrame, metric: str = "rps", threshold: float = UNSTABLE_CV) -> pd.DataFrame:
    """Points whose repeats disagree: robust coefficient of variation of ``metric`` above
    ``threshold`` (the audit's unstable-point)."""
    agg = aggregate(runs, [metric])
    rcv = agg[f"{metric}_rcv"]
    keep = ["campaign", "server", "workload", "target", "loop", "connections", "rate", "n", "run_ids",
            f"{metric}_median", f"{metric}_min", f"{metric}_max", f"{metric}_cv", f"{metric}_rcv"]
    return agg.loc[rcv > threshold, keep].sort_values(f"{metric}_rcv", ascending=False)


# --- comparing two campaigns ----------------------------------------------------------

def compare(before: pd.DataFrame, after: pd.DataFrame, metric: str = "rps", *,
            ignore: Iterable[str] = ("campaign",)) -> pd.DataFrame:
    """Each point measured in both: medians, ratio after/before, and whether it moved.

    Points are matched on POINT less ``ignore`` (two campaigns: the campaign; two
    launchers in one campaign: ``ignore=("campaign", "launcher")``). Per side: the
    median, its bootstrap interval (``_low``, ``_high``), ``n_`` repeats and
    ``all_flagged_``; ``ratio_low``/``ratio_high`` is the bootstrap interval of the
    ratio (:func:`stats.ratio_ci`; empty with fewer than two repeats on a side).
    ``moved`` is True when the two ranges of repeats do not overlap, so a change inside
    run-to-run noise is not reported as one.
    """
    key = [k for k in POINT if k not in set(ignore)]
    a = aggregate(before, [metric], by=key, ci=[metric]).set_index(key)
    b = aggregate(after, [metric], by=key, ci=[metric]).set_index(key)
    both = a.add_suffix("_before").join(b.add_suffix("_after"), how="inner")
    if both.empty:
        raise CampaignError("the two campaigns share no measured point (same server, workload, "
                            "target, driver and load)")
    out = pd.DataFrame(index=both.index)
    for side in ("before", "after"):
        out[side] = both[f"{metric}_median_{side}"]
        out[f"{side}_low"] = both[f"{metric}_ci_low_{side}"]
        out[f"{side}_high"] = both[f"{metric}_ci_high_{side}"]
        out[f"n_{side}"] = both[f"n_{side}"]
        out[f"all_flagged_{side}"] = both[f"all_flagged_{side}"]
    out["ratio"] = out["after"] / out["before"].where(out["before"] != 0)
    bounds = [(stats.ratio_ci(after, before) if len(before) > 1 and len(after) > 1 else None)
              or (math.nan, math.nan)
              for before, after in zip(both[f"{metric}_values_before"], both[f"{metric}_values_after"])]
    out["ratio_low"] = [lo for lo, _ in bounds]
    out["ratio_high"] = [hi for _, hi in bounds]
    out["moved"] = ((both[f"{metric}_min_after"] > both[f"{metric}_max_before"])
                    | (both[f"{metric}_max_after"] < both[f"{metric}_min_before"]))
    return out.reset_index()


def shared_top(agg: pd.DataFrame) -> pd.DataFrame:
    """Closed-loop points of :func:`aggregate`, one per server, at one shared level: the
    most connections among the levels measured for the most servers (so servers run at
    more levels compare where the others were); a server without it keeps its highest."""
    if agg.empty:
        return agg
    reach = agg.groupby("connections")["server"].nunique()
    pick = max(reach[reach == reach.max()].index)
    rows = agg[agg["connections"] == pick]
    missing = agg[~agg["server"].isin(rows["server"])]
    if not missing.empty:
        missing = missing[missing["connections"] == missing.groupby("server")["connections"].transform("max")]
    return pd.concat([rows, missing])


def one_launcher(runs: pd.DataFrame) -> pd.DataFrame:
    """The rows charts and claims draw on: native where the campaign has native rows,
    else all (a campaign run wholly in Docker). Both launchers side by side are the
    business of :func:`launchers_side_by_side`."""
    native = runs["launcher"] == "native"
    return runs[native] if native.any() else runs


def launchers_side_by_side(runs: pd.DataFrame, metric: str = "rps") -> pd.DataFrame:
    """Points measured both natively and in Docker in one campaign: :func:`compare` with
    native as before and docker as after (empty when the campaign has one launcher)."""
    native, docker = select(runs, launcher="native"), select(runs, launcher="docker")
    if native.empty or docker.empty:
        return pd.DataFrame()
    try:
        return compare(native, docker, metric, ignore=("campaign", "launcher"))
    except CampaignError:
        return pd.DataFrame()


# --- small helpers shared by plots, claims and report ---------------------------------------

def wait_ms(target: str) -> float | None:
    """The I/O wait a target asks for: ``/io?ms=50`` -> 50.0; None when it names none."""
    from urllib.parse import parse_qsl, urlsplit
    params = dict(parse_qsl(urlsplit(target).query))
    try:
        return float(params["ms"])
    except (KeyError, ValueError):
        return None


def campaign_meta(runs: pd.DataFrame, name: str | None = None) -> dict:
    campaigns = runs.attrs.get("campaigns", {})
    if name is None:
        return next(iter(campaigns.values()), {}) if len(campaigns) == 1 else {}
    return campaigns.get(name, {})


def fmt_rate(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value >= 10_000:
        return f"{value / 1000:,.1f}k"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"
