"""The replication topology as immutable snapshots, and the events between two of them.

A poll round gives one :class:`NodeState` per polled server; :func:`build_snapshot`
joins them into :class:`LinkState` records, one per master->replica link, seen from
either side or both: the master's ``slaveN`` lines and each replica's
``master_host``/``master_port``. A link seen from one side only (a replica of a master
nobody polls, a replica the master lists that nobody polls) still shows; a link whose
end has gone unreachable is kept, ``down``, so a stopped replica does not silently
vanish from the picture. :func:`diff` compares two snapshots and returns the poll
events of the contract (``docs/events.md``).

Pure and synchronous: time comes in as the snapshot's ``ts`` string, never from
the clock, and snapshots round-trip through JSON (``to_dict``/``from_dict``) so a
session can be recorded and replayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from replwatch import kinds
from replwatch.events import seconds_between
from replwatch.poll.addresses import address_key
from replwatch.poll.cluster_reply import ClusterView
from replwatch.poll.info import ReplicationInfo, ServerInfo, auth_error_kind
from replwatch.poll.role_reply import RoleInfo
from replwatch.poll.sentinel_reply import SentinelView

#: Node poll outcomes.
NODE_OK = "ok"
NODE_UNREACHABLE = "unreachable"
NODE_AUTH_REQUIRED = kinds.AUTH_REQUIRED
NODE_TIMEOUT = "timeout"

#: How each kind of auth problem reads in a table.
_AUTH_WORDS = {"noauth": "auth required", "wrongpass": "auth refused", "noperm": "no permission"}

#: Shortest and longest span a catch-up rate is measured over, in seconds.
CATCH_UP_MIN_WINDOW = 2.0
CATCH_UP_MAX_WINDOW = 10.0

#: Link states.
LINK_UP = "up"
LINK_DOWN = "down"
LINK_SYNCING = "syncing"

#: Master-side ``slaveN`` states that mean "up"; the rest mean a sync is under way.
_ONLINE_STATES = {"online"}


@dataclass(frozen=True, slots=True)
class NodeState:
    """One server as one poll round saw it.

    Attributes:
        address: canonical ``host:port`` (see :mod:`replwatch.poll.addresses`).
        status: ``ok``, ``unreachable``, ``auth_required`` or ``timeout``.
        error: what went wrong, one line naming ``host:port``; never a password.
        replication / server / role_reply: the typed replies (``None`` when not ok;
            ``server`` may be from an earlier round, INFO server is polled less often).
        config: ``logfile`` and ``dir`` where ``CONFIG GET`` was allowed.
        config_error: the server's answer when it was not (``NOPERM ...``).
        info: the raw INFO fields (replication and server merged), for detail views.
        sentinel: what a Sentinel said of the masters it watches (Sentinels only).
        cluster: what a Cluster node said of the cluster (Cluster mode only).
        password_required: whether the node asks for a password: True when it refused
            to answer without one (``NOAUTH``) or took the one given, False when it
            answered with none sent (none was given, or it said it has none and was
            asked again without), None when not known (not answered yet, or an ACL
            user, which says nothing of the default user). A node that stops
            answering keeps what it last showed.
    """

    address: str
    status: str
    error: str | None = None
    replication: ReplicationInfo | None = None
    server: ServerInfo | None = None
    role_reply: RoleInfo | None = None
    config: Mapping[str, str] = field(default_factory=dict)
    config_error: str | None = None
    info: Mapping[str, str] = field(default_factory=dict)
    sentinel: SentinelView | None = None
    cluster: ClusterView | None = None
    password_required: bool | None = None

    @property
    def ok(self) -> bool:
        return self.status == NODE_OK

    @property
    def role(self) -> str | None:
        """``master``, ``replica`` or ``sentinel``; ``None`` when not known."""
        if self.replication is not None and self.replication.role:
            return self.replication.role
        return self.role_reply.role if self.role_reply is not None else None

    @property
    def auth_problem(self) -> str | None:
        """``noauth``, ``wrongpass`` or ``noperm`` for an ``auth_required`` node."""
        if self.status != NODE_AUTH_REQUIRED:
            return None
        return auth_error_kind(self.error or "") or "noauth"

    @property
    def status_text(self) -> str:
        """The status in words for tables: a refused password reads ``auth refused``,
        not ``auth_required`` (which sends the user looking for a missing one)."""
        problem = self.auth_problem
        if problem is None:
            return self.status
        return _AUTH_WORDS.get(problem, "auth required")

    @property
    def version(self) -> str | None:
        return self.server.version if self.server else None

    @property
    def run_id(self) -> str | None:
        return self.server.run_id if self.server else None

    @property
    def uptime_seconds(self) -> int | None:
        return self.server.uptime_seconds if self.server else None

    @property
    def offset(self) -> int | None:
        """The offset this node has reached: processed offset on a replica."""
        repl = self.replication
        if repl is None:
            return None
        if repl.is_replica and repl.replica_repl_offset is not None:
            return repl.replica_repl_offset
        return repl.master_repl_offset

    @property
    def replid(self) -> str | None:
        return self.replication.replid if self.replication else None

    @property
    def replid2(self) -> str | None:
        return self.replication.replid2 if self.replication else None

    @property
    def failover_state(self) -> str | None:
        return self.replication.failover_state if self.replication else None

    @property
    def backlog_window(self) -> tuple[int, int] | None:
        """``(first byte offset, last byte offset)`` the backlog can still serve."""
        repl = self.replication
        if repl is None or not repl.backlog_active or repl.backlog_first_byte_offset is None:
            return None
        return (
            repl.backlog_first_byte_offset,
            repl.backlog_first_byte_offset + (repl.backlog_histlen or 0) - 1,
        )

    @property
    def master_address(self) -> str | None:
        """Canonical address of this replica's master (``None`` on a master)."""
        repl = self.replication
        if repl is None or not repl.is_replica or not repl.master_host or repl.master_port is None:
            return None
        return address_key(repl.master_host, repl.master_port)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "status": self.status,
            "error": self.error,
            "role": self.role,
            "version": self.version,
            "replication": self.replication.to_dict() if self.replication else None,
            "server": self.server.to_dict() if self.server else None,
            "role_reply": self.role_reply.to_dict() if self.role_reply else None,
            "config": dict(self.config),
            "config_error": self.config_error,
            "info": dict(self.info),
            "sentinel": self.sentinel.to_dict() if self.sentinel else None,
            "cluster": self.cluster.to_dict() if self.cluster else None,
            "password_required": self.password_required,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NodeState:
        repl, server, role = data.get("replication"), data.get("server"), data.get("role_reply")
        return cls(
            address=str(data["address"]),
            status=str(data["status"]),
            error=data.get("error"),
            replication=ReplicationInfo.from_dict(repl) if repl else None,
            server=ServerInfo.from_dict(server) if server else None,
            role_reply=RoleInfo.from_dict(role) if role else None,
            config=dict(data.get("config") or {}),
            config_error=data.get("config_error"),
            info=dict(data.get("info") or {}),
            sentinel=SentinelView.from_dict(data["sentinel"]) if data.get("sentinel") else None,
            cluster=ClusterView.from_dict(data["cluster"]) if data.get("cluster") else None,
            password_required=_optional_bool(data.get("password_required")),
        )


