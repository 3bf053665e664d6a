"""Hand-built events shaped like the parser's output for real Redis 7 lines.

Used before/alongside the parser: each helper builds the Event the contract says a
given real line becomes, so session and timeline logic is tested on its own.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from replwatch.events import Event

_lines: dict[str, count] = {}


def ev(source: str, ts: str | None, kind: str, message: str = "", **fields: Any) -> Event:
    """One event of ``source``; line numbers count up per source."""
    counter = _lines.setdefault(source, count(1))
    master_side = kind.startswith(("replica_", "bgsave", "psync_acc", "psync_rej"))
    role = "master" if master_side else "replica"
    return Event(
        ts=ts,
        source=source,
        line=next(counter),
        pid=1,
        role=role,
        level="notice",
        kind=kind,
        message=message or kind,
        fields=fields,
    )


def t(seconds: float) -> str:
    """A timestamp ``seconds`` after 2026-11-25 08:49:40.000."""
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"2026-11-25T08:49:{40 + whole:02d}.{millis:03d}"
