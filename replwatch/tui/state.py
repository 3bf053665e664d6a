"""The dashboard's memory: the latest poll, lag history and link flaps.

Pure and synchronous (no Textual import): the app feeds it snapshots and events
as they arrive, live or from a recording, and hands the widgets what it holds.
Replay rebuilds it from the start of a recording to jump back in time.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from replwatch.events import Event, seconds_between
from replwatch.follow.sources import guess_node
from replwatch.poll.addresses import address_key
from replwatch.topology.snapshot import NODE_AUTH_REQUIRED, NODE_OK, LinkState, NodeState, Snapshot
from replwatch.tui.view import Frame, LinkView, NodeView

#: Log kinds saying an established link was lost, seen from the replica's log...
REPLICA_SIDE_LOST = frozenset({"master_link_lost", "master_timeout"})
#: ...and from the master's log (``peer`` names the replica).
MASTER_SIDE_LOST = frozenset(
    {"replica_link_lost", "replica_timeout", "replica_output_buffer_overflow"}
)

#: Log kinds saying the link works again: the replica's own words...
REPLICA_SIDE_RESTORED = frozenset({"sync_finished", "psync_succeeded"})
#: ...and its master's (``peer`` names the replica).
MASTER_SIDE_RESTORED = frozenset({"replica_sync_succeeded", "psync_accepted"})

#: Lag samples kept per replica: 5 minutes at the default 1 s poll interval.
HISTORY = 300


def node_view(node: NodeState) -> NodeView:
    if node.status == NODE_OK:
        status = "up"
    elif node.status == NODE_AUTH_REQUIRED:
        status = "auth"
    else:
        status = "down"
    return NodeView(
        address=node.address,
        role=node.role,
        status=status,
        version=node.version,
        master=node.master_address,
        error=node.error,
        auth_problem=node.auth_problem,
    )


def link_view(link: LinkState, ts: str) -> LinkView:
    progress = None
    if link.state == "syncing" and link.sync_total_bytes and link.sync_total_bytes > 0:
        progress = (link.sync_read_bytes or 0) / link.sync_total_bytes
    return LinkView(
        replica=link.replica,
        master=link.master,
        state=link.state if link.state in ("up", "syncing") else "down",
        master_offset=link.master_offset,
        replica_offset=link.replica_offset,
        lag_bytes=link.lag_bytes,
        lag_seconds=link.lag_seconds,
        last_io_seconds=link.last_io_seconds,
        since=seconds_between(link.since, ts),
        sync_progress=progress,
        sync_left_bytes=link.sync_left_bytes if link.state == "syncing" else None,
        catchup_rate=link.catch_up_rate,
        backlog_headroom=link.backlog_headroom,
    )


def frame_of(snapshot: Snapshot, last_up: dict[str, NodeState] | None = None) -> Frame:
    """The views of one snapshot; ``last_up`` (address -> the node's last answer)
    lets a node that is down keep its role and version on screen."""
    last_up = last_up or {}
    nodes = []
    for node in snapshot.nodes:
        view = node_view(node)
        last = last_up.get(view.address)
        if view.status != "up" and last is not None:
            view = replace(view, role=view.role or last.role, version=view.version or last.version)
        nodes.append(view)
    return Frame(
        nodes=tuple(nodes),
        links=tuple(link_view(link, snapshot.ts) for link in snapshot.links),
        ts=snapshot.ts,
    )


@dataclass(slots=True)
class _LossEpisode:
    """One loss of a replica's link, from its first report until the link works again.

    Both ends usually log the same loss (the replica ``Connection with master
    lost``, the master ``Connection with replica ... lost``), but often only one
    does: a replica stopped cleanly says nothing about its link, a master killed
    says nothing at all. So a report counts as a new loss unless it belongs to
    the last one: that is not restored yet (a timeout is logged as a timeout and
    then as a lost connection), or the other end reported it and it was restored
    only after this report was written (the two logs are read independently).
    """

    sides: set[str] = field(default_factory=set)
    restored: str | None = None


class FlapCounter:
    """Replica -> link losses, each counted once whichever logs report it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._last: dict[str, _LossEpisode] = {}

    def lost(self, replica: str, side: str, ts: str | None) -> None:
        last = self._last.get(replica)
        if last is not None and (
            last.restored is None or (side not in last.sides and _no_later(ts, last.restored))
        ):
            last.sides.add(side)
            return
        self._last[replica] = _LossEpisode(sides={side})
        self.counts[replica] += 1

    def restored(self, replica: str, ts: str | None) -> None:
        last = self._last.get(replica)
        if last is not None and last.restored is None:
            last.restored = ts


def _no_later(ts: str | None, restored: str | None) -> bool:
    """Whether a loss logged at ``ts`` can still belong to an episode restored at ``restored``."""
    if restored is None:
        return True
    gap = seconds_between(ts, restored)
    return gap is not None and gap >= 0


def _canonical_peer(peer: str) -> str:
    """A peer address from a log line in the poller's ``host:port`` spelling."""
    host, sep, port = peer.rpartition(":")
    if not sep or not port.isdigit():
        return peer
    return address_key(host.strip("[]"), int(port))


class DashboardState:
    """What the screens show, accumulated from polls and log events."""

    def __init__(self, *, node_of_source: dict[str, str] | None = None) -> None:
        self.snapshot: Snapshot | None = None
        self.frame = Frame()
        self.lag_history: dict[str, deque[float]] = {}
        self.node_of_source: dict[str, str] = dict(node_of_source or {})
        self._flaps = FlapCounter()
        self._unknown: set[str] = set()  # sources no node could be guessed for
        #: each node's last answer, for the details of a node that is down now
        self.last_up: dict[str, NodeState] = {}

    def set_sources(self, node_of_source: dict[str, str]) -> None:
        """New log files were found; events from them are credited to their nodes."""
        self.node_of_source = dict(node_of_source)

    def apply_snapshot(self, snapshot: Snapshot) -> Frame:
        self.snapshot = snapshot
        self.frame = frame_of(snapshot, self.last_up)
        self.last_up.update({n.address: n for n in snapshot.nodes if n.ok})
        for link in self.frame.links:
            samples = self.lag_history.setdefault(link.replica, deque(maxlen=HISTORY))
            samples.append(float(link.lag_bytes or 0))
        return self.frame

    def apply_events(self, events: Iterable[Event]) -> None:
        """Count the link losses the logs report (polls between them may see none),
        and learn which node writes each log file."""
        for event in events:
            if event.line is None:  # log events only: polls have their own picture
                continue
            node = self._node_of(event.source)
            peer = event.fields.get("peer")
            if event.kind in REPLICA_SIDE_LOST and node is not None:
                self._flaps.lost(node, "replica", event.ts)
            elif event.kind in MASTER_SIDE_LOST and peer:
                self._flaps.lost(_canonical_peer(str(peer)), "master", event.ts)
            elif event.kind in REPLICA_SIDE_RESTORED and node is not None:
                self._flaps.restored(node, event.ts)
            elif event.kind in MASTER_SIDE_RESTORED and peer:
                self._flaps.restored(_canonical_peer(str(peer)), event.ts)

    def _node_of(self, source: str) -> str | None:
        """The node that writes ``source``; guessed from the file name's port if unsaid."""
        node = self.node_of_source.get(source)
        if node is None and self.snapshot is not None and source not in self._unknown:
            node = guess_node(Path(source), (n.address for n in self.snapshot.nodes))
            if node is None:
                self._unknown.add(source)
            else:
                self.node_of_source[source] = node
        return node

    def history(self) -> dict[str, tuple[float, ...]]:
        return {replica: tuple(samples) for replica, samples in self.lag_history.items()}

    def flaps(self) -> dict[str, int]:
        """Replica -> how many times the logs said its link was lost (each loss once,
        whether one end or both logged it)."""
        return dict(sorted(self._flaps.counts.items()))
