"""Put many event streams on one clock, and see each link's state over time.

Two jobs that every multi-file view needs:

* the merge of several per-file streams onto one clock lives in
  :mod:`replwatch.timeline.merge` (the one merge order of every view);
* :class:`LinkTimeline` rebuilds, from log events alone, the state of every replication
  link (master address -> replica node) as intervals ``up`` / ``syncing`` / ``down``.
  Polling INFO every few seconds misses a link that drops and comes back between polls;
  the logs do not, and this is what the report's picture and the TUI draw.

Pure and synchronous: no I/O and no clock reads; time comes from the events.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from replwatch import kinds
from replwatch.events import AnyEvent, seconds_between

# ---------------------------------------------------------------- link timeline

UP = "up"
SYNCING = "syncing"
DOWN = "down"

# The groups of kinds this module reacts to are replwatch.kinds' own (one definition).
_MASTER_KINDS = kinds.MASTER_SIDE_SYNCING | kinds.MASTER_SIDE_RESTORED | kinds.MASTER_SIDE_LOST
#: Every kind the replica side (and a node's stop or start) reacts to.
_REPLICA_KINDS = (
    kinds.REPLICA_SIDE_SYNCING
    | kinds.REPLICA_SIDE_RESTORED
    | kinds.REPLICA_SIDE_LOST
    | kinds.NODE_GONE
    | {
        kinds.MASTER_CONNECTING,
        kinds.REPLICAOF_ENABLED,
        kinds.MASTER_MODE_ENABLED,
        kinds.SERVER_SHUTDOWN,
    }
)


#: Replica-side kinds that move the link the replica follows to one state, their
#: kind being the cause; the master-side kinds, the same for the replica they name.
_MOVES = (
    dict.fromkeys(kinds.REPLICA_SIDE_SYNCING, SYNCING)
    | dict.fromkeys(kinds.REPLICA_SIDE_RESTORED, UP)
    | dict.fromkeys(kinds.REPLICA_SIDE_LOST, DOWN)
)
_MASTER_MOVES = (
    dict.fromkeys(kinds.MASTER_SIDE_SYNCING, SYNCING)
    | dict.fromkeys(kinds.MASTER_SIDE_RESTORED, UP)
    | dict.fromkeys(kinds.MASTER_SIDE_LOST, DOWN)
)
#: Bound on the peer addresses whose host and name are remembered.
_MAX_PEERS = 4096


@dataclass(frozen=True, slots=True)
class LinkInterval:
    """One stretch of a link in one state. ``end_ts`` is ``None`` while it lasts."""

    state: str
    start_ts: str | None
    end_ts: str | None
    cause: str
    evidence: tuple[tuple[str, int], ...]

    @property
    def seconds(self) -> float | None:
        return seconds_between(self.start_ts, self.end_ts)


@dataclass(frozen=True, slots=True)
class LinkKey:
    """A link as one side saw it: ``replica`` and ``master`` are ``host:port``-ish
    names (``master`` is the peer address from the logs), ``observer`` is ``replica``
    when the replica's log told us, ``master`` when only the master's log did."""

    replica: str
    master: str
    observer: str


#: A replica lost at most this many seconds before its master's clean stop (the
#: shutdown request, else its exit) went with the stop: nodes are stopped one after
#: the other. The request may also come first (Redis 7 waits for lagging replicas).
STOP_GRACE = 5.0


class LinkTimeline:
    """Per-link state intervals rebuilt from log events, fed in time order.

    ``node_of`` maps a source (file) to the name of the node that wrote it (a port
    such as ``10001``; the source itself when unknown) and ``peer_name`` turns a peer
    address from a log line into the same kind of name (default: its port), so that
    both sides of a link agree on its key. ``max_intervals`` bounds memory per link:
    the oldest intervals are dropped first and counted in :attr:`dropped`.
    """

    #: The kinds :meth:`feed` reads (others may be skipped by the caller).
    KINDS = _MASTER_KINDS | _REPLICA_KINDS

    def __init__(
        self,
        *,
        node_of: Mapping[str, str] | None = None,
        peer_name: Callable[[str], str] | None = None,
        max_intervals: int = 5000,
    ) -> None:
        self._node_of = dict(node_of or {})
        self._peer_name = peer_name or peer_node
        self._max = max_intervals
        # links are keyed by plain (replica, master, observer) tuples inside (hashed
        # in C); LinkKey is what the reading methods take and give
        # a deque per link: the oldest interval goes in O(1) once the bound is reached
        self._intervals: dict[_Key, deque[LinkInterval]] = {}
        self._current_master: dict[str, str] = {}
        self._endings: dict[_Key, tuple[str | None, str]] = {}
        self._stopping: dict[str, str | None] = {}  # node -> its shutdown request's ts
        # indexes, so that no event rescans every link: a master's links as its own
        # log names them, and the replica names a master's log used per host
        self._served: dict[str, dict[_Key, None]] = {}
        self._by_host: dict[tuple[str, str], dict[str, None]] = {}
        # peer address as logged -> (its host, its name): both asked on every line
        self._peers: dict[object, tuple[str, str]] = {}
        self.dropped = 0

    # -- feeding

    def feeder(self, source: str, kind: str) -> Callable[[AnyEvent], None] | None:
        """The method that reads events of ``kind`` as :meth:`feed` does, most
        directly; None for a kind that says nothing about a link."""
        if kind in _MASTER_KINDS:
            return self._feed_master_side
        if kind in _MOVES:
            return self._move
        return self.feed if kind in _REPLICA_KINDS else None

    def _move(self, event: AnyEvent) -> None:
        """:meth:`feed` for a kind of :data:`_MOVES`: the link the replica follows
        goes to that state (nothing to do when it is there already)."""
        source = event.source
        node = self._node_of.get(source, source)
        master = self._current_master.get(node)
        if master is None:
            return
        key = (node, master, "replica")
        kind = event.kind
        state = _MOVES[kind]
        intervals = self._intervals.get(key)
        if intervals and intervals[-1].state == state and intervals[-1].end_ts is None:
            return
        self._set(key, state, event, kind)

    def feed(self, event: AnyEvent) -> None:
        """Advance the state of whatever link ``event`` speaks about."""
        kind = event.kind
        if kind in _MASTER_KINDS:
            self._feed_master_side(event)
            return
        if kind not in _REPLICA_KINDS:
            return  # most lines say nothing about a link: no lookups for them
        if kind == kinds.SERVER_SHUTDOWN:
            self._stopping[self._node(event.source)] = event.ts
        if kind in kinds.NODE_GONE:
            self._master_gone(event)  # the same file may also hold replica-side history
        self._feed_replica_side(event)

    def _feed_replica_side(self, event: AnyEvent) -> None:
        kind = event.kind
        node = self._node(event.source)
        peer = event.fields.get("peer")
        if kind in (kinds.MASTER_CONNECTING, kinds.REPLICAOF_ENABLED) and peer:
            new = self._peer_name(str(peer))
            old = self._current_master.get(node)
            if old and old != new:
                self._set((node, old, "replica"), None, event, "replicaof changed")
            self._current_master[node] = new
        master = self._current_master.get(node)
        if master is None:
            return
        key = (node, master, "replica")
        intervals = self._intervals.get(key)
        state = intervals[-1].state if intervals and intervals[-1].end_ts is None else None
        if kind == kinds.MASTER_CONNECTING and state in (None, UP):
            self._set(key, SYNCING, event, "connecting")
        elif kind in kinds.REPLICA_SIDE_SYNCING:
            self._set(key, SYNCING, event, kind)
        elif kind in kinds.REPLICA_SIDE_RESTORED:
            self._set(key, UP, event, kind)
        elif kind in kinds.REPLICA_SIDE_LOST:
            self._set(key, DOWN, event, kind)
        elif kind in kinds.NODE_GONE and state is not None:
            # also when already down (the master went first): the stop is what the
            # link's last spell ends on, which tells a shut-down pair from an outage
            self._set(key, DOWN, event, "replica restarted or stopped", again=state == DOWN)
        elif kind == kinds.MASTER_MODE_ENABLED:
            self._set(key, None, event, "replica promoted (REPLICAOF NO ONE)")
            self._current_master.pop(node, None)

    def _master_gone(self, event: AnyEvent) -> None:
        master = self._node(event.source)
        stop_ts = self._stopping.pop(master, None) or event.ts
        for key in list(self._served.get(master, ())):
            state = self._state(key)
            if state not in (None, DOWN):
                self._set(key, DOWN, event, "master restarted or stopped")
            elif state == DOWN and event.kind == kinds.SERVER_EXIT:
                # The replica dropped just before the master's own clean stop: the
                # end of a recording (a whole topology shut down), not an outage.
                # A replica lost well before the stop stays down for its own reason.
                lost = self._intervals[key][-1].start_ts
                gap = seconds_between(lost, stop_ts)
                if gap is not None and gap <= STOP_GRACE:
                    self._set(key, DOWN, event, "master restarted or stopped", again=True)

    def _feed_master_side(self, event: AnyEvent) -> None:
        kind = event.kind
        peer = event.fields.get("peer")
        if not peer:
            return
        source = event.source
        master = self._node_of.get(source, source)
        named = self._peers.get(peer)
        if named is None:
            if len(self._peers) >= _MAX_PEERS:
                self._peers.clear()
            named = self._peers[peer] = (_host(str(peer)), self._peer_name(str(peer)))
        host = named[0]
        if kind == kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW:
            # The address on this line is the replica's client side (an ephemeral
            # port), not the port it listens on: the link is the one replica of this
            # master on that host, if there is exactly one; else no link is invented.
            known = self._by_host.get((master, host), {})
            if len(known) != 1:
                return
            replica = next(iter(known))
        else:
            replica = named[1]
            on_host = self._by_host.get((master, host))
            if on_host is None:
                on_host = self._by_host[(master, host)] = {}
            on_host[replica] = None
        key = (replica, master, "master")
        served = self._served.get(master)
        if served is None:
            served = self._served[master] = {}
        served[key] = None
        state = _MASTER_MOVES[kind]
        intervals = self._intervals.get(key)
        if intervals and intervals[-1].state == state and intervals[-1].end_ts is None:
            return  # already there: _set would keep the open interval
        self._set(key, state, event, kind)

    # -- state bookkeeping

    def _node(self, source: str) -> str:
        return self._node_of.get(source, source)

    def _state(self, key: _Key) -> str | None:
        intervals = self._intervals.get(key)
        if not intervals or intervals[-1].end_ts is not None:
            return None
        return intervals[-1].state

    def _set(
        self, key: _Key, state: str | None, event: AnyEvent, cause: str, *, again: bool = False
    ) -> None:
        """Move ``key`` to ``state``; ``again`` starts a new interval even in the same
        state (a new cause within one down spell)."""
        intervals = self._intervals.get(key)
        if intervals is None:
            intervals = self._intervals[key] = deque(maxlen=self._max)
        elif intervals and intervals[-1].end_ts is None:
            last = intervals[-1]
            if last.state == state and not (again and last.cause != cause):
                return
            end = event.ts or last.start_ts
            intervals[-1] = LinkInterval(last.state, last.start_ts, end, last.cause, last.evidence)
        if state is None:
            self._endings[key] = (event.ts, cause)
            return
        self._endings.pop(key, None)
        where = ((event.source, event.line),) if event.line is not None else ()
        if len(intervals) == self._max:
            self.dropped += 1  # the deque lets its oldest go
        intervals.append(LinkInterval(state, event.ts, None, cause, where))

    # -- reading

    def links(self) -> list[LinkKey]:
        """Every link seen, in a stable order."""
        return [LinkKey(*key) for key in sorted(self._intervals, key=_link_order)]

    def intervals(self, key: LinkKey) -> list[LinkInterval]:
        """The intervals of ``key``, oldest first; the last may still be open."""
        return list(self._intervals.get((key.replica, key.master, key.observer), ()))

    def ending(self, key: LinkKey) -> tuple[str | None, str] | None:
        """``(ts, cause)`` when the link was ended on purpose (promotion, new master)."""
        return self._endings.get((key.replica, key.master, key.observer))

    def close(self, ts: str | None) -> None:
        """End every open interval at ``ts`` (the end of the input)."""
        for intervals in self._intervals.values():
            if intervals and intervals[-1].end_ts is None and ts:
                intervals[-1] = replace(intervals[-1], end_ts=ts)


#: A link inside :class:`LinkTimeline`: (replica, master, observer) as in LinkKey.
_Key = tuple[str, str, str]


def _link_order(key: _Key) -> tuple[str, str, str]:
    return (key[1], key[0], key[2])


def _host(peer: str) -> str:
    """``10.0.0.2:6380`` -> ``10.0.0.2`` (brackets of IPv6 kept as written)."""
    return peer.rsplit(":", 1)[0] if ":" in peer else peer


def peer_node(peer: str) -> str:
    """``127.0.0.1:10001`` -> ``10001``: the short name logs of that node go by."""
    return peer.rsplit(":", 1)[-1] if ":" in peer else peer
