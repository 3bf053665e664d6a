"""Sync sessions as the master saw them, for when only the master's log is at hand.

After an incident the replicas' logs are often elsewhere or rotated away, but the
master's log still tells each link's story: ``Replica 127.0.0.1:10001 asks for
synchronization``, then ``Full resync requested`` or ``Partial resynchronization
request ... accepted. Sending 57 bytes`` (or ``not accepted`` and why), the BGSAVE
that serves it, and ``Synchronization with replica ... succeeded`` — or the link
lost, the output buffer overflowing, a timeout, a failed BGSAVE.

:class:`MasterSessionTracker` turns those lines into the same :class:`SyncSession`
records the replica side gives, with ``node`` the replica's name (the port of the
address the master logged) and ``observed_by="master"``. One BGSAVE may serve
several replicas (diskless: ``target: replicas sockets`` for all the replicas that
asked during the delay; disk: replicas that attach to a BGSAVE in progress,
``Waiting for end of BGSAVE for SYNC``): every open full sync is settled by the
BGSAVE's end. Redis 2.8-5.0 diskless syncs say twice that the replica got the RDB
(``correctly received the streamed RDB file``, then ``succeeded``), Valkey 8 too
(``Streamed RDB transfer ... succeeded``, ``Synchronization ... succeeded``): the
first one ends the session, the echoes are ignored. A two-connection full sync
(Valkey 8's dual channel, Redis 8's rdb channel) asks for synchronization on each
connection and has its main channel's PSYNC accepted: still one full sync.

Pure: no I/O, no clock; memory bounded by the number of replicas in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from replwatch import kinds
from replwatch.events import AnyEvent, seconds_between
from replwatch.timeline.links import peer_node
from replwatch.timeline.sessions import MAX_EVIDENCE, SyncSession, port_from_event

_FAILING = {
    kinds.REPLICA_LINK_LOST: "connection with the replica lost during the sync",
    kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW: "replica's output buffer limit overcome",
    kinds.REPLICA_TIMEOUT: "replica timed out",
    kinds.REPLICA_SYNC_FAILED: "sending the RDB failed",
}
#: Lines of the master that say the sync is over for this replica.
_SUCCEEDING = frozenset({kinds.REPLICA_SYNC_SUCCEEDED, kinds.REPLICA_RDB_RECEIVED})
#: Requests a two-connection full sync makes after the one that opened it: Valkey's
#: rdb channel and then its main channel's PSYNC; Redis 8's rdb channel (the main
#: channel's PSYNC comes later, when the replica has loaded the RDB).
_DUAL_REQUESTS = 2
#: Bound on syncs open at once per master.
MAX_PEERS = 1024


@dataclass(slots=True)
class _Open:
    """A master-side sync in progress (never leaves this module)."""

    address: str
    start_ts: str | None
    mode: str = "unknown"
    bytes: int | None = None
    reason: str | None = None
    target: str | None = None
    last_ts: str | None = None
    transferred: bool = False
    #: this replica's previous full sync, lost after its RDB was sent: the answer to
    #: this request tells whether the replica had loaded it (a partial resync is)
    previous: SyncSession | None = None
    #: a two-connection full sync (Valkey 8 dual channel, Redis 8 rdb channel): the
    #: replica's second connection asks again, and its main channel's PSYNC is
    #: accepted from the RDB's end offset; those belong to this sync, not to new ones
    absorb: int = 0
    dual: bool = False
    evidence: list[tuple[str, int]] = field(default_factory=list)

    def add(self, event: AnyEvent) -> None:
        if event.ts:
            self.last_ts = event.ts
        if event.line is not None and len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append((event.source, event.line))


@dataclass(slots=True)
class _Master:
    """One master log's state: its port, the syncs open per replica address."""

    port: str | None = None
    open: dict[str, _Open] = field(default_factory=dict)
    target: str | None = None
    #: the replica that asked last: the PSYNC answer lines that name no replica
    #: (``Partial resynchronization not accepted: ...``) follow its request at once
    last_request: str | None = None
    #: full syncs lost after the whole RDB was sent, until the replica asks again
    pending: dict[str, SyncSession] = field(default_factory=dict)
    #: events of kinds outside _SPECIFIC not read yet (MasterSessionTracker.feeder)
    plain: list[AnyEvent] = field(default_factory=list)


