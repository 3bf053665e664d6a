"""How many bytes a replica missed when its partial resync was refused: the backlog it
would have needed.

A replica asks ``PSYNC <replid> <offset>`` (``Trying a partial resynchronization
(request 8ba1...:2298)``); a master whose backlog no longer holds that offset answers
``+FULLRESYNC <replid> <its offset>`` (``Full resync from master: 8ba1...:40962``).
Under the same replication id, the difference is exactly the writes the replica
missed, so ``repl-backlog-size`` had to be at least that large. With the master's log
alone, the refused request (``Replica request was: 2298``) against the master's own
offset from its latest accepted partial resync (``... starting from offset O`` plus
the bytes sent) gives a lower bound. Bounded: a pending request per file and the
largest gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

from replwatch import kinds
from replwatch.events import AnyEvent, seconds_between

#: A full resync this long after the request still answers it.
WINDOW = 60.0
KEEP = 8

Where = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Gap:
    """The writes one refused partial resync would have needed from the backlog."""

    source: str
    ts: str | None
    asked: int
    master_offset: int
    exact: bool
    """True from the replica's two lines; False: a lower bound from the master's log."""
    evidence: tuple[Where, ...]

    @property
    def bytes(self) -> int:
        return self.master_offset - self.asked


class BacklogGaps:
    """Fed every event; :attr:`gaps` holds the largest gaps seen, largest first."""

    KINDS = frozenset(
        {kinds.PSYNC_ATTEMPT, kinds.FULL_RESYNC_STARTED, kinds.PSYNC_ACCEPTED, kinds.PSYNC_REJECTED}
    )

    def __init__(self) -> None:
        self._asked: dict[str, tuple[str, int, str | None, Where]] = {}
        self._master_offset: dict[str, int] = {}
        self._gaps: list[Gap] = []

    def feed(self, event: AnyEvent) -> None:
        kind = event.kind
        if kind not in _KINDS:
            return
        fields = event.fields
        offset = fields.get("offset")
        if not isinstance(offset, int):
            return
        where = (event.source, event.line or 0)
        if kind == kinds.PSYNC_ATTEMPT:
            self._asked[event.source] = (str(fields.get("replid") or ""), offset, event.ts, where)
        elif kind == kinds.FULL_RESYNC_STARTED:
            asked = self._asked.pop(event.source, None)
            if asked is None:
                return
            replid, requested, ts, asked_where = asked
            gap = seconds_between(ts, event.ts)
            same_history = replid and replid == str(fields.get("replid") or "")
            if same_history and offset > requested and (gap is None or gap <= WINDOW):
                self._add(
                    Gap(event.source, event.ts, requested, offset, True, (asked_where, where))
                )
        elif kind == kinds.PSYNC_ACCEPTED:
            sent = fields.get("bytes")
            end = offset + (sent if isinstance(sent, int) else 0)
            self._master_offset[event.source] = max(self._master_offset.get(event.source, 0), end)
        elif kind == kinds.PSYNC_REJECTED and fields.get("reason") == "backlog":
            known = self._master_offset.get(event.source)
            if known is not None and known > offset:
                self._add(Gap(event.source, event.ts, offset, known, False, (where,)))

    def _add(self, gap: Gap) -> None:
        self._gaps.append(gap)
        self._gaps.sort(key=lambda g: (-int(g.exact), -g.bytes))
        del self._gaps[KEEP:]

    @property
    def gaps(self) -> list[Gap]:
        return list(self._gaps)


_KINDS = BacklogGaps.KINDS


def suggested_size(missed: int) -> int:
    """A ``repl-backlog-size`` that holds ``missed`` bytes twice over, rounded up to a
    power of two megabytes (at least 1 MB, the default)."""
    mb = 1
    while mb * 1024 * 1024 < 2 * missed:
        mb *= 2
    return mb * 1024 * 1024


def size_text(count: int) -> str:
    """``64mb``, ``512kb``, ``300b``: a size as redis.conf writes it."""
    for unit, size in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size}{unit}"
    return f"{count}b"
