"""Limits on what a peer may send; the only tunables of the core."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_request_line: int = 8190       # bytes, without the line end; over -> 414
    max_header_fields: int = 100       # field lines per head (and per trailer section); over -> 431
    max_header_field_size: int = 8190  # bytes per field line, without the line end; over -> 431
    max_body: int | None = None        # body bytes per request; over -> 413; None = unlimited