def _read_plain(master: _Master, events: list[AnyEvent]) -> None:
    """What :meth:`MasterSessionTracker.feed` does with a run of events of one log
    whose kinds are outside :data:`_SPECIFIC`, then empties the run."""
    if master.port is None:
        for event in events:
            master.port = port_from_event(event)
            if master.port is not None:
                break
    if master.open:
        for event in events:
            peer = event.fields.get("peer")
            if peer:
                session = master.open.get(str(peer))
                if session is not None:
                    session.add(event)
    events.clear()


#: Kinds read even without a peer address (the rest need one to find their session).
_PEERLESS = (
    frozenset(
        {
            kinds.PSYNC_REJECTED,
            kinds.PSYNC_ACCEPTED,
            kinds.FULL_RESYNC_REQUESTED,
            kinds.BGSAVE_FOR_SYNC,
            kinds.BGSAVE_STARTED,
            kinds.BGSAVE_WAITING,
            kinds.BGSAVE_DONE,
            kinds.DISKLESS_TRANSFER_DONE,
            kinds.BGSAVE_FAILED,
        }
    )
    | kinds.NODE_GONE
)


#: The kinds :meth:`MasterSessionTracker.feed` reads for more than citing them in
#: the sync under way with the replica they name.
_SPECIFIC = (
    _PEERLESS
    | _SUCCEEDING
    | {kinds.DUAL_CHANNEL_STARTED, kinds.REPLICA_SYNC_REQUEST, *_FAILING}
)


