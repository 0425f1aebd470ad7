"""``arena report CAMPAIGN``: results/<campaign>/report.md and a self-contained report.html.

Built from the stored rows and campaign.json only. The report holds the
environment, every server's configuration (as the rows recorded it), the
overview figure, the claims table, one summary table per workload, every chart,
stability warnings (coefficient of variation over 10%) and the runs that cannot
stand as the server's number (generator-bound, errors, not verified).

Markdown and HTML are rendered from the same list of blocks, so they say the
same thing; the HTML embeds its images, so it can be mailed or archived alone.
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness import analysis, claims, plots

RESULTS = Path("results")
CHARTS_DIR = "charts"

# --- blocks: one document, two renderings ------------------------------------------------------


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    note: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    png: Path
    alt: str


@dataclass
class Bullets:
    items: list[str]


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list, base: Path) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(("> " if b.note else "") + b.text)
        elif isinstance(b, Table):
            out.append("| " + " | ".join(map(_md_cell, b.header)) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b.rows]
        elif isinstance(b, Image):
            out.append(f"![{b.alt}]({b.png.relative_to(base).as_posix()})")
        elif isinstance(b, Bullets):
            out += [f"- {i}" for i in b.items]
        out.append("")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.4em 0 1.2em}
blockquote{border-left:4px solid #d62728;margin:1em 0;padding:.3em 1em;background:#fff4f4}
code{background:#f3f3f3;padding:0 .2em}
"""


def _inline(text: str) -> str:
    """The little markdown the report uses: **bold** and `code`, HTML-escaped."""
    out, bold, code = [], False, False
    i = 0
    text = str(text)
    while i < len(text):
        if text.startswith("**", i) and not code:
            out.append("</b>" if bold else "<b>")
            bold = not bold
            i += 2
        elif text[i] == "`":
            out.append("</code>" if code else "<code>")
            code = not code
            i += 1
        else:
            out.append(html.escape(text[i]))
            i += 1
    return "".join(out)


