"""Charts drawn from stored rows (matplotlib, Agg backend): never from a live run.

Every chart function takes the rows :func:`harness.analysis.frame.load` returns (the
whole campaign: a model it has but a chart's rows lack gets a "not measured" panel)
and gives back a ``matplotlib.figure.Figure``; :func:`save` writes it as PNG and SVG,
:func:`all_charts` writes every chart a campaign allows.

- ``overview``: the article in one picture, I/O next to CPU, % of the limit;
- ``throughput``, ``knee``, ``latency_vs_rate``, ``cores_busy``, ``latency_distribution``:
  one panel per concurrency model (panels.py), each server a distinct colour in it;
- ``cost``, ``framework_cost``: a bar per server (bars.py), in its model's shades.

Each plotted series carries the server's name in its gid (``series:SERVER``), so
tests and notebooks read the data back from the figure: :func:`series` for one panel,
:func:`panel_series` for every panel, by its title.
"""
from harness.analysis.plots.cores import cores_busy  # noqa: F401
from harness.analysis.plots.cost import cost, framework_cost, pick_rate  # noqa: F401
from harness.analysis.plots.files import PER_WORKLOAD, all_charts, panel_series, save, series  # noqa: F401
from harness.analysis.plots.latency import knee, latency_distribution, latency_vs_rate  # noqa: F401
from harness.analysis.plots.overview import overview  # noqa: F401
from harness.analysis.plots.throughput import throughput  # noqa: F401
from harness.analysis.style import MODEL_COLOURS, NoData  # noqa: F401
