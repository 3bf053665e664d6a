"""Count, per file, the lines the report could not read.

A report that says "every link synced" over a log it could not parse lies: the
error that explains the incident may be one of the unread lines. So every
``malformed`` (not a log line: banner art, a torn or binary line) and
``unrecognized`` (a log line no grammar rule knows) event is counted per file, and
the first few are kept to show what was not understood. Bounded: a few examples
per file, a count for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import AnyEvent
from replwatch.report.model import UnreadLines

#: The start-up logo of Redis 2.x-3.x (and Valkey's) is written without a header: it
#: parses as ``malformed`` but hides nothing. Art characters, then the logo's own
#: captions (version, mode, port, pid, web site) or nothing.
_LOGO = re.compile(
    r"^[\s_.\-`'\\/()|,]*"
    r"(?:(?:Redis|Valkey|Redis Community Edition) \S+.*|Running in .*|Port: \d+|PID: \d+|"
    r"https?://\S+)?\s*$"
)

#: Examples kept per file.
KEEP = 3
#: Characters kept of each example's message.
WIDTH = 160


@dataclass(slots=True)
class _Count:
    malformed: int = 0
    unrecognized: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)


class UnreadCounter:
    """Fed every event; :meth:`results` gives one record per file with unread lines."""

    KINDS = frozenset({kinds.MALFORMED, kinds.UNRECOGNIZED})

    def __init__(self) -> None:
        self._counts: dict[str, _Count] = {}

    def feed(self, event: AnyEvent) -> None:
        kind = event.kind
        if kind != kinds.MALFORMED and kind != kinds.UNRECOGNIZED:
            return
        count = self._counts.get(event.source)
        if count is None:
            count = self._counts[event.source] = _Count()
        if kind == kinds.MALFORMED:
            if _LOGO.match(event.message):
                return
            count.malformed += 1
        else:
            count.unrecognized += 1
        if len(count.examples) < KEEP and event.line is not None:
            count.examples.append((event.line, event.message[:WIDTH]))

    def results(self) -> tuple[UnreadLines, ...]:
        return tuple(
            UnreadLines(source, c.malformed, c.unrecognized, tuple(c.examples))
            for source, c in sorted(self._counts.items())
        )
