"""The claims table, one line per verdict: the README's block, docs/results.md and the report."""
from __future__ import annotations

import pandas as pd

from harness.analysis.claims.verdict import Verdict
from harness.analysis.thresholds import CONFIDENCE

HEADERS = ("#", "claim", "tested on", "verdict", "the numbers", f"ratios, {CONFIDENCE:.0%} CI",
           "flips when")


def table_rows(verdicts: list[Verdict]) -> list[list[str]]:
    """One row per line; a claim's second line repeats its number, not its text."""
    rows, seen = [], set()
    for v in verdicts:
        rows.append([str(v.number), "" if v.number in seen else v.claim, v.tested_on or "–",
                     f"**{v.verdict}**", v.why, v.ratio, v.flips])
        seen.add(v.number)
    return rows


def markdown_table(verdicts: list[Verdict]) -> str:
    """The claims table as markdown: claim, what it was tested on, verdict, the numbers,
    the ratios with their intervals, and when it flips."""
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in table_rows(verdicts)]
    return "\n".join(lines)


def to_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    return pd.DataFrame([{"#": v.number, "claim": v.claim, "tested on": v.tested_on,
                          "verdict": v.verdict, "why": v.why, "ratio": v.ratio,
                          "flips when": v.flips} for v in verdicts])
