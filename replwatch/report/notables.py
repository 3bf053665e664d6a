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
        "replica_handshake",
        "psync_impossible",
        "rdb_load_failed",
        "unrecognized",
        "master_link_lost",
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

    KINDS = NOTABLE_KINDS

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], NotableGroup] = {}

    def feed(self, event: Event) -> None:
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
OUTPUT_BUFFER_TEXT = "scheduled to be closed ASAP for overcoming of output buffer limits"


def _variant(event: Event) -> str | None:
    """What tells lines of one kind apart for the findings (``""`` when nothing),
    ``None`` for a line of a notable kind that no finding reads."""
    kind = event.kind
    fields = event.fields
    if kind == "psync_rejected":
        # psync refusals differ by reason (backlog vs replication id): count them apart
        return str(fields.get("reason") or "")
    if kind == "master_timeout":
        # "Timeout receiving bulk data" is a transfer too slow; else a silent master
        return "transfer" if "bulk data" in event.message else "silent"
    if kind == "replica_timeout":
        if "(full sync)" in event.message:
            return "full"
        return "streaming" if "(streaming sync)" in event.message else ""
    if kind == "master_link_error":
        return "timeout" if fields.get("error") == "timeout" else ""
    if kind in ("replica_handshake", "psync_impossible"):
        error = str(fields.get("error") or "")
        return error if error.startswith(("-NOAUTH", "-NOPERM", "-WRONGPASS")) else None
    if kind == "sync_failed":
        return str(fields.get("error") or "")
    if kind == "unrecognized":
        return "output_buffer" if OUTPUT_BUFFER_TEXT in event.message else None
    return ""
