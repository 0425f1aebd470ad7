"""Query-parameter parsing exactly as the contract defines it."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

_DIGITS = re.compile(r"[0-9]{1,9}")


class BadParameter(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def int_param(query: str, name: str, maximum: int) -> int:
    """The first ``name`` in ``query`` as an int in 0..maximum, else BadParameter."""
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == name:
            if not _DIGITS.fullmatch(value) or int(value) > maximum:
                raise BadParameter(name)
            return int(value)
    raise BadParameter(name)
