"""Sync sessions: one replica's attempt to (re)synchronise with its master, as one record.

A replica writes a dozen lines per sync attempt (connect, PING, PSYNC, full resync,
receiving N bytes, flushing, loading, finished). Views want the attempt, not the
lines: "10001 full resync: 18 B from 10000 in 5.5 s". :class:`SessionTracker` turns
a time-ordered event stream into :class:`SyncSession` records as attempts end.

What ends an attempt, from real Redis 2.8-8 / Valkey logs:

* success: ``sync_finished`` (full) or ``psync_succeeded`` (partial);
* failure: ``master_auth_failed``, ``master_link_error`` (connection refused,
  timeouts, error replies), ``sync_failed``, ``master_timeout``;
* interruption: the link is lost mid-transfer, the replica restarts, is promoted
  (``REPLICAOF NO ONE``) or pointed elsewhere, a new attempt begins over an old one,
  or the input ends (:meth:`SessionTracker.flush`).

The master's own lines about the same replica (``psync_accepted`` with the byte count,
``psync_rejected`` for lack of backlog) are remembered for a short while per replica
port, so a partial resync can say how many bytes it took and a full one why the
partial one was refused, whenever the master's log is in the same stream.

Pure: no I/O, no clock; memory is bounded by the number of sources.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import AnyEvent, seconds_between, short_source
from replwatch.timeline.links import peer_node

#: At most this many (source, line) evidence pairs are kept per session.
MAX_EVIDENCE = 40
#: Master-side facts older than this (seconds) are not attached to a replica session.
MASTER_FACT_WINDOW = 30.0
#: Bound on remembered master-side facts (replica ports).
MAX_MASTER_FACTS = 256

_PORT_IN_MESSAGE = re.compile(r"(?:\bport=|\bon port )(\d{1,5})\b")


def port_from_event(event: AnyEvent) -> str | None:
    """The listening port an event announces (``Running mode=standalone, port=10001.``,
    ``The server is now ready to accept connections on port 10001``), if any."""
    port = event.fields.get("port")
    if port is not None:
        return str(port)
    if (
        event.kind in (kinds.SERVER_STARTING, kinds.SERVER_READY, kinds.UNRECOGNIZED)
        or "port" in (event.message[:80])
    ):
        match = _PORT_IN_MESSAGE.search(event.message)
        if match:
            return match.group(1)
    return None


def format_bytes(count: int | None) -> str:
    """``18 B``, ``4.0 KB``, ``1.2 MB``: sizes as people read them."""
    if count is None:
        return "? B"
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"  # pragma: no cover


@dataclass(frozen=True, slots=True)
class SyncSession:
    """One replica-side sync attempt, from its first line to the line that ended it.

    ``node`` is the replica's short name (its port when known), ``peer`` the master's
    address as the replica logged it. ``mode`` is ``full``, ``partial`` or
    ``unknown`` (the attempt ended before the master answered PSYNC). ``outcome``
    is ``success``, ``failed`` or ``interrupted``; ``reason`` says why it failed, was
    interrupted, or (for a full resync) why a partial one was not possible.
    ``target`` is ``disk``/``parser`` for a streamed RDB, ``replid`` the replication
    id the replica asked for or was given, ``partial_tried`` whether the replica
    asked for a partial resync (``Trying a partial resynchronization``),
    ``asked_replid`` the id it asked to continue (a full resync under another id
    means the master's history changed, not that its backlog fell short).
    ``observed_by`` is ``replica`` for a session read from the replica's log, or
    ``master`` for one told by the master's log alone (then ``peer`` is the master's
    name and ``replica_address`` the replica's address as the master logged it).
    """

    source: str
    node: str
    peer: str | None
    mode: str
    bytes: int | None
    start_ts: str | None
    end_ts: str | None
    seconds: float | None
    outcome: str
    reason: str | None
    evidence: tuple[tuple[str, int], ...]
    target: str | None = None
    replid: str | None = None
    partial_tried: bool = False
    asked_replid: str | None = None
    observed_by: str = "replica"
    replica_address: str | None = None

    def summary(self) -> str:
        """One line for people: what happened, with whom, how big, how long."""
        master = peer_node(self.peer) if self.peer else "master"
        took = f" in {self.seconds:.1f} s" if self.seconds is not None else ""
        if self.outcome == "failed":
            return f"{self.node} sync failed: {self.reason or 'unknown error'}"
        if self.outcome == "interrupted":
            why = f": {self.reason}" if self.reason else ""
            return f"{self.node} {_mode_word(self.mode)} with {master} interrupted{why}"
        if self.mode == "partial":
            size = f": {format_bytes(self.bytes)}" if self.bytes is not None else ""
            return f"{self.node} partial resync from {master}{size}{took}"
        if self.mode == "full":
            if self.bytes is not None:
                size = format_bytes(self.bytes)
            elif self.observed_by == "master":
                size = "RDB streamed" if self.target == "socket" else "RDB via disk"
            elif self.target:
                size = f"streamed RDB ({self.target})"
            else:
                size = "size unknown"
            return f"{self.node} full resync: {size} from {master}{took}"
        return f"{self.node} sync with {master} finished{took}"


def _mode_word(mode: str) -> str:
    return {"full": "full resync", "partial": "partial resync"}.get(mode, "sync")


@dataclass(slots=True)
class _Open:
    """The mutable state of an attempt in progress (never leaves this module)."""

    source: str
    peer: str | None
    start_ts: str | None
    mode: str = "unknown"
    bytes: int | None = None
    target: str | None = None
    replid: str | None = None
    reason: str | None = None
    psync_tried: bool = False
    asked_replid: str | None = None
    last_ts: str | None = None
    #: a two-connection full sync (Valkey 8 dual channel, Redis 8 rdb channel)
    dual: bool = False
    evidence: list[tuple[str, int]] = field(default_factory=list)

    def add(self, event: AnyEvent) -> None:
        if event.ts:
            self.last_ts = event.ts
        if event.line is not None and len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append((event.source, event.line))


_ATTACH_ONLY = frozenset(
    {
        kinds.SYNC_STARTED,
        kinds.MASTER_CONNECTED,
        kinds.MASTER_PING_OK,
        kinds.FLUSHING_OLD_DATA,
        kinds.LOADING_DB,
        kinds.MASTER_CACHED,
        kinds.MASTER_CACHE_DISCARDED,
        kinds.MASTER_REPLID_CHANGED,
    }
)
_FAILING = {
    kinds.MASTER_AUTH_FAILED: "authentication failed",
    kinds.MASTER_LINK_ERROR: "connection error",
    kinds.SYNC_FAILED: "transfer failed",
    kinds.MASTER_TIMEOUT: "master timed out",
}
_NODE_RESET = {
    kinds.SERVER_STARTING: "replica restarted",
    kinds.SERVER_SHUTDOWN: "replica shut down",
    kinds.SERVER_EXIT: "replica shut down",
    kinds.MASTER_MODE_ENABLED: "replica promoted to master (REPLICAOF NO ONE)",
}


#: The kinds :meth:`SessionTracker.feed` reads for more than citing them in the
#: attempt under way.
_SPECIFIC = frozenset(
    {
        kinds.PSYNC_ACCEPTED,
        kinds.PSYNC_REJECTED,
        kinds.MASTER_CONNECTING,
        kinds.REPLICAOF_ENABLED,
        kinds.SYNC_STARTED,
        kinds.PSYNC_ATTEMPT,
        kinds.FULL_RESYNC_STARTED,
        kinds.PSYNC_IMPOSSIBLE,
        kinds.RDB_RECEIVING,
        kinds.DUAL_CHANNEL_STARTED,
        kinds.PSYNC_SUCCEEDED,
        kinds.SYNC_FINISHED,
        kinds.MASTER_LINK_LOST,
        *_NODE_RESET,
        *_FAILING,
    }
)


_Reader = Callable[["SessionTracker", str, AnyEvent, "_Open | None"], "list[SyncSession]"]


class SessionTracker:
    """Turns a time-ordered event stream into completed :class:`SyncSession` records.

    Feed it every event (any source, any kind; unrelated ones are ignored cheaply).
    State is kept per source, plus a small bounded memory of the master-side facts.
    """

    def __init__(self, *, node_of: Mapping[str, str] | None = None) -> None:
        # node_of maps a file to the log it is a segment of (10001.log.1 -> 10001.log):
        # an attempt that spans a rotation is one session of one source
        self._node_of = dict(node_of or {})
        self._open: dict[str, _Open] = {}
        self._peer: dict[str, str] = {}
        self._port: dict[str, str] = {}
        self._master_facts: OrderedDict[str, AnyEvent] = OrderedDict()
        #: per source, events of kinds outside _SPECIFIC not read yet (see feeder)
        self._plain: dict[str, list[AnyEvent]] = {}

    def node_name(self, source: str) -> str:
        """The short name of the node writing ``source``: its port once seen."""
        return self._port.get(source) or short_source(source)

    def feeder(self, source: str, kind: str) -> Callable[[AnyEvent], list[SyncSession] | None]:
        """How to give this tracker the events of ``kind`` from ``source``: a kind
        that neither opens, ends nor changes an attempt is only cited by the attempt
        under way, and is kept to be read in a run (:meth:`catch_up`); the others
        go to :meth:`feed`."""
        if kind in _SPECIFIC:
            return self.feed
        node = self._node_of.get(source, source) if self._node_of else source
        plain = self._plain.get(node)
        if plain is None:
            plain = self._plain[node] = []
        return plain.append

    def catch_up(self) -> None:
        """Read the runs of plain events kept by :meth:`feeder`'s appends."""
        for node, events in self._plain.items():
            if events:
                self._read_plain(node, events)

    def _read_plain(self, source: str, events: list[AnyEvent]) -> None:
        """What :meth:`feed` does with a run of events of one source whose kinds are
        outside :data:`_SPECIFIC`, then empties the run."""
        if source not in self._port:
            for event in events:
                port = port_from_event(event)
                if port:
                    self._port[source] = port
                    break
        session = self._open.get(source)
        if session is not None:
            last = next((e.ts for e in reversed(events) if e.ts), None)
            if last is not None:
                session.last_ts = last
            room = MAX_EVIDENCE - len(session.evidence)
            if room > 0:
                cited = [(e.source, e.line) for e in events[:room] if e.line is not None]
                if len(cited) < room and len(events) > room:
                    cited = [(e.source, e.line) for e in events if e.line is not None]
                session.evidence.extend(cited[:room])  # type: ignore[arg-type]
        events.clear()

    def feed(self, event: AnyEvent) -> list[SyncSession]:
        """Sessions completed by ``event`` (usually none, at most two)."""
        source = self._node_of.get(event.source, event.source) if self._node_of else event.source
        plain = self._plain.get(source)
        if plain:
            self._read_plain(source, plain)
        if source not in self._port:
            port = port_from_event(event)
            if port:
                self._port[source] = port
        session = self._open.get(source)
        read = _READERS.get(event.kind)
        if read is not None:
            return read(self, source, event, session)
        if session is not None:
            session.add(event)  # a kind that only cites: the attempt under way
        return []

    # -- what each kind does (source: the node's log; session: its attempt under way)

    def _master_fact_or_line(
        self, source: str, event: AnyEvent, session: _Open | None
    ) -> list[SyncSession]:
        """``psync_accepted``/``psync_rejected``: the master's word on a replica."""
        if event.fields.get("peer"):
            self._remember_master_fact(event)
        elif session is not None:
            session.add(event)
        return []

    def _connecting(self, source: str, event: AnyEvent, session: _Open | None) -> list[SyncSession]:
        peer = event.fields.get("peer")
        if peer:
            self._peer[source] = str(peer)
        done = []
        if session is not None:
            done.append(self._close(source, event, "interrupted", "new attempt began"))
        self._begin(event).add(event)
        return done

    def _replicaof(self, source: str, event: AnyEvent, session: _Open | None) -> list[SyncSession]:
        peer = event.fields.get("peer")
        if peer:
            self._peer[source] = str(peer)
        # Redis logs "Connecting to MASTER <new>" before "REPLICAOF <new> enabled":
        # the attempt already under way is the one this command asked for.
        if session is not None and session.peer != self._peer.get(source):
            why = "replica pointed at another master"
            return [self._close(source, event, "interrupted", why)]
        return []

    def _node_reset(self, source: str, event: AnyEvent, session: _Open | None) -> list[SyncSession]:
        kind = event.kind
        done = []
        if session is not None:
            done.append(self._close(source, event, "interrupted", _NODE_RESET[kind]))
        if kind == kinds.MASTER_MODE_ENABLED:
            self._peer.pop(source, None)
        return done

    def _opening(self, source: str, event: AnyEvent, session: _Open | None) -> list[SyncSession]:
        """The kinds that open an attempt when none is under way."""
        if session is None:
            session = self._begin(event)
        session.add(event)
        kind = event.kind
        if kind == kinds.PSYNC_ATTEMPT:
            session.psync_tried = True
            if event.fields.get("replid"):
                session.replid = session.asked_replid = str(event.fields["replid"])
        elif kind == kinds.FULL_RESYNC_STARTED:
            session.mode = "full"
            session.replid = str(event.fields.get("replid") or "") or session.replid
        return []

    def _during(self, source: str, event: AnyEvent, session: _Open | None) -> list[SyncSession]:
        """The kinds that change or end the attempt under way (nothing without one)."""
        if session is None:
            return []
        session.add(event)
        kind = event.kind
        if kind == kinds.PSYNC_IMPOSSIBLE:
            session.reason = str(event.fields.get("reason") or "partial resync not possible")
        elif kind == kinds.RDB_RECEIVING:
            session.mode = "full"
            if event.fields.get("bytes") is not None:
                session.bytes = int(event.fields["bytes"])
            if event.fields.get("target"):
                session.target = str(event.fields["target"])
        elif kind == kinds.DUAL_CHANNEL_STARTED:
            session.mode, session.dual = "full", True
        elif kind == kinds.PSYNC_SUCCEEDED:
            if not session.dual:  # else the main channel's PSYNC of a two-connection sync
                session.mode = "partial"
                session.reason = None
                return [self._close(source, event, "success", None)]
        elif kind == kinds.SYNC_FINISHED:
            if session.mode == "unknown":
                session.mode = "full"
            return [self._close(source, event, "success", session.reason)]
        elif kind in _FAILING:
            return [self._close(source, event, "failed", _error_text(event, kind))]
        elif kind == kinds.MASTER_LINK_LOST:
            return [self._close(source, event, "interrupted", "connection with master lost")]
        return []

    def flush(self) -> list[SyncSession]:
        """Attempts still open at the end of the input, as ``interrupted``."""
        self.catch_up()
        done = []
        for source in list(self._open):
            done.append(self._close(source, None, "interrupted", "log ends during the sync"))
        return done

    # -- internals

    def _begin(self, event: AnyEvent) -> _Open:
        source = self._node_of.get(event.source, event.source)
        session = _Open(source, self._peer.get(source), event.ts)
        self._open[source] = session
        return session

    def _close(
        self, source: str, event: AnyEvent | None, outcome: str, reason: str | None
    ) -> SyncSession:
        session = self._open.pop(source)
        end_ts = event.ts if event is not None else session.last_ts
        node = self.node_name(source)
        fact = self._master_fact(node, end_ts)
        if fact is not None and outcome == "success":
            if session.mode == "partial" and fact.kind == kinds.PSYNC_ACCEPTED:
                session.bytes = _int_or_none(fact.fields.get("bytes"))
                session.evidence.append((fact.source, fact.line or 0))
            elif session.mode == "full" and fact.kind == kinds.PSYNC_REJECTED:
                reason = f"partial resync refused by master ({fact.fields.get('reason', '?')})"
                session.evidence.append((fact.source, fact.line or 0))
        return SyncSession(
            source=source,
            node=node,
            peer=session.peer,
            mode=session.mode,
            bytes=session.bytes,
            start_ts=session.start_ts,
            end_ts=end_ts,
            seconds=seconds_between(session.start_ts, end_ts),
            outcome=outcome,
            reason=reason,
            evidence=tuple(session.evidence),
            target=session.target,
            replid=session.replid,
            partial_tried=session.psync_tried,
            asked_replid=session.asked_replid,
        )

    def _remember_master_fact(self, event: AnyEvent) -> None:
        port = peer_node(str(event.fields["peer"]))
        self._master_facts[port] = event
        self._master_facts.move_to_end(port)
        while len(self._master_facts) > MAX_MASTER_FACTS:
            self._master_facts.popitem(last=False)

    def _master_fact(self, node: str, end_ts: str | None) -> AnyEvent | None:
        fact = self._master_facts.get(node)
        if fact is None:
            return None
        gap = seconds_between(fact.ts, end_ts)
        if gap is None or abs(gap) > MASTER_FACT_WINDOW:
            return None
        return fact


#: What :meth:`SessionTracker.feed` does with each kind of :data:`_SPECIFIC`.
_READERS: dict[str, _Reader] = {
    kinds.PSYNC_ACCEPTED: SessionTracker._master_fact_or_line,
    kinds.PSYNC_REJECTED: SessionTracker._master_fact_or_line,
    kinds.MASTER_CONNECTING: SessionTracker._connecting,
    kinds.REPLICAOF_ENABLED: SessionTracker._replicaof,
    **dict.fromkeys(_NODE_RESET, SessionTracker._node_reset),
    **dict.fromkeys(
        (kinds.SYNC_STARTED, kinds.PSYNC_ATTEMPT, kinds.FULL_RESYNC_STARTED),
        SessionTracker._opening,
    ),
    **dict.fromkeys(
        (
            kinds.PSYNC_IMPOSSIBLE,
            kinds.RDB_RECEIVING,
            kinds.DUAL_CHANNEL_STARTED,
            kinds.PSYNC_SUCCEEDED,
            kinds.SYNC_FINISHED,
            kinds.MASTER_LINK_LOST,
            *_FAILING,
        ),
        SessionTracker._during,
    ),
}
assert set(_READERS) == _SPECIFIC


def _error_text(event: AnyEvent, kind: str) -> str:
    """The error a failure line reports; the whole message when the error text is an
    errno word that says nothing (``Failed to read response from the server: Success``)."""
    error = str(event.fields.get("error") or "").strip()
    if not error or error.lower() in ("success", "unknown error"):
        return event.message.strip() or _FAILING[kind]
    return error


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