def render_html(blocks: list, title: str) -> str:
    out = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
           f"<style>{_CSS}</style><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<blockquote>{_inline(b.text)}</blockquote>" if b.note else f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            out.append("<table><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in b.header) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in b.rows]
            out.append("</table>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.png.read_bytes()).decode("ascii")
            out.append(f'<img alt="{html.escape(b.alt)}" src="data:image/png;base64,{data}">')
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)


# --- the sections ----------------------------------------------------------------------------------

def _num(value, fmt="{:,.0f}") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    return fmt.format(value)


def _load_label(row) -> str:
    if pd.notna(row["connections"]):
        return f"c{int(row['connections'])}"
    return f"{_num(row['rate'], '{:g}')}/s"


def _flatten(meta: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, name + ".")
        else:
            out.append((name, json.dumps(value) if isinstance(value, (list, bool)) else str(value)))
    return out


def environment(meta: dict) -> list:
    blocks = [Heading(2, "Environment")]
    if not meta:
        return blocks + [Para("campaign.json holds no host facts.")]
    rows = [[k, v] for k, v in _flatten(meta) if k not in ("fixture",)]
    return blocks + [Table(["fact", "value"], rows)]


def servers(runs: pd.DataFrame) -> list:
    cols = ["server", "runtime", "model", "workers", "threads", "launcher", "server_cpus", "load_cpus"]
    table = runs.drop_duplicates(cols)[cols + ["parallelism"]].sort_values(["runtime", "server"])
    rows = []
    for _, r in table.iterrows():
        try:
            par = json.loads(r["parallelism"]) if r["parallelism"] else {}
        except ValueError:
            par = {"raw": r["parallelism"]}
        observed = ", ".join(f"{k}={v}" for k, v in par.items())
        rows.append([r["server"], r["runtime"], r["model"], str(r["workers"]), str(r["threads"]),
                     r["launcher"], r["server_cpus"], r["load_cpus"], observed or "–"])
    return [Heading(2, "Servers"),
            Para("Each server's configuration as the rows recorded it: the sizing the catalog resolved "
                 "(workers x threads), where it ran, and the parallelism read back from the running "
                 "server (processes, OS threads, CPUs allowed, and what the runtime reports of itself)."),
            Table(["server", "runtime", "model", "workers", "threads", "launcher", "server CPUs",
                   "load CPUs", "observed parallelism"], rows)]


def summary(runs: pd.DataFrame) -> list:
    blocks = [Heading(2, "Results by workload")]
    agg = analysis.aggregate(runs, ["rps", "latency_p50_ms", "latency_p99_ms", "efficiency",
                                    "cpu_us_per_request", "server_rss_peak_mib", "error_rate"])
    for workload in dict.fromkeys(runs["workload"]):
        for loop in ("closed", "open"):
            pts = agg[(agg["workload"] == workload) & (agg["loop"] == loop)]
            if pts.empty:
                continue
            pts = pts.sort_values(["server", "connections", "rate"])
            targets = ", ".join(sorted(pts["target"].unique()))
            how = "closed loop (wrk), by connections" if loop == "closed" else \
                "open loop (fixed rate), latency from the intended send time"
            blocks.append(Heading(3, f"{workload}: `{targets}`, {how}"))
            rows = []
            for _, r in pts.iterrows():
                bottleneck = "; ".join(sorted(set(runs[
                    (runs["server"] == r["server"]) & (runs["workload"] == workload)
                    & (runs["target"] == r["target"])
                    & ((runs["connections"] == r["connections"]) if pd.notna(r["connections"])
                       else (runs["rate"] == r["rate"]))]["bottleneck"])))
                rows.append([r["server"], _load_label(r), str(int(r["n"])),
                             _num(r["rps_median"]) + (" (flagged)" if r["all_flagged"] else ""),
                             _num(r["rps_cv"], "{:.1%}"), _num(r["latency_p50_ms_median"], "{:,.1f}"),
                             _num(r["latency_p99_ms_median"], "{:,.1f}"),
                             _num(r["efficiency_median"], "{:.0%}"),
                             _num(r["cpu_us_per_request_median"]), _num(r["server_rss_peak_mib_median"]),
                             _num(r["error_rate_median"], "{:.1%}"), bottleneck])
            blocks.append(Table(["server", "load", "runs", "req/s (median)", "CV", "p50 ms", "p99 ms",
                                 "of limit", "CPU µs/req", "RSS MiB", "errors", "bottleneck"], rows))
    return blocks


def stability(runs: pd.DataFrame) -> list:
    noisy = analysis.unstable(runs)
    blocks = [Heading(2, f"Stability warnings (coefficient of variation over {analysis.UNSTABLE_CV:.0%})")]
    if noisy.empty:
        return blocks + [Para(f"None: every point's repeats agree within {analysis.UNSTABLE_CV:.0%}.")]
    rows = [[r["server"], r["workload"], _load_label(r), str(int(r["n"])), _num(r["rps_median"]),
             f"{_num(r['rps_min'])} – {_num(r['rps_max'])}", f"{r['rps_cv']:.1%}"]
            for _, r in noisy.iterrows()]
    return blocks + [
        Para(f"{len(noisy)} points vary by more than {analysis.UNSTABLE_CV:.0%} between repeats; "
             "do not read differences smaller than their range. Rerun them with more repeats, "
             "check the foreign CPU share of their runs, and pin server and generator to separate cores."),
        Table(["server", "workload", "load", "runs", "req/s (median)", "range", "CV"], rows)]


def flagged(runs: pd.DataFrame) -> list:
    bad = analysis.flagged(runs)
    blocks = [Heading(2, "Flagged runs")]
    if bad.empty:
        return blocks + [Para("None: every run stands as its server's number.")]
    groups = bad.groupby(["server", "workload", "target", "loop", "connections", "rate"], dropna=False)
    rows = []
    for (server, workload, target, loop, c, rate), g in groups:
        reasons = "; ".join(sorted(set(g["flags"])))
        load = f"c{int(c)}" if pd.notna(c) else f"{rate:g}/s"
        rows.append([server, f"{workload} `{target}`", load, str(len(g)), reasons,
                     ", ".join(g["run_id"])])
    return blocks + [
        Para(f"{len(bad)} runs are not the server's own number and are left out of medians "
             "(a point whose every run is flagged is shown as flagged, a lower bound). "
             "Generator-bound: the load generator saturated its CPU first. Errors: more than "
             f"{analysis.ERROR_RATE_FLAG:.0%} of requests failed, as open-loop load past a "
             "server's capacity does. Not verified: the server failed the contract check and was "
             "not measured."),
        Table(["server", "workload", "load", "runs", "why", "run ids"], rows)]


def claims_section(runs: pd.DataFrame) -> list:
    verdicts = claims.check(runs)
    blocks = [Heading(2, "The article's claims, checked"),
              Para("Verdicts from the medians of repeats (see Results by workload; thresholds in `harness/claims.py`: within "
                   f"{claims.TIE:.0%} is a tie; handling I/O well is {claims.SERVES_WELL:.0%} of the "
                   "Little's-law limit). *depends* means true under one condition and false under another."),
              Table(["#", "claim", "verdict", "the numbers", "flips when"],
                    [[str(v.number), v.claim, f"**{v.verdict}**", v.why, v.flips] for v in verdicts])]
    for v in verdicts:
        blocks.append(Heading(3, f"Claim {v.number}: {v.verdict}"))
        blocks.append(Para(f"{v.claim} Ratio: {v.ratio}."))
        if v.evidence:
            blocks.append(Table(["what", "measured"], [list(e) for e in v.evidence]))
        if v.rows:
            blocks.append(Para("Rows: " + "; ".join(v.rows) + "."))
    return blocks


CHART_TEXT = {
    "throughput": ("Throughput vs concurrency", "Median of repeats, bars from the slowest to the fastest "
                   "repeat; dashed: the theoretical limit stored with each point (Little's law "
                   "min(connections, slots) / wait for I/O; cores / CPU service time for CPU work)."),
    "latency": ("Latency vs offered rate (open loop)", "Latency measured from each request's intended "
                "send time, so a stalled server cannot hide its queue; hollow markers: more than 1% "
                "of requests failed."),
    "distribution": ("Latency distribution at one point", "p50 to max at the highest rate every "
                     "server sustained."),
    "cost": ("Cost at a fixed rate", "Server CPU time per request and peak memory of the whole "
             "process tree, at one offered rate every server sustained."),
}


def build(campaign: str | Path, out: str | Path | None = None) -> dict[str, Path]:
    """Write report.md, report.html and charts/ for a campaign; returns their paths."""
    camp = analysis.load_campaign(campaign)
    runs = analysis.load(camp.path)
    out = Path(out) if out else camp.path
    charts = plots.all_charts(runs, out / CHARTS_DIR)
    title = f"Concurrency Arena report: {camp.name}"
    blocks: list = [Heading(1, title)]
    if camp.meta.get("fixture"):
        blocks.append(Para(f"**{camp.meta['fixture']}.** Nothing in this report is a benchmark "
                           "result.", note=True))
    n_points = len(analysis.aggregate(runs, ["rps"]))
    blocks.append(Para(f"{len(runs)} runs, {n_points} points, {runs['server'].nunique()} servers, "
                       f"workloads {', '.join(dict.fromkeys(runs['workload']))}. Generated by "
                       "`arena report` from `runs.csv` and `campaign.json`; do not edit by hand."))
    if "overview" in charts:
        blocks += [Heading(2, "Overview"), Image(charts["overview"][0], "overview")]
    blocks += claims_section(runs)
    blocks += environment(camp.meta)
    blocks += servers(runs)
    blocks.append(Heading(2, "Charts"))
    for kind, (heading, text) in CHART_TEXT.items():
        names = [n for n in charts if n.startswith(kind + "-")]
        if not names:
            continue
        blocks += [Heading(3, heading), Para(text)]
        blocks += [Image(charts[n][0], n) for n in names]
    blocks += summary(runs)
    blocks += stability(runs)
    blocks += flagged(runs)
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(render_markdown(blocks, out))
    html_path.write_text(render_html(blocks, title))
    return {"markdown": md_path, "html": html_path, "charts": out / CHARTS_DIR}


def publish(campaign: str | Path, docs: str | Path = "docs") -> dict[str, Path]:
    """``make docs``: docs/charts/* and docs/results.md from a published campaign.

    Refuses a test fixture: docs/ shows measured campaigns only.
    """
    camp = analysis.load_campaign(campaign)
    if camp.meta.get("fixture"):
        raise analysis.CampaignError(f"{camp.path}: a test fixture ({camp.meta['fixture']}); "
                                     "docs/ publishes measured campaigns from results/ only")
    runs = analysis.load(camp.path)
    docs = Path(docs)
    charts = plots.all_charts(runs, docs / CHARTS_DIR)
    source = camp.path.as_posix()
    blocks: list = [Heading(1, f"Published results: {camp.name}"),
                    Para(f"Generated by `make docs` from `{source}` (runs.csv and campaign.json); "
                         "do not edit by hand. The full report, with every table, stability warning "
                         f"and flagged run, is `{source}/report.md`. How these numbers were taken: "
                         "[methodology](methodology.md).")]
    if "overview" in charts:
        blocks += [Image(charts["overview"][0], "overview")]
    blocks += claims_section(runs)[:3]
    blocks += environment(camp.meta)
    blocks += servers(runs)
    blocks.append(Heading(2, "Charts"))
    for kind, (heading, text) in CHART_TEXT.items():
        names = [n for n in charts if n.startswith(kind + "-")]
        if names:
            blocks += [Heading(3, heading), Para(text)] + [Image(charts[n][0], n) for n in names]
    path = docs / "results.md"
    path.write_text(render_markdown(blocks, docs))
    return {"markdown": path, "charts": docs / CHARTS_DIR}


def resolve(campaign: str) -> Path:
    """A campaign name (results/<name>) or a path to its directory."""
    path = Path(campaign)
    if path.is_dir() or path.name == analysis.RUNS_FILE:
        return path
    candidate = RESULTS / campaign
    return candidate if candidate.is_dir() else path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("campaign", help="campaign name under results/, or its directory")
    parser.add_argument("--out", help="write the report here instead of the campaign's directory")
    parser.add_argument("--docs", metavar="DIR",
                        help="publish into DIR (charts/ and results.md) instead of writing a report")


def run(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "docs", None):
            paths = publish(resolve(args.campaign), args.docs)
            print(f"docs: {paths['markdown']} and {paths['charts']}/")
            return 0
        paths = build(resolve(args.campaign), args.out)
    except analysis.CampaignError as exc:
        print(f"arena report: {exc}", file=sys.stderr)
        return 2
    print(f"report: {paths['markdown']}")
    print(f"        {paths['html']} (self-contained)")
    return 0


def register(sub) -> None:
    """`arena report CAMPAIGN` (harness/cli.py)."""
    parser = sub.add_parser("report", help="write a campaign's report (Markdown + HTML)",
                            description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arena report", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
