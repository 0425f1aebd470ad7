"""The article's five claims, checked against stored rows.

Each check reads medians of repeats at one shared load (:mod:`.points`) and returns
:class:`Verdict` lines: ``supported``, ``not supported``, ``depends`` (true under one
condition, false under another), ``inconclusive`` (a ratio's bootstrap interval crosses
the line it is decided at, so the repeats cannot tell), or ``not tested`` when the
campaign lacks the rows (the reason names them). Claims 3 and 4 have two lines: the
article's own stacks (uWSGI and gunicorn with Flask and Django) and the best Python
server with the plain WSGI app (:mod:`.article`). Every line carries its ratios with
their intervals, the rows it used and the condition under which it would flip.
Thresholds are named constants in :mod:`harness.analysis.thresholds`.
"""
from __future__ import annotations

import pandas as pd

from harness.analysis.claims.article import ARTICLE_FRAMEWORKS, ARTICLE_SERVERS, CLAIMS, lines
from harness.analysis.claims.points import Points, comparable, io_efficiency
from harness.analysis.claims.python import python_claims
from harness.analysis.claims.runtimes import claim_go, claim_node, claim_python_slowest
from harness.analysis.claims.table import HEADERS, markdown_table, table_rows, to_frame
from harness.analysis.claims.verdict import (DEPENDS, INCONCLUSIVE, NOT_SUPPORTED, NOT_TESTED,
                                             SUPPORTED, Check, Verdict)

__all__ = ["ARTICLE_FRAMEWORKS", "ARTICLE_SERVERS", "CLAIMS", "DEPENDS", "HEADERS", "INCONCLUSIVE",
           "NOT_SUPPORTED", "NOT_TESTED", "SUPPORTED", "Check", "Verdict", "check", "comparable", "io_efficiency",
           "markdown_table", "table_rows", "to_frame"]


def check(runs: pd.DataFrame) -> list[Verdict]:
    """Verdict lines on the five claims from these rows (one campaign), in claim order:
    claims 3 and 4 each as the article's stacks, then the best server with the plain app."""
    points = Points(runs)
    return [claim_go(points), claim_node(points), *python_claims(points, lines()),
            claim_python_slowest(points)]
