"""The audit: what can never be true of an honest row or point, checked over a whole campaign.

Each :class:`Invariant` states a fact about a row (or a point: the repeats of one
server x workload x load) that a correct measurement cannot break, and why. Rows
that break one become a :class:`Violation` naming the invariant, the run ids and
the figures. People may explain a violation in the campaign's notes.toml
(:func:`harness.store.read_notes`); an explained violation is listed with its
explanation and does not fail the audit. Pure: rows in, violations out, nothing
written. The row checks are in :mod:`harness.analysis.invariants`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from harness import store
from harness.analysis import frame
from harness.analysis.invariants import INVARIANTS, POINT_KEY, Invariant, point_label


@dataclass(frozen=True)
class Violation:
    invariant: str
    point: str                  # which server x workload x load, as people read it
    run_ids: tuple[str, ...]
    reasons: tuple[str, ...]    # per run: its own figures that break the invariant
    explained: str = ""         # the notes.toml reason, when people explained it

    @property
    def reason(self) -> str:
        """The reason, once when every run gives the same one."""
        distinct = list(dict.fromkeys(self.reasons))
        return distinct[0] if len(distinct) == 1 else " | ".join(distinct)


@dataclass(frozen=True)
class Audit:
    campaign: str
    rows: int
    points: int
    violations: tuple[Violation, ...]

    @property
    def unexplained(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if not v.explained)

    @property
    def explained(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.explained)

    @property
    def ok(self) -> bool:
        return not self.unexplained

    def summary(self) -> str:
        """One line: passed, or how many violations of which invariants."""
        if not self.violations:
            return (f"passed: {self.rows} runs, {self.points} points, every one of "
                    f"{len(INVARIANTS)} invariants holds")
        counts = pd.Series([v.invariant for v in self.unexplained]).value_counts()
        named = ", ".join(f"{name} {n}" for name, n in counts.items())
        head = "passed" if self.ok else "failed"
        return (f"{head}: {self.rows} runs, {self.points} points; {len(self.unexplained)} unexplained "
                f"violation(s){' (' + named + ')' if named else ''}, {len(self.explained)} explained "
                f"in {store.NOTES_FILE}")


def check(runs: pd.DataFrame) -> list[Violation]:
    """Every violation in these rows (one campaign), unexplained, in invariant order."""
    out: list[Violation] = []
    for inv in INVARIANTS:
        reasons = inv.check(runs)
        if reasons.empty:
            continue
        bad = runs.loc[reasons.index].assign(_reason=reasons)
        for _, group in bad.groupby(list(POINT_KEY), dropna=False, sort=True):
            out.append(Violation(inv.name, point_label(group.iloc[0]), tuple(group["run_id"]),
                                 tuple(group["_reason"])))
    return out


def explain(violations: list[Violation], notes: list[store.Note], run_ids: set[str],
            where: str = store.NOTES_FILE) -> list[Violation]:
    """The violations with ``explained`` set where a note covers every one of their runs
    (for that invariant, or for any when the note names none).

    A note naming an unknown invariant or a run the campaign does not hold is refused
    (CampaignError): an explanation must say what it explains.
    """
    names = {inv.name for inv in INVARIANTS}
    for i, note in enumerate(notes, 1):
        if note.invariant and note.invariant not in names:
            raise frame.CampaignError(f"{where}: [[explained]] number {i}: unknown invariant "
                                      f"{note.invariant!r}; known: {', '.join(sorted(names))}")
        unknown = [r for r in note.runs if r not in run_ids]
        if unknown:
            raise frame.CampaignError(f"{where}: [[explained]] number {i}: no run {unknown[0]!r} "
                                      f"in this campaign")
    out = []
    for v in violations:
        why = next((n.reason for n in notes if (not n.invariant or n.invariant == v.invariant)
                    and set(v.run_ids) <= set(n.runs)), "")
        out.append(replace(v, explained=why))
    return out


def audit_runs(runs: pd.DataFrame, notes: list[store.Note] = (), name: str = "") -> Audit:
    """The audit of rows already loaded (a test's fabricated rows, a notebook's frame)."""
    found = explain(check(runs), list(notes), set(runs["run_id"]))
    points = runs.groupby(list(POINT_KEY), dropna=False).ngroups if len(runs) else 0
    return Audit(name, len(runs), points, tuple(found))


def audit(campaign: str | Path) -> Audit:
    """Load a campaign and its notes.toml and audit every row and point.

    CampaignError (a StoreError) for a campaign that cannot be read: a missing folder,
    a runs.csv with a missing column or a broken line, a malformed notes.toml.
    """
    camp = frame.load_campaign(campaign)
    try:
        notes = store.read_notes(camp.path)
    except store.StoreError as exc:
        raise frame.CampaignError(str(exc)) from None
    return audit_runs(camp.runs, notes, camp.name)


def text(result: Audit, shown: str) -> str:
    """The audit as the console prints it: every violation with its runs and reason."""
    lines = [f"audit {shown}: {len(INVARIANTS)} invariants over {result.rows} runs, "
             f"{result.points} points"]
    for v in result.violations:
        tag = "explained" if v.explained else "VIOLATION"
        lines.append(f"{tag} {v.invariant}: {v.point}")
        if len(set(v.reasons)) == 1:
            lines.append(f"    {', '.join(v.run_ids)}: {v.reasons[0]}")
        else:
            lines += [f"    {run}: {why}" for run, why in zip(v.run_ids, v.reasons)]
        if v.explained:
            lines.append(f"    explained in {store.NOTES_FILE}: {v.explained}")
    lines.append(f"audit {shown}: {result.summary()}")
    return "\n".join(lines)


__all__ = ["Audit", "Invariant", "Violation", "audit", "audit_runs", "check", "explain",
           "text", "INVARIANTS"]