class MasterSessionTracker:
    """Master-side events in (any order of sources, each in time order), sessions out."""

    def __init__(self) -> None:
        self._masters: dict[str, _Master] = {}

    def feeder(self, source: str, kind: str) -> Callable[[AnyEvent], list[SyncSession] | None]:
        """How to give this tracker the events of ``kind`` from ``source``: a kind
        that neither opens, ends nor changes a sync is only cited by the sync under
        way with the replica it names, and is kept to be read in a run
        (:meth:`catch_up`); the others go to :meth:`feed`."""
        if kind in _SPECIFIC:
            return self.feed
        master = self._masters.get(source)
        if master is None:
            master = self._masters[source] = _Master()
        return master.plain.append

    def catch_up(self) -> None:
        """Read the runs of plain events kept by :meth:`feeder`'s appends."""
        for master in self._masters.values():
            if master.plain:
                _read_plain(master, master.plain)

    def feed(self, event: AnyEvent) -> list[SyncSession]:
        """Sessions that ``event`` completes (usually none)."""
        master = self._masters.get(event.source)
        if master is None:
            master = self._masters[event.source] = _Master()
        if master.plain:
            _read_plain(master, master.plain)
        if master.port is None:
            master.port = port_from_event(event)
        kind = event.kind
        peer = str(event.fields.get("peer") or "")
        if not peer and kind not in _PEERLESS:
            return []  # a line about no replica, and none this tracker reads without one
        if kind in kinds.NODE_GONE:
            why = "master restarted" if kind == kinds.SERVER_STARTING else "master stopped"
            return self._close_all(event, master, "interrupted", why)
        if kind == kinds.DUAL_CHANNEL_STARTED and peer in master.open:
            session = master.open[peer]
            session.add(event)
            if session.mode == "unknown":
                session.mode = "full"
            if not session.dual:
                session.dual, session.absorb = True, _DUAL_REQUESTS
            return []
        if kind == kinds.REPLICA_SYNC_REQUEST and peer:
            going = master.open.get(peer)
            if going is not None and going.absorb > 0:
                going.absorb -= 1  # the same sync's other connection
                going.add(event)
                master.last_request = peer
                return []
            done = []
            if peer in master.open:
                done.extend(self._close(event, master, peer, "interrupted", "new attempt began"))
            if len(master.open) < MAX_PEERS:
                master.open[peer] = _Open(peer, event.ts, previous=master.pending.pop(peer, None))
                master.open[peer].add(event)
                master.last_request = peer
            return done
        if not peer and kind in (
            kinds.PSYNC_REJECTED,
            kinds.PSYNC_ACCEPTED,
            kinds.FULL_RESYNC_REQUESTED,
        ):
            peer = master.last_request or ""
        if kind in (
            kinds.BGSAVE_FOR_SYNC,
            kinds.BGSAVE_STARTED,
            kinds.BGSAVE_WAITING,
            kinds.BGSAVE_DONE,
            kinds.DISKLESS_TRANSFER_DONE,
        ):
            if kind == kinds.BGSAVE_FOR_SYNC:
                master.target = _target(event)
            for session in master.open.values():
                if session.mode == "full":
                    session.add(event)
                    session.transferred |= kind in (kinds.BGSAVE_DONE, kinds.DISKLESS_TRANSFER_DONE)
                    if kind == kinds.BGSAVE_FOR_SYNC and session.target is None:
                        session.target = master.target
            return []
        if kind == kinds.BGSAVE_FAILED:
            waiting = [p for p, s in master.open.items() if s.mode == "full"]
            error = str(event.fields.get("error") or "") or "background save for the sync failed"
            return [s for p in waiting for s in self._close(event, master, p, "failed", error)]
        found = master.open.get(peer) if peer else None
        if found is None:
            return []
        session = found
        session.add(event)
        if kind == kinds.FULL_RESYNC_REQUESTED:
            session.mode = "full"
            return _settle(session, loaded=False)
        elif kind == kinds.PSYNC_REJECTED:
            session.mode = "full"
            session.reason = f"partial resync refused ({event.fields.get('reason') or '?'})"
            return _settle(session, loaded=False)
        elif kind == kinds.PSYNC_ACCEPTED and session.dual:
            return []  # the main channel continues from the RDB it is being sent
        elif kind == kinds.PSYNC_ACCEPTED:
            session.mode = "partial"
            session.bytes = _int_or_none(event.fields.get("bytes"))
            done = _settle(session, loaded=True)
            return [*done, *self._close(event, master, peer, "success", None)]
        elif kind in _SUCCEEDING:
            if session.mode == "unknown":
                session.mode = "full"
            return self._close(event, master, peer, "success", session.reason)
        elif kind in _FAILING:
            error = str(event.fields.get("error") or "") or _FAILING[kind]
            *before, lost = self._close(event, master, peer, "failed", error)
            if session.mode == "full" and session.transferred and kind == kinds.REPLICA_LINK_LOST:
                # diskless: the whole RDB went out, only the final word is missing
                master.pending[peer] = lost
                return before
            return [*before, lost]
        return []

    def flush(self) -> list[SyncSession]:
        """Syncs still open at the end of the input, as ``interrupted``."""
        self.catch_up()
        done: list[SyncSession] = []
        for source, master in self._masters.items():
            done.extend(master.pending.values())
            master.pending.clear()
            for peer in list(master.open):
                why = "log ends during the sync"
                done.extend(self._close(None, master, peer, "interrupted", why, source=source))
        return done

    # -- internals

    def _close_all(
        self, event: AnyEvent, master: _Master, outcome: str, reason: str
    ) -> list[SyncSession]:
        master.last_request = None
        done = list(master.pending.values())
        master.pending.clear()
        for peer in list(master.open):
            done.extend(self._close(event, master, peer, outcome, reason))
        return done

    def _close(
        self,
        event: AnyEvent | None,
        master: _Master,
        peer: str,
        outcome: str,
        reason: str | None,
        *,
        source: str | None = None,
    ) -> list[SyncSession]:
        """``peer``'s sync as a record (after its pending previous one, if any)."""
        session = master.open.pop(peer)
        done = _settle(session, loaded=False)
        end_ts = event.ts if event is not None else session.last_ts
        source = event.source if event is not None else source or ""
        done.append(
            SyncSession(
                source=source,
                node=peer_node(peer),
                peer=master.port or source,
                mode=session.mode,
                bytes=session.bytes,
                start_ts=session.start_ts,
                end_ts=end_ts,
                seconds=seconds_between(session.start_ts, end_ts),
                outcome=outcome,
                reason=reason,
                evidence=tuple(session.evidence),
                target=session.target,
                partial_tried=session.mode == "partial"
                or (session.reason or "").startswith("partial"),
                observed_by="master",
                replica_address=peer,
            )
        )
        return done


def _settle(session: _Open, *, loaded: bool) -> list[SyncSession]:
    """The previous full sync of ``session``'s replica, lost after the RDB went out,
    now that the replica's next request tells whether it had loaded it."""
    previous, session.previous = session.previous, None
    if previous is None:
        return []
    if loaded:
        why = "the link dropped after the RDB was sent; the replica continued partially"
        return [replace(previous, outcome="success", reason=why)]
    return [previous]


def _target(event: AnyEvent) -> str | None:
    """``disk`` or ``socket`` (``replicas sockets`` in the line)."""
    target = str(event.fields.get("target") or event.message).lower()
    if "socket" in target:
        return "socket"
    return "disk" if "disk" in target else None


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
