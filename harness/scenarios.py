"""What a locust scenario (workloads/scenarios/*.py) declares about itself, read without running it.

A scenario states, as module constants:

    THINK_S = (0.05, 0.15)        # seconds a user thinks between requests: a number
                                  # (locust's constant) or (a, b) (between(a, b), mean (a + b) / 2)
    MIX = "/hello 5, /json 3"     # only for a mix of paths: the row's target
    LEAST_RESPONSE_S = 0.0036     # only for a mix: the least mean response time (known waits)

The file is parsed, not imported: importing locust patches the harness's sockets
(gevent's monkey.patch_all, https://docs.locust.io/en/stable/use-as-lib.html).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from harness.drivers.locust import scenario_path


class ScenarioError(ValueError):
    """A scenario file without the constants the harness needs; the message names it."""


@dataclass(frozen=True)
class ScenarioFacts:
    name: str
    think_s: float                  # mean think time Z of a user
    mix: str | None                 # None: a single endpoint (the run's workload)
    least_response_s: float         # R of a mix (0 for a single endpoint: the workload's own)


def _constants(path: Path) -> dict[str, object]:
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (OSError, SyntaxError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue        # not a literal (os.environ.get(...)): not a declaration
    return found


def mean_think_s(value: object, where: str) -> float:
    """``0.1`` -> 0.1; ``(0.05, 0.15)`` -> 0.1 (the mean of locust's uniform between(a, b))."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, (int, float)) and v >= 0 for v in value) and value[0] <= value[1]):
        return (value[0] + value[1]) / 2
    raise ScenarioError(f"{where}: THINK_S must be seconds or (min, max) seconds, got {value!r}")


def facts(name: str) -> ScenarioFacts:
    """The think time, mix and least response time a scenario declares."""
    path = scenario_path(name)
    found = _constants(path)
    if "THINK_S" not in found:
        raise ScenarioError(f"{path}: no THINK_S constant (the users' think time, for N / (Z + R))")
    think = mean_think_s(found["THINK_S"], str(path))
    mix = found.get("MIX")
    if mix is None:
        return ScenarioFacts(path.stem, think, None, 0.0)
    least = found.get("LEAST_RESPONSE_S")
    if not isinstance(mix, str) or not isinstance(least, (int, float)) or least < 0:
        raise ScenarioError(f"{path}: a MIX needs a text MIX and LEAST_RESPONSE_S >= 0 seconds")
    return ScenarioFacts(path.stem, think, mix, float(least))
