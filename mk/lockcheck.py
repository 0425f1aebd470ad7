"""Whether requirements.lock.txt was made from pyproject.toml's dependencies as they are now.

``make lock`` stamps the lock with a digest of what it was resolved from (the project's
dependencies, every extra and requires-python); ``make venv`` checks the stamp, so a
dependency added to pyproject.toml without ``make lock`` stops the build with the
command to run, instead of a venv that silently lacks it.

    python3 mk/lockcheck.py stamp requirements.lock.txt
    python3 mk/lockcheck.py check requirements.lock.txt   # exit 2 when stale
"""
from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
MARK = "#    from pyproject.toml inputs sha256:"


def inputs_digest(pyproject: Path = PYPROJECT) -> str:
    project = tomllib.loads(pyproject.read_text())["project"]
    inputs = {key: project.get(key) for key in ("dependencies", "optional-dependencies", "requires-python")}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def stamp(lock: Path) -> None:
    """Put the digest on the line after uv's two-line header (replacing an older one)."""
    lines = [line for line in lock.read_text().splitlines(keepends=True) if not line.startswith(MARK)]
    lines.insert(2, f"{MARK} {inputs_digest()}\n")
    lock.write_text("".join(lines))


def check(lock: Path) -> int:
    if not lock.exists():
        print(f"error: {lock} is missing; run 'make lock' to resolve pyproject.toml's dependencies", file=sys.stderr)
        return 2
    stamped = next((line.split(MARK, 1)[1].strip() for line in lock.read_text().splitlines()
                    if line.startswith(MARK)), None)
    if stamped != inputs_digest():
        print(f"error: {lock} was not made from pyproject.toml's dependencies as they are now; "
              "run 'make lock' (it keeps the existing pins and resolves only what changed), "
              "then commit the lock", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("stamp", "check"):
        print("usage: python3 mk/lockcheck.py stamp|check LOCKFILE", file=sys.stderr)
        return 2
    lock = Path(argv[1])
    if argv[0] == "stamp":
        stamp(lock)
        return 0
    return check(lock)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
