"""The dashboard's view state: the frame to draw, the lag history and the log
events the findings panel diagnoses.

What the logs and polls *mean* (flaps, why a link is down, the last answer of each
node) is :class:`replwatch.timeline.live.LiveTimeline`'s, pure and shared; this
module only turns it and each poll into the rows the widgets draw. No Textual
import: replay rebuilds it from the start of a recording to jump back in time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from replwatch.events import Event, seconds_between
from replwatch.timeline.live import LiveTimeline
from replwatch.topology.diff import unprotected_replicas
from replwatch.topology.snapshot import (
    CATCH_UP_MAX_WINDOW,
    CATCH_UP_MIN_WINDOW,
    NODE_AUTH_REQUIRED,
    NODE_OK,
    LinkState,
    NodeState,
    Snapshot,
    backlog_headroom,
)
from replwatch.tui.formatting import human_bytes
from replwatch.tui.view import (
    Frame,
    LinkStatus,
    LinkView,
    NodeStatus,
    NodeView,
    SentinelRow,
    SentinelStatus,
)

#: Lag samples kept per replica: 5 minutes at the default 1 s poll interval.
HISTORY = 300

#: Log events kept per log for the findings panel's diagnosis: the newest ones
#: (the feed keeps fewer; memory stays bounded however long the dashboard runs).
DIAGNOSIS_EVENTS_PER_LOG = 20_000

#: Master-side sync states (``INFO`` ``slave0:...,state=wait_bgsave``) that are a
#: sync under way, not a link that is down.
SYNCING_STATES = frozenset({"syncing", "wait_bgsave", "send_bulk", "connecting", "sync"})


def node_view(node: NodeState) -> NodeView:
    status: NodeStatus
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
        product=_product(node),
        master=node.master_address,
        error=node.error,
        auth_problem=node.auth_problem,
    )


def _product(node: NodeState) -> str | None:
    """``redis`` or ``valkey``: Valkey says so in INFO server (``server_name`` or
    ``valkey_version``); a server that answers and says neither is Redis."""
    info = node.info or {}
    name = str(info.get("server_name") or "").lower()
    if name:
        return name
    if "valkey_version" in info:
        return "valkey"
    return "redis" if node.version else None


def link_view(link: LinkState, ts: str) -> LinkView:
    progress = None
    state = link.state
    if state in SYNCING_STATES:
        state = "syncing"
    if state == "syncing" and link.sync_total_bytes and link.sync_total_bytes > 0:
        progress = (link.sync_read_bytes or 0) / link.sync_total_bytes
    since = seconds_between(link.since, ts)
    if state == "down" and link.down_seconds is not None:
        since = float(link.down_seconds)  # the replica's own count beats our first sight
    shown: LinkStatus = "up" if state == "up" else "syncing" if state == "syncing" else "down"
    return LinkView(
        replica=link.replica,
        master=link.master,
        state=shown,
        master_offset=link.master_offset,
        replica_offset=link.replica_offset,
        lag_bytes=link.lag_bytes,
        lag_seconds=link.lag_seconds,
        last_io_seconds=link.last_io_seconds,
        since=since,
        sync_progress=progress,
        sync_left_bytes=link.sync_left_bytes if state == "syncing" else None,
        catchup_rate=link.catch_up_rate,
        backlog_headroom=link.backlog_headroom,
    )


def frame_of(snapshot: Snapshot, last_up: dict[str, NodeState] | None = None) -> Frame:
    """The views of one snapshot; ``last_up`` (address -> the node's last answer)
    lets a node that is down keep its role and version on screen."""
    last_up = last_up or {}
    open_under = dict(unprotected_replicas(snapshot))
    nodes = []
    for node in snapshot.nodes:
        view = replace(node_view(node), open_under=open_under.get(node.address))
        last = last_up.get(view.address)
        if view.status != "up" and last is not None:
            view = replace(
                view,
                role=view.role or last.role,
                version=view.version or last.version,
                product=view.product or _product(last),
            )
        nodes.append(view)
    return Frame(
        nodes=tuple(nodes),
        links=tuple(link_view(link, snapshot.ts) for link in snapshot.links),
        ts=snapshot.ts,
        sentinels=sentinel_rows(snapshot, last_up),
    )


def sentinel_rows(
    snapshot: Snapshot, last_up: dict[str, NodeState] | None = None
) -> tuple[SentinelRow, ...]:
    """A row per Sentinel and master it watches, in poll order. A Sentinel that does
    not answer keeps its last answer's rows, marked ``down``; one that never answered
    is not known to be a Sentinel (the tree shows it down)."""
    last_up = last_up or {}
    rows: list[SentinelRow] = []
    for node in snapshot.nodes:
        view, down = node.sentinel, False
        if view is None:
            last = last_up.get(node.address)
            if node.ok or last is None or last.sentinel is None:
                continue
            view, down = last.sentinel, True
        if not view.masters:
            rows.append(SentinelRow(node.address, None, None, "down" if down else "ok"))
        for master in view.masters:
            status: SentinelStatus = "down" if down else master.status  # type: ignore[assignment]
            rows.append(
                SentinelRow(
                    sentinel=node.address,
                    name=master.name,
                    master=master.address,
                    status=status,
                    quorum=master.quorum,
                    sentinels=None
                    if master.other_sentinels is None
                    else master.other_sentinels + 1,
                    replicas=len(master.replicas),
                    replicas_down=sum(replica.down for replica in master.replicas),
                )
            )
    return tuple(_mark_dissent(rows))


def _mark_dissent(rows: list[SentinelRow]) -> list[SentinelRow]:
    """Rows that place a master elsewhere than most answering Sentinels do (all of
    them, when the answering Sentinels are split evenly)."""
    votes: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.name is not None and row.master is not None and row.status != "down":
            places = votes.setdefault(row.name, {})
            places[row.master] = places.get(row.master, 0) + 1
    agreed: dict[str, str | None] = {}
    for name, places in votes.items():
        most = max(places.values())
        leaders = [address for address, count in places.items() if count == most]
        agreed[name] = leaders[0] if len(leaders) == 1 else None
    return [
        replace(row, dissent=True)
        if row.name in votes and len(votes[row.name]) > 1 and row.master != agreed[row.name]
        else row
        for row in rows
    ]


class DiagnosisLogs:
    """The newest log events of each log, for :func:`replwatch.report.diagnose`.

    Poll events are left out: the report's rules read logs. ``version`` grows with
    each batch that brought a log event, so the screen can tell whether anything
    new arrived since its last diagnosis.
    """

    def __init__(self, per_log: int = DIAGNOSIS_EVENTS_PER_LOG) -> None:
        self.per_log = per_log
        self._logs: dict[str, deque[Event]] = {}
        self.version = 0

    def add(self, events: Iterable[Event]) -> None:
        added = False
        for event in events:
            if event.line is None:
                continue
            log = self._logs.get(event.source)
            if log is None:
                log = self._logs[event.source] = deque(maxlen=self.per_log)
            log.append(event)
            added = True
        if added:
            self.version += 1

    def streams(self) -> list[tuple[Event, ...]]:
        """A copy of each log's events, in file order (for a worker to merge)."""
        return [tuple(log) for log in self._logs.values()]

    def __len__(self) -> int:
        return sum(len(log) for log in self._logs.values())


class DashboardState:
    """The frame on screen and the lag history, over a :class:`LiveTimeline`."""

    def __init__(self, *, node_of_source: dict[str, str] | None = None) -> None:
        self.timeline = LiveTimeline(node_of_source=node_of_source)
        self.frame = Frame()
        self._snapshot_now: Snapshot | None = None
        self.lag_history: dict[str, deque[float]] = {}
        self.diagnosis_logs = DiagnosisLogs()
        self._first_ts: str | None = None
        #: per master: (ts, offset) where its write-rate window starts, and the rate
        self._writes: dict[str, tuple[str, int]] = {}
        self.write_rate: dict[str, float] = {}

    # The timeline's facts, read through here by the screens.
    @property
    def snapshot(self) -> Snapshot | None:
        return self.timeline.snapshot

    @property
    def last_up(self) -> dict[str, NodeState]:
        return self.timeline.last_up

    @property
    def node_of_source(self) -> dict[str, str]:
        return self.timeline.node_of_source

    def set_sources(self, node_of_source: dict[str, str]) -> None:
        self.timeline.set_sources(node_of_source)

    def _measure_writes(self, snapshot: Snapshot) -> None:
        """Each master's write rate (bytes/s of replication offset), over at least
        :data:`~replwatch.topology.snapshot.CATCH_UP_MIN_WINDOW` seconds."""
        for node in snapshot.nodes:
            repl = node.replication
            if repl is None or node.role != "master" or repl.master_repl_offset is None:
                continue
            start = self._writes.get(node.address)
            if start is None or repl.master_repl_offset < start[1]:
                self._writes[node.address] = (snapshot.ts, repl.master_repl_offset)
                continue
            span = seconds_between(start[0], snapshot.ts) or 0.0
            if span >= CATCH_UP_MIN_WINDOW:
                self.write_rate[node.address] = (repl.master_repl_offset - start[1]) / span
                if span >= CATCH_UP_MAX_WINDOW:
                    self._writes[node.address] = (snapshot.ts, repl.master_repl_offset)

    def apply_snapshot(self, snapshot: Snapshot) -> Frame:
        self._measure_writes(snapshot)
        self._snapshot_now = snapshot
        previous = {link.replica: link for link in self.frame.links}
        frame = frame_of(snapshot, self.timeline.last_up)
        self.timeline.apply_snapshot(snapshot)
        self._first_ts = self._first_ts or snapshot.ts
        nodes = {node.address: node for node in frame.nodes}
        links = tuple(
            self._explained(link, previous.get(link.replica), nodes.get(link.replica), snapshot.ts)
            for link in frame.links
        )
        self.frame = replace(frame, links=links)
        for link in self.frame.links:
            samples = self.lag_history.setdefault(link.replica, deque(maxlen=HISTORY))
            samples.append(float(link.lag_bytes or 0))
        return self.frame

    def _explained(
        self, link: LinkView, before: LinkView | None, replica: NodeView | None, ts: str
    ) -> LinkView:
        """Add what the logs and the last poll know to one link's row: its cause in
        words, a ``since`` older than the dashboard, and the last known offsets of a
        replica that stopped answering (marked stale)."""
        timeline = self.timeline
        since = link.since
        change = timeline.last_change(link.replica)
        first_seen = (
            since is not None
            and self._first_ts is not None
            and ((seconds_between(self._first_ts, ts) or 0) - since <= 0.5)
        )
        if change is not None and change.up == (link.state == "up") and first_seen:
            logged = seconds_between(change.ts, ts)
            if logged is not None and since is not None and logged > since:
                since = logged  # the log saw this state begin before the dashboard started
        stale = replica is not None and replica.status != "up"
        replica_offset, lag_bytes, lag_seconds = (
            link.replica_offset,
            link.lag_bytes,
            link.lag_seconds,
        )
        if stale and before is not None:
            replica_offset = replica_offset if replica_offset is not None else before.replica_offset
            lag_bytes = lag_bytes if lag_bytes is not None else before.lag_bytes
            lag_seconds = lag_seconds if lag_seconds is not None else before.lag_seconds
        state = link.state
        if stale and state == "up":
            # The master still counts the link up (until repl-timeout), but the replica
            # does not answer: the table says what the tree says.
            state = "down"
        cause = timeline.cause(
            link.replica, state, down_for=since if state == "down" else None, now=ts
        )
        headroom, headroom_seconds = link.backlog_headroom, None
        if stale:
            # The master goes on writing: the stale replica's room to resume shrinks.
            snapshot = self._snapshot_now
            master = snapshot.node(link.master) if snapshot is not None else None
            headroom = backlog_headroom(master, replica_offset)
            rate = self.write_rate.get(link.master)
            if headroom is not None and rate:
                headroom_seconds = max(headroom, 0) / rate
        if cause is None and stale:
            cause = "replica does not answer (figures are its last known ones)"
            if headroom is not None and headroom <= 0:
                cause += "; it can no longer resume: a full sync when it returns"
            elif headroom is not None:
                cause += f"; it can still resume for {human_bytes(headroom)}"
                if headroom_seconds is not None:
                    cause += f" (~{headroom_seconds:.0f} s at the master's write rate)"
        return replace(
            link,
            state=state,
            since=since,
            replica_offset=replica_offset,
            lag_bytes=lag_bytes,
            lag_seconds=lag_seconds,
            backlog_headroom=headroom,
            headroom_seconds=headroom_seconds,
            stale=stale,
            cause=cause,
        )

    def apply_events(self, events: Iterable[Event]) -> None:
        """Hand the log events to the timeline (flaps, causes, node of each log) and
        keep them for the findings panel's diagnosis."""
        events = list(events)
        self.timeline.apply_events(events)
        self.diagnosis_logs.add(events)

    def history(self) -> dict[str, tuple[float, ...]]:
        return {replica: tuple(samples) for replica, samples in self.lag_history.items()}

    def flaps(self) -> dict[str, int]:
        """Replica -> how many times the logs said its link was lost (each loss once,
        whether one end or both logged it)."""
        return self.timeline.flaps()

    def flap_spans(self) -> dict[str, float]:
        """Replica -> seconds of log history its flaps span."""
        spans = {r: self.timeline.flap_span(r) for r in self.timeline.flaps()}
        return {r: s for r, s in spans.items() if s is not None}
