"""The dashboard's memory: the latest poll, lag history and link flaps.

Pure and synchronous (no Textual import): the app feeds it snapshots and events
as they arrive, live or from a recording, and hands the widgets what it holds.
Replay rebuilds it from the start of a recording to jump back in time.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from replwatch.addresses import address_key
from replwatch.events import Event
from replwatch.logsources import guess_node
from replwatch.model import NODE_AUTH_REQUIRED, NODE_OK, LinkState, NodeState, Snapshot
from replwatch.timeline import UP, LinkTimeline, seconds_between
from replwatch.tui.view import Frame, LinkView, NodeView

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
        catchup_rate=link.catch_up_rate,
        backlog_headroom=link.backlog_headroom,
    )


def frame_of(snapshot: Snapshot) -> Frame:
    return Frame(
        nodes=tuple(node_view(node) for node in snapshot.nodes),
        links=tuple(link_view(link, snapshot.ts) for link in snapshot.links),
        ts=snapshot.ts,
    )


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
        self._timeline = LinkTimeline(peer_name=_canonical_peer)
        self._unknown: set[str] = set()  # sources no node could be guessed for

    def set_sources(self, node_of_source: dict[str, str]) -> None:
        """New log files were found; events from them are credited to their nodes."""
        self.node_of_source = dict(node_of_source)

    def apply_snapshot(self, snapshot: Snapshot) -> Frame:
        self.snapshot = snapshot
        self.frame = frame_of(snapshot)
        for link in self.frame.links:
            samples = self.lag_history.setdefault(link.replica, deque(maxlen=HISTORY))
            samples.append(float(link.lag_bytes or 0))
        return self.frame

    def apply_events(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.line is None:  # log events only: polls have their own picture
                continue
            # The timeline names a link's replica by the source it read; give it
            # the node's address so its links match the poller's.
            node = self.node_of_source.get(event.source)
            if node is None and self.snapshot is not None and event.source not in self._unknown:
                node = guess_node(Path(event.source), (n.address for n in self.snapshot.nodes))
                if node is None:
                    self._unknown.add(event.source)
                else:
                    self.node_of_source[event.source] = node
            self._timeline.feed(replace(event, source=node) if node else event)

    def history(self) -> dict[str, tuple[float, ...]]:
        return {replica: tuple(samples) for replica, samples in self.lag_history.items()}

    def flaps(self) -> dict[str, int]:
        """Replica -> how many times its logs said its link, once up, was lost.

        Counted from whichever side's log saw more (the replica's own log, or its
        master's), so a flap shows even when only one of the two logs is tailed.
        """
        counts: dict[str, int] = {}
        for key in self._timeline.links():
            states = [iv.state for iv in self._timeline.intervals(key)]
            # A drop is an up link that stopped being up; the retries of a link
            # that never came up are not drops.
            drops = sum(1 for a, b in itertools.pairwise(states) if a == UP and b != UP)
            counts[key.replica] = max(counts.get(key.replica, 0), drops)
        return {replica: n for replica, n in counts.items() if n}