def _optional_bool(value: object) -> bool | None:
    """True/False as recorded; anything else (an older recording has none) is None."""
    return value if isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class LinkState:
    """One master -> replica replication link.

    Attributes:
        master / replica: canonical addresses.
        state: ``up``, ``down`` or ``syncing``.
        seen_from: ``both``, ``master``, ``replica``, or ``previous`` (no live side
            reports it any more because an end is unreachable; kept as ``down``).
        master_offset: the master's ``master_repl_offset`` (when the master is polled).
        replica_offset: the replica's ``slave_repl_offset``, else the master's
            ``offset=`` for it.
        lag_bytes: ``master_offset - replica_offset`` (never negative) while up.
        lag_seconds: the master's ``lag=`` (seconds since the replica's last ACK),
            else the replica's seconds since the last I/O from its master.
        last_io_seconds: the replica's ``master_last_io_seconds_ago``.
        down_seconds: how long the replica says its link has been down
            (``master_link_down_since_seconds``; ``None`` while up or never up).
        sync_read_bytes / sync_total_bytes / sync_left_bytes: transfer progress while syncing.
        since: ``ts`` of the first snapshot that showed this state.
        catch_up_rate: bytes/s by which the lag shrank (negative: the replica falls
            further behind), over the last ``catch_up_window`` seconds: at least
            :data:`CATCH_UP_MIN_WINDOW` (two polls a few ms apart, as after a timeout,
            gave -9.4 MB/s from a 24 ms gap), restarted after :data:`CATCH_UP_MAX_WINDOW`.
        catch_up_from_ts / catch_up_from_lag: where that window starts (its lag then).
        backlog_headroom: how many more bytes the replica may fall behind before a
            reconnect could no longer be a partial resync (negative: already too far).
    """

    master: str
    replica: str
    state: str
    seen_from: str
    master_offset: int | None = None
    replica_offset: int | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    last_io_seconds: int | None = None
    down_seconds: int | None = None
    sync_read_bytes: int | None = None
    sync_total_bytes: int | None = None
    sync_left_bytes: int | None = None
    since: str | None = None
    catch_up_rate: float | None = None
    backlog_headroom: int | None = None
    catch_up_window: float | None = None
    catch_up_from_ts: str | None = None
    catch_up_from_lag: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.master, self.replica)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkState:
        values: dict[str, Any] = {name: data.get(name) for name in cls.__slots__ if name in data}
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every polled node and every link at one poll round (``ts``: ISO 8601, local)."""

    ts: str
    nodes: tuple[NodeState, ...]
    links: tuple[LinkState, ...] = ()

    def node(self, address: str) -> NodeState | None:
        for node in self.nodes:
            if node.address == address:
                return node
        return None

    def link(self, master: str, replica: str) -> LinkState | None:
        for link in self.links:
            if link.master == master and link.replica == replica:
                return link
        return None

    def links_of(self, address: str) -> list[LinkState]:
        return [link for link in self.links if address in (link.master, link.replica)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "nodes": [node.to_dict() for node in self.nodes],
            "links": [link.to_dict() for link in self.links],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            ts=str(data["ts"]),
            nodes=tuple(NodeState.from_dict(n) for n in data.get("nodes") or ()),
            links=tuple(LinkState.from_dict(link) for link in data.get("links") or ()),
        )


def _master_side_state(entry_state: str) -> str:
    return LINK_UP if entry_state in _ONLINE_STATES else LINK_SYNCING


def _replica_side_state(repl: ReplicationInfo) -> str:
    if repl.master_link_status == "up":
        return LINK_UP
    return LINK_SYNCING if repl.master_sync_in_progress else LINK_DOWN


def backlog_headroom(master: NodeState | None, replica_offset: int | None) -> int | None:
    """Bytes the replica may still fall behind and get a partial resync.

    A reconnecting replica asks for ``offset + 1``; the master accepts while that
    is inside its backlog. The backlog's start only moves once it is full, so the
    room is the distance to the start plus what the backlog can still grow.
    """
    if master is None or replica_offset is None or master.replication is None:
        return None
    repl = master.replication
    if not repl.backlog_active or repl.backlog_first_byte_offset is None or not repl.backlog_size:
        return None
    unfilled = repl.backlog_size - (repl.backlog_histlen or 0)
    return replica_offset + 1 - repl.backlog_first_byte_offset + max(unfilled, 0)


def _observed_links(nodes: Sequence[NodeState]) -> dict[tuple[str, str], LinkState]:
    """Links as the reachable nodes report them, both sides merged."""
    by_address = {node.address: node for node in nodes}
    master_side: dict[tuple[str, str], Any] = {}
    replica_side: dict[tuple[str, str], NodeState] = {}
    for node in nodes:
        if not node.ok or node.replication is None:
            continue
        for entry in node.replication.replicas:
            master_side[(node.address, address_key(entry.ip, entry.port))] = entry
        if node.master_address is not None:
            replica_side[(node.master_address, node.address)] = node

    links: dict[tuple[str, str], LinkState] = {}
    for key in list(master_side) + [k for k in replica_side if k not in master_side]:
        master_address, replica_address = key
        served = master_side.get(key)
        replica_node = replica_side.get(key)
        master_node = by_address.get(master_address)
        master_node = master_node if master_node is not None and master_node.ok else None
        master_repl = master_node.replication if master_node is not None else None
        master_offset = master_repl.master_repl_offset if master_repl is not None else None
        repl = replica_node.replication if replica_node is not None else None
        if repl is not None:
            state = _replica_side_state(repl)
            replica_offset = repl.replica_repl_offset
        elif served is not None:
            state = _master_side_state(served.state)
            replica_offset = served.offset if state == LINK_UP else None
        else:  # neither side describes the link: nothing to show
            continue
        lag_bytes = None
        if state == LINK_UP and master_offset is not None and replica_offset is not None:
            lag_bytes = max(master_offset - replica_offset, 0)
        last_io = repl.master_last_io_seconds_ago if repl is not None else None
        lag_seconds = served.lag if served is not None and served.lag is not None else last_io
        syncing = state == LINK_SYNCING and repl is not None
        links[key] = LinkState(
            master=master_address,
            replica=replica_address,
            state=state,
            seen_from="both"
            if served is not None and repl is not None
            else ("master" if served is not None else "replica"),
            master_offset=master_offset,
            replica_offset=replica_offset,
            lag_bytes=lag_bytes,
            lag_seconds=float(lag_seconds)
            if lag_seconds is not None and state == LINK_UP
            else None,
            last_io_seconds=last_io,
            down_seconds=repl.master_link_down_since_seconds
            if repl is not None and state != LINK_UP
            else None,
            sync_read_bytes=repl.sync_read_bytes if syncing and repl is not None else None,
            sync_total_bytes=repl.sync_total_bytes if syncing and repl is not None else None,
            sync_left_bytes=repl.sync_left_bytes if syncing and repl is not None else None,
            backlog_headroom=(
                backlog_headroom(master_node, replica_offset) if state == LINK_UP else None
            ),
        )
    return links


def _still_loading(old: LinkState | None, link: LinkState, down: set[str]) -> bool:
    """Whether a link the master calls online is really still syncing.

    A master marks a replica online as soon as the RDB is sent (Redis 2.8-5.0
    always, and a disk-based sync on later versions), while the replica may
    go on loading it for seconds without answering anyone. A link last seen
    syncing whose replica does not answer now stays syncing until the replica
    itself says its link is up.
    """
    return (
        old is not None
        and old.state == LINK_SYNCING
        and link.state == LINK_UP
        and link.seen_from == "master"
        and link.replica in down
    )


def build_snapshot(
    ts: str, nodes: Iterable[NodeState], *, prev: Snapshot | None = None
) -> Snapshot:
    """Join one round's node states into a snapshot with its links.

    ``prev`` (the previous snapshot) supplies what one round cannot know alone:
    since when each link is in its state, how fast the lag changes, and the links
    of nodes that have just become unreachable (kept as ``down``).
    """
    nodes = tuple(nodes)
    links = _observed_links(nodes)
    down_addresses = {node.address for node in nodes if not node.ok}
    prev_links = {link.key: link for link in prev.links} if prev is not None else {}
    for key, old in prev_links.items():
        if key not in links and (old.master in down_addresses or old.replica in down_addresses):
            links[key] = LinkState(
                master=old.master, replica=old.replica, state=LINK_DOWN, seen_from="previous"
            )
    elapsed = seconds_between(prev.ts, ts) if prev is not None else None
    finished = []
    for key, link in links.items():
        before = prev_links.get(key)
        if before is not None and _still_loading(before, link, down_addresses):
            link = replace(
                link,
                state=LINK_SYNCING,
                lag_bytes=None,
                lag_seconds=None,
                backlog_headroom=None,
                sync_read_bytes=before.sync_read_bytes,
                sync_total_bytes=before.sync_total_bytes,
                sync_left_bytes=before.sync_left_bytes,
            )
        since = (
            before.since
            if before is not None and before.state == link.state and before.since
            else ts
        )
        finished.append(replace(link, since=since, **_catch_up(before, link, prev, ts, elapsed)))
    order = {node.address: index for index, node in enumerate(nodes)}
    finished.sort(
        key=lambda link: (
            order.get(link.master, len(order)),
            order.get(link.replica, len(order)),
            link.master,
            link.replica,
        )
    )
    return Snapshot(ts=ts, nodes=nodes, links=tuple(finished))


def _catch_up(
    before: LinkState | None,
    link: LinkState,
    prev: Snapshot | None,
    ts: str,
    elapsed: float | None,
) -> dict[str, Any]:
    """The catch-up rate of ``link`` and the window it is measured over.

    The window starts at the oldest sample of an unbroken run of lags (a link that
    went down or synced starts afresh) and is restarted once longer than
    :data:`CATCH_UP_MAX_WINDOW`; below :data:`CATCH_UP_MIN_WINDOW` the previous
    rate stands (or none yet).
    """
    if before is None or prev is None or before.lag_bytes is None or link.lag_bytes is None:
        return {"catch_up_rate": None, "catch_up_window": None}
    if not elapsed or elapsed <= 0:
        return {}
    start_ts, start_lag = before.catch_up_from_ts, before.catch_up_from_lag
    if start_ts is None or start_lag is None:
        start_ts, start_lag = prev.ts, before.lag_bytes
    span = seconds_between(start_ts, ts)
    if span is None or span <= 0:
        return {}
    if span > CATCH_UP_MAX_WINDOW:  # slide: the window starts at the previous sample
        start_ts, start_lag, span = prev.ts, before.lag_bytes, elapsed
    keep = {"catch_up_from_ts": start_ts, "catch_up_from_lag": start_lag}
    if span < CATCH_UP_MIN_WINDOW:
        return {**keep, "catch_up_rate": before.catch_up_rate,
                "catch_up_window": before.catch_up_window}  # fmt: skip
    rate = (start_lag - link.lag_bytes) / span
    return {**keep, "catch_up_rate": rate, "catch_up_window": round(span, 3)}
