"""The few kinds of log lines that findings are made of, kept in bounded memory.

A replica with a wrong password logs a failure every second, for days. A report
needs how many, when it began and ended, and a few lines to cite, not all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import AnyEvent

#: Kinds the findings rules read.
NOTABLE_KINDS = frozenset(
    {
        kinds.MASTER_AUTH_FAILED,
        kinds.PSYNC_REJECTED,
        kinds.PSYNC_ACCEPTED,
        kinds.FULL_RESYNC_REQUESTED,
        kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW,
        kinds.MASTER_TIMEOUT,
        kinds.REPLICA_TIMEOUT,
        kinds.MASTER_MODE_ENABLED,
        kinds.REPLICAOF_ENABLED,
        kinds.FAILOVER_STATE,
        kinds.MASTER_REPLID_CHANGED,
        kinds.SECONDARY_REPLID_SET,
        kinds.SENTINEL_EVENT,
        kinds.SYNC_FAILED,
        kinds.BGSAVE_FAILED,
        kinds.MASTER_LINK_ERROR,
        kinds.SERVER_STARTING,
        kinds.SERVER_EXIT,
        kinds.REPLICA_HANDSHAKE,
        kinds.PSYNC_IMPOSSIBLE,
        kinds.RDB_LOAD_FAILED,
        kinds.UNRECOGNIZED,
        kinds.MASTER_LINK_LOST,
    }
)
KEEP_FIRST = 5


@dataclass(slots=True)
class NotableGroup:
    """All lines of one kind from one source: a count, the first few, the last."""

    source: str
    kind: str
    count: int = 0
    first: list[AnyEvent] = field(default_factory=list)
    last: AnyEvent | None = None

    def add(self, event: AnyEvent) -> None:
        self.count += 1
        if len(self.first) < KEEP_FIRST:
            self.first.append(event)
        self.last = event

    @property
    def events(self) -> list[AnyEvent]:
        """The kept events: the first few and the last, in order, no repeats."""
        kept = list(self.first)
        if self.last is not None and self.last is not kept[-1]:
            kept.append(self.last)
        return kept

    @property
    def evidence(self) -> tuple[tuple[str, int], ...]:
        return tuple((e.source, e.line) for e in self.events if e.line is not None)


class Notables:
    """Groups notable events by (source, kind)."""

    KINDS = NOTABLE_KINDS

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], NotableGroup] = {}

    def feed(self, event: AnyEvent) -> None:
        if event.kind not in NOTABLE_KINDS:
            return
        variant = _variant(event)
        if variant is None:
            return
        key = (event.source, event.kind, variant)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = NotableGroup(event.source, event.kind)
        group.add(event)

    def of_kind(self, *kinds: str) -> list[NotableGroup]:
        """Groups of these kinds, in a stable order (source, kind)."""
        return [g for key, g in sorted(self.groups.items()) if key[1] in kinds]

    def variants(self, kind: str) -> list[tuple[str, NotableGroup]]:
        """``(variant, group)`` of one kind, in a stable order (source, variant)."""
        return [(key[2], g) for key, g in sorted(self.groups.items()) if key[1] == kind]


#: ``unrecognized`` lines the findings read by their text, until a grammar types
#: them: a client other than a replica dropped for its output buffer (its class
#: limit, not the replica one), and the ``MISCONF`` refusal of a failing save.
#: (``scheduled to be closed ASAP for ...``, and Redis 6.2+'s ``closed for ...``)
OUTPUT_BUFFER_TEXT = "for overcoming of output buffer limits"


def _variant(event: AnyEvent) -> str | None:
    """What tells lines of one kind apart for the findings (``""`` when nothing),
    ``None`` for a line of a notable kind that no finding reads."""
    kind = event.kind
    fields = event.fields
    if kind == kinds.PSYNC_REJECTED:
        # psync refusals differ by reason (backlog vs replication id): count them apart
        return str(fields.get("reason") or "")
    if kind == kinds.MASTER_TIMEOUT:
        # "Timeout receiving bulk data" is a transfer too slow; else a silent master
        return "transfer" if "bulk data" in event.message else "silent"
    if kind == kinds.REPLICA_TIMEOUT:
        if "(full sync)" in event.message:
            return "full"
        return "streaming" if "(streaming sync)" in event.message else ""
    if kind == kinds.MASTER_LINK_ERROR:
        return "timeout" if fields.get("error") == "timeout" else ""
    if kind in (kinds.REPLICA_HANDSHAKE, kinds.PSYNC_IMPOSSIBLE):
        error = str(fields.get("error") or "")
        return error if error.startswith(("-NOAUTH", "-NOPERM", "-WRONGPASS")) else None
    if kind == kinds.SYNC_FAILED:
        return str(fields.get("error") or "")
    if kind == kinds.UNRECOGNIZED:
        message = event.message
        if OUTPUT_BUFFER_TEXT not in message:
            return None
        # the client's class, from its flags: S a replica, none shown (the bare line)
        flags = _FLAGS.search(message)
        if flags is None:
            return "output_buffer:bare"
        return "output_buffer:replica" if "S" in flags.group(1) else "output_buffer:other"
    return ""


_FLAGS = re.compile(r"\bflags=(\S*)")
