"""The few kinds of log lines that findings are made of, kept in bounded memory.

A replica with a wrong password logs a failure every second, for days. A report
needs how many, when it began and ended, and a few lines to cite, not all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replwatch.events import Event

#: Kinds the findings rules read.
NOTABLE_KINDS = frozenset(
    {
        "master_auth_failed",
        "psync_rejected",
        "psync_accepted",
        "full_resync_requested",
        "replica_output_buffer_overflow",
        "master_timeout",
        "replica_timeout",
        "master_mode_enabled",
        "replicaof_enabled",
        "failover_state",
        "master_replid_changed",
        "secondary_replid_set",
        "sentinel_event",
        "sync_failed",
        "bgsave_failed",
        "master_link_error",
        "server_starting",
        "server_exit",
    }
)
KEEP_FIRST = 5


@dataclass(slots=True)
class NotableGroup:
    """All lines of one kind from one source: a count, the first few, the last."""

    source: str
    kind: str
    count: int = 0
    first: list[Event] = field(default_factory=list)
    last: Event | None = None

    def add(self, event: Event) -> None:
        self.count += 1
        if len(self.first) < KEEP_FIRST:
            self.first.append(event)
        self.last = event

    @property
    def events(self) -> list[Event]:
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

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], NotableGroup] = {}

    def feed(self, event: Event) -> None:
        if event.kind not in NOTABLE_KINDS:
            return
        # psync refusals differ by reason (backlog vs replication id): count them apart
        variant = str(event.fields.get("reason") or "") if event.kind == "psync_rejected" else ""
        key = (event.source, event.kind, variant)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = NotableGroup(event.source, event.kind)
        group.add(event)

    def of_kind(self, *kinds: str) -> list[NotableGroup]:
        """Groups of these kinds, in a stable order (source, kind)."""
        return [g for key, g in sorted(self.groups.items()) if key[1] in kinds]
