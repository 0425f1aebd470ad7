"""A sweep file for a test, from Python values (TOML's strings, numbers and lists are JSON's)."""
from __future__ import annotations

import json
from pathlib import Path


def write_sweep(tmp_path: Path, points: list[dict], **top) -> Path:
    """tmp_path/s.toml with ``top`` as its top-level keys (results under tmp_path by
    default) and one [[points]] table per dict of ``points``."""
    top.setdefault("results", str(tmp_path / "results"))
    lines = [f"{key} = {json.dumps(value)}" for key, value in top.items()]
    for point in points:
        lines += ["", "[[points]]", *(f"{key} = {json.dumps(value)}" for key, value in point.items())]
    path = tmp_path / "s.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
