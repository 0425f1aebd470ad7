"""Analyse: stored campaigns in, tables, charts, claims, the audit and reports out.

- ``frame``: rows through :mod:`harness.store` as pandas, slicing and the one aggregation
- ``stats``: medians, spread, CV, bootstrap intervals; ``thresholds``: every threshold, once
- ``invariants`` and ``audit``: what no honest row can break, checked over a campaign
- ``claims``: the article's claims; ``plots``: charts
- ``console``: the sweep's console table; ``render``, ``sections``, ``report``: the report
  and the published docs; ``commands``: ``arena report`` and ``arena audit``
"""
