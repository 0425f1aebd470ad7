"""A claim's verdict and the interval checks it is decided by.

Each part of a claim is a :class:`Check`: a ratio of medians (two servers, or a server
against a limit), its bootstrap interval over the repeats, and the line the part is
decided at (an edge of the tie band for two servers, a threshold of
:mod:`harness.analysis.thresholds` otherwise). A part holds or fails only when the
whole interval lies on one side; an interval across the line leaves it unclear, and a
verdict with an unclear part is ``inconclusive``, never forced either way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from harness.analysis.thresholds import CONFIDENCE, TIE_BAND

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
DEPENDS = "depends"
INCONCLUSIVE = "inconclusive"
NOT_TESTED = "not tested"

HOLDS, FAILS, UNCLEAR = "holds", "fails", "unclear"


@dataclass(frozen=True)
class Check:
    """One part of a claim, decided on ``value`` and its interval.

    With ``above`` the part holds when the whole interval is at or above ``holds_at`` and
    fails when it is wholly below ``fails_at``; without, the mirror image. ``fails_at``
    defaults to ``holds_at`` (one line); a gap between them is a zone that decides nothing.
    """

    what: str
    value: float
    interval: tuple[float, float] | None
    holds_at: float
    line: str                           # the line(s) in words: "tie band 0.91-1.10"
    above: bool = True
    fails_at: float | None = None
    unit: str = "x"                     # "x": a ratio (1.10x); "%": a share (94%); "": a count

    @property
    def outcome(self) -> str:
        if self.interval is None:
            return UNCLEAR
        low, high = self.interval
        fails_at = self.holds_at if self.fails_at is None else self.fails_at
        if self.above:
            return HOLDS if low >= self.holds_at else FAILS if high < fails_at else UNCLEAR
        return HOLDS if high <= self.holds_at else FAILS if low > fails_at else UNCLEAR

    def fmt(self, x: float) -> str:
        if self.unit == "%":
            return f"{x:.0%}"
        return (f"{x:.2f}" if x < 10 else f"{x:,.0f}") + self.unit

    def text(self) -> str:
        """"what: value, 95% CI low-high (line)", the numbers a reader checks the part by."""
        if self.interval is None:
            ci = "no interval: fewer than 2 repeats"
        else:
            ci = f"{CONFIDENCE:.0%} CI {self.fmt(self.interval[0])}–{self.fmt(self.interval[1])}"
        return f"{self.what}: {self.fmt(self.value)}, {ci} ({self.line})"

    def undecided(self) -> str:
        """Why an unclear part is unclear, with its numbers."""
        if self.interval is None:
            return f"{self.text()}: one repeat has no interval"
        lines = [self.holds_at] + ([self.fails_at] if self.fails_at not in (None, self.holds_at) else [])
        return f"{self.text()}: the interval is not clear of {' or '.join(self.fmt(x) for x in lines)}"


def band_check(what: str, value: float, interval, *, slower: bool = False) -> Check:
    """Server A / server B, decided at the tie band's lower edge: A at least ties B (holds
    at or above it), or with ``slower`` A is clearly slower (holds below it)."""
    return Check(what, value, interval, TIE_BAND[0], above=not slower,
                 line=f"tie band {TIE_BAND[0]:.2f}–{TIE_BAND[1]:.2f}")


def combine(checks) -> str:
    """A verdict from its parts: all hold, supported; all fail, not supported; some of
    each, depends; any unclear, inconclusive (it could be either)."""
    outcomes = {c.outcome for c in checks}
    if UNCLEAR in outcomes:
        return INCONCLUSIVE
    return SUPPORTED if outcomes == {HOLDS} else NOT_SUPPORTED if outcomes == {FAILS} else DEPENDS


@dataclass(frozen=True)
class Verdict:
    """One line of the claims table: a claim, what it was tested on, and its verdict."""

    number: int
    claim: str
    verdict: str
    why: str                                   # sentences with the deciding numbers
    flips: str                                 # the condition under which it would flip
    tested_on: str = ""                        # the servers this line reads
    checks: tuple[Check, ...] = ()             # the parts, each a ratio with its interval
    evidence: tuple[tuple[str, str], ...] = ()  # (what, number)
    rows: tuple[str, ...] = ()                 # the points used: "server target load (n runs)"
    run_ids: tuple[str, ...] = field(default=(), repr=False)

    @property
    def ratio(self) -> str:
        """Every part's ratio with its interval and line, as one text."""
        return "; ".join(c.text() for c in self.checks) or "–"


def decided(verdict: str, checks, why: str) -> str:
    """``why``, led by the parts the repeats did not decide when the verdict is inconclusive."""
    if verdict != INCONCLUSIVE:
        return why
    unclear = [c.undecided() for c in checks if c.outcome == UNCLEAR]
    return "Inconclusive: " + "; ".join(unclear) + ". " + why


def not_tested(number: int, claim: str, tested_on: str, missing: str) -> Verdict:
    return Verdict(number, claim, NOT_TESTED, f"The campaign has no rows for {missing}.",
                   f"Measure {missing} to test it.", tested_on)
