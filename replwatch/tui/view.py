"""What the screens show, as plain immutable rows.

The widgets draw these rows, not the model's objects directly, so each widget
needs only the few values it draws and can be fed fixed data in tests. The
rows are built from a poll ``Snapshot`` by :mod:`replwatch.tui.state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NodeStatus = Literal["up", "down", "auth", "unknown"]
LinkStatus = Literal["up", "syncing", "down"]


@dataclass(frozen=True, slots=True)
class NodeView:
    """One server as the topology tree shows it."""

    address: str
    role: str | None = None
    status: NodeStatus = "unknown"
    version: str | None = None
    #: ``redis`` or ``valkey``
    product: str | None = None
    master: str | None = None
    error: str | None = None
    #: for status ``auth``: ``noauth`` (no password given), ``wrongpass`` or ``noperm``
    auth_problem: str | None = None
    #: a replica that answers without a password: the master above it that has one
    open_under: str | None = None


@dataclass(frozen=True, slots=True)
class LinkView:
    """One master -> replica link, a row of the links table and a lag history line."""

    replica: str
    master: str
    state: LinkStatus
    master_offset: int | None = None
    replica_offset: int | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    last_io_seconds: float | None = None
    since: float | None = None
    sync_progress: float | None = None
    #: bytes still to come while syncing: all a server before 6.2 tells of a transfer
    sync_left_bytes: int | None = None
    catchup_rate: float | None = None
    backlog_headroom: int | None = None
    #: seconds until the headroom is gone at the master's current write rate (shown
    #: for a replica that stopped answering: how long it can still resume)
    headroom_seconds: float | None = None
    #: the replica does not answer: its offsets and lag are the last ones it told
    stale: bool = False
    #: why the link is not up, in words, from the logs ("down 42 s: master refused connection")
    cause: str | None = None

    @property
    def key(self) -> str:
        return self.replica


#: What one Sentinel says of one master: ``ok``, ``sdown`` (it alone sees the master
#: down), ``odown`` (a quorum does), ``failover`` (one under way); ``down`` when the
#: Sentinel itself does not answer (the row is then its last answer).
SentinelStatus = Literal["ok", "sdown", "odown", "failover", "down"]


@dataclass(frozen=True, slots=True)
class SentinelRow:
    """One Sentinel's view of one master it watches: a line of the Sentinels panel."""

    sentinel: str
    #: the master's name; ``None`` for a Sentinel that watches no master
    name: str | None
    #: where this Sentinel believes the master is
    master: str | None
    status: SentinelStatus = "ok"
    quorum: int | None = None
    #: the group as this Sentinel knows it: the others it has heard of, and itself
    sentinels: int | None = None
    replicas: int = 0
    replicas_down: int = 0
    #: it places the master elsewhere than the other Sentinels (or they are split evenly)
    dissent: bool = False


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything one poll showed: the nodes, the links between them, the Sentinels."""

    nodes: tuple[NodeView, ...] = ()
    links: tuple[LinkView, ...] = ()
    ts: str | None = None
    sentinels: tuple[SentinelRow, ...] = ()
