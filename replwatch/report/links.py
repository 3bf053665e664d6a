"""Pair the two ends of each replication link and tell its story.

The replica's log says ``Connecting to MASTER 127.0.0.1:10000``, the master's says
``Replica 127.0.0.1:10001 asks for synchronization``; :func:`build_links` joins both
views under one name pair (``10000 -> 10001``, master first) using the nodes' ports and
replication ids, attaches the replica's sync sessions, and turns the link's state
intervals into outages (up, then lost, until up again). When both logs are present,
the replica's view of the states and sessions is used: it sees every reconnection
attempt. With the master's log alone, the master's sessions tell the link's syncs
(the replica named by its port), and they fill in whatever time the replica's log
does not cover.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter

from replwatch import kinds
from replwatch.events import seconds_between
from replwatch.report.model import LinkReport, NodeInfo, Outage, SessionEntry
from replwatch.report.nodes import resolve_address, segment_base
from replwatch.timeline.links import UP, LinkInterval, LinkTimeline, peer_node
from replwatch.timeline.sessions import SyncSession

#: Why a link left the ``up`` state, in words.
CAUSES = {
    kinds.MASTER_LINK_LOST: "connection with master lost",
    kinds.MASTER_TIMEOUT: "master timed out (no data nor PING)",
    kinds.MASTER_LINK_ERROR: "could not connect to master",
    kinds.MASTER_AUTH_FAILED: "authentication to master failed",
    kinds.SYNC_FAILED: "sync failed",
    kinds.REPLICA_LINK_LOST: "master saw the replica disconnect",
    kinds.REPLICA_TIMEOUT: "master timed out the replica",
    kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW: "master closed the replica for its output buffer",
    kinds.REPLICA_SYNC_REQUEST: "replica asked for a new sync",
    kinds.FULL_RESYNC_REQUESTED: "replica asked for a full resync",
}


@dataclass(slots=True)
class _Pair:
    replica_intervals: list[LinkInterval] = field(default_factory=list)
    master_intervals: list[LinkInterval] = field(default_factory=list)
    master_address: str | None = None
    sessions: list[SessionEntry] = field(default_factory=list)
    master_sessions: list[SessionEntry] = field(default_factory=list)
    ended: tuple[str | None, str] | None = None


def build_links(
    *,
    nodes: Sequence[NodeInfo],
    sessions: Iterable[SessionEntry],
    timeline: LinkTimeline,
) -> list[LinkReport]:
    """One :class:`LinkReport` per (replica, master) pair seen in any log.

    ``timeline`` must have been fed with sources as node names and peer addresses as
    is (``LinkTimeline(peer_name=str)``): names are resolved here, once every node's
    port is known.
    """
    by_source = {f: node for node in nodes for f in (node.source, *node.files)}
    by_source.update({segment_base(f): node for node in nodes for f in node.files})
    sessions = list(sessions)
    # the replication id a replica's sessions with one master address carried
    replid_hint = {
        (e.session.source, e.session.peer): e.session.replid
        for e in sessions
        if e.session.replid and e.session.observed_by != "master"
    }
    pairs: dict[tuple[str, str], _Pair] = {}

    def name_of_source(source: str) -> str:
        node = by_source.get(source)
        return node.name if node else source

    heard: dict[str, set[str]] = {}  # master -> the replica addresses its log names
    for key in timeline.links():
        if key.observer == "master":
            heard.setdefault(name_of_source(key.master), set()).add(key.replica)
    for entry in sessions:
        if entry.session.replica_address:
            master = name_of_source(entry.session.source)
            heard.setdefault(master, set()).add(entry.session.replica_address)

    followed = {key.master for key in timeline.links() if key.observer == "replica"}
    followed.update(
        e.session.peer for e in sessions if e.session.peer and e.session.observed_by != "master"
    )

    # a name depends only on these arguments: each asked once (thousands of sessions)
    replica_names: dict[tuple[str, str], str] = {}
    master_names: dict[tuple[str, str, str | None], str] = {}

    def replica_name(address: str, master: str) -> str:
        name = replica_names.get((address, master))
        if name is None:
            name = replica_names[(address, master)] = name_replica(
                address, nodes, heard.get(master, ())
            )
        return name

    def master_name(address: str, replica: str, replid: str | None) -> str:
        name = master_names.get((address, replica, replid))
        if name is None:
            name = master_names[(address, replica, replid)] = name_master(
                address, nodes, replica=replica, replid=replid, followed=followed
            )
        return name

    for key in timeline.links():
        if key.observer == "replica":
            replica = name_of_source(key.replica)
            hint = replid_hint.get((key.replica, key.master))
            master = master_name(key.master, replica, hint)
            pair = pairs.setdefault((replica, master), _Pair())
            pair.replica_intervals.extend(timeline.intervals(key))
            pair.master_address = key.master
            pair.ended = timeline.ending(key) or pair.ended
        else:
            master = name_of_source(key.master)
            replica = replica_name(key.replica, master)
            pair = pairs.setdefault((replica, master), _Pair())
            pair.master_intervals.extend(timeline.intervals(key))
    for pair in pairs.values():
        # a node's rotated segments are one timeline key, but keys of two sources
        # (a log given twice under two names) interleave: keep time order
        pair.replica_intervals.sort(key=lambda i: i.start_ts or "")
        pair.master_intervals.sort(key=lambda i: i.start_ts or "")

    masters_of: dict[str, list[str]] = {}
    for replica, master in pairs:
        masters_of.setdefault(replica, []).append(master)
    for entry in sessions:
        if entry.session.observed_by == "master" and entry.session.replica_address:
            master = name_of_source(entry.session.source)
            replica = replica_name(entry.session.replica_address, master)
            session = _renamed(entry.session, node=replica, peer=master)
            pair = pairs.setdefault((replica, master), _Pair())
            pair.master_sessions.append(SessionEntry(session, entry.repeats, entry.last_ts))
            continue
        replica = name_of_source(entry.session.source)
        session = _renamed(entry.session, node=replica)
        if session.peer:
            master = master_name(session.peer, replica, session.replid)
        else:
            known = masters_of.get(replica, [])
            master = known[0] if len(known) == 1 else "?"
        pair = pairs.setdefault((replica, master), _Pair())
        pair.sessions.append(SessionEntry(session, entry.repeats, entry.last_ts))
        pair.master_address = pair.master_address or session.peer

    by_name = {node.name: node for node in nodes}
    return [
        _link_report(replica, master, pair, replica_log=by_name.get(replica))
        for (replica, master), pair in sorted(pairs.items())
    ]


_SESSION_FIELDS = tuple(f.name for f in fields(SyncSession))
_session_values = attrgetter(*_SESSION_FIELDS)
_SESSION_INDEX = {name: i for i, name in enumerate(_SESSION_FIELDS)}


def _renamed(session: SyncSession, **names: str) -> SyncSession:
    """``dataclasses.replace(session, **names)``, at a third of its cost (the report
    renames every session it keeps)."""
    values = list(_session_values(session))
    for name, value in names.items():
        values[_SESSION_INDEX[name]] = value
    return SyncSession(*values)


def name_replica(address: str, nodes: Sequence[NodeInfo], heard: Iterable[str] = ()) -> str:
    """The name of the replica a master's log calls ``address``: the node whose log is
    given, else its port (``10001``, as the replica's own log would be named), unless
    that port is ambiguous (another replica of that master on another host, or a
    given log of another node on that port): then the address itself."""
    name = resolve_address(address, nodes)
    if name != address:
        return name
    port = peer_node(address)
    same_port = {other for other in heard if peer_node(other) == port}
    if len(same_port) > 1 or any(node.name == port or node.port == port for node in nodes):
        return address
    return port


def name_master(
    address: str,
    nodes: Sequence[NodeInfo],
    *,
    replica: str,
    replid: str | None = None,
    followed: Iterable[str] = (),
) -> str:
    """The name of the master ``replica``'s log calls ``address``: the node whose log
    is given (never ``replica`` itself), else its port, as :func:`name_replica` names
    replicas, so that a demoted master's log alone reads ``10001 -> 10000``; unless
    that port is ambiguous (masters on several hosts with that port in ``followed``,
    the addresses replicas' logs follow, or a given log on that port, the replica's
    own included): then the address itself."""
    name = resolve_address(address, nodes, replid=replid, exclude=replica)
    if name != address:
        return name
    port = peer_node(address)
    same_port = {other for other in followed if peer_node(other) == port}
    if len(same_port) > 1 or any(node.name == port or node.port == port for node in nodes):
        return address
    return port


#: Hosts' clocks may disagree by this many seconds (a replica 1 s ahead of its master).
CLOCK_SKEW = 5.0


def _from_master(pair: _Pair, replica_log: NodeInfo | None) -> list[SessionEntry]:
    """The master-side sessions the replica's own log does not tell: all of them when
    that log is not given, else those outside the time it covers, give or take
    :data:`CLOCK_SKEW` seconds, and not the same sync as one the replica logged (a
    replica's clock a second ahead puts its sync before the master's)."""
    if replica_log is None:
        return list(pair.master_sessions)
    first, last = replica_log.first_ts, replica_log.last_ts
    told = [e.session for e in pair.sessions]
    out = []
    for entry in pair.master_sessions:
        s = entry.session
        if any(r.mode == s.mode and _near(r.start_ts, s.start_ts, CLOCK_SKEW) for r in told):
            continue
        before = _gap(s.end_ts, first)
        after = _gap(last, s.start_ts)
        if (before is not None and before > CLOCK_SKEW) or (
            after is not None and after > CLOCK_SKEW
        ):
            out.append(entry)
    return out


def _gap(earlier: str | None, later: str | None) -> float | None:
    return seconds_between(earlier, later) if earlier and later else None


def _near(a: str | None, b: str | None, within: float) -> bool:
    gap = _gap(a, b)
    return gap is not None and abs(gap) <= within


def _link_report(
    replica: str, master: str, pair: _Pair, *, replica_log: NodeInfo | None
) -> LinkReport:
    intervals = pair.replica_intervals or pair.master_intervals
    if pair.replica_intervals and pair.master_intervals:
        intervals = merge_master_view(
            pair.replica_intervals,
            pair.master_intervals,
            replica_log_end=replica_log.last_ts if replica_log else None,
        )
    observed = "replica" if pair.replica_intervals else "master"
    if pair.replica_intervals and pair.master_intervals:
        observed = "both"
    told = [*pair.sessions, *_from_master(pair, replica_log)]
    entries = sorted(told, key=lambda e: (e.session.start_ts or "", e.last_ts or ""))
    outages = find_outages(intervals, ended=pair.ended)
    done = [e.session for e in entries if e.session.outcome == "success"]
    counts = {
        "full_syncs": sum(1 for s in done if s.mode == "full"),
        "partial_syncs": sum(1 for s in done if s.mode == "partial"),
        "failed_attempts": sum(e.repeats for e in entries if e.session.outcome == "failed"),
        "interrupted": sum(1 for e in entries if e.session.outcome == "interrupted"),
        "outages": len(outages),
        "down_intervals": sum(1 for i in intervals if i.state == "down"),
    }
    return LinkReport(
        replica=replica,
        master=master,
        master_address=pair.master_address,
        observed_by=observed,
        sessions=tuple(entries),
        outages=tuple(outages),
        intervals=tuple(intervals),
        counts=counts,
        ended=pair.ended,
    )


class SessionFolder:
    """Collects finished sessions, folding runs of identical failures as they come.

    A replica without ``masterauth`` fails thousands of times a second; the report
    keeps one entry with a count per run (same source, master and reason), and at
    most ``max_per_source`` entries per file and replica (the oldest are dropped,
    and counted).
    """

    def __init__(self, *, max_per_source: int = 5000) -> None:
        # a deque per run: the oldest entry goes in O(1) once the bound is reached
        self._entries: dict[tuple[str, str | None], deque[SessionEntry]] = {}
        self._max = max_per_source
        self.dropped = 0

    def add(self, session: SyncSession) -> None:
        # a master's log tells the syncs of all its replicas: one run per replica
        key = (session.source, session.replica_address)
        entries = self._entries.get(key)
        if entries is None:
            entries = self._entries[key] = deque(maxlen=self._max)
        last = entries[-1] if entries else None
        if (
            last is not None
            and last.session.outcome == "failed"
            and session.outcome == "interrupted"
            and session.mode == "unknown"
            and session.reason == "new attempt began"
        ):
            return  # a retry abandoned before any answer, inside a run of failures
        if (
            last is not None
            and session.outcome == "failed"
            and last.session.outcome == "failed"
            and last.session.reason == session.reason
            and last.session.peer == session.peer
        ):
            entries[-1] = SessionEntry(last.session, last.repeats + 1, session.end_ts)
            return
        if len(entries) == self._max:
            self.dropped += 1  # the deque lets its oldest go
        entries.append(SessionEntry(session, 1, session.end_ts))

    def entries(self) -> list[SessionEntry]:
        return [entry for entries in self._entries.values() for entry in entries]


def find_outages(
    intervals: Sequence[LinkInterval], *, ended: tuple[str | None, str] | None = None
) -> list[Outage]:
    """Each time the link went from ``up`` to anything else, until ``up`` again.

    A down spell that the link never recovers from is not an outage when the link
    was ended on purpose (``ended``: the replica was promoted or pointed elsewhere)
    or the node was stopped at the end of the logs.
    """
    outages: list[Outage] = []
    was_up = False
    start: LinkInterval | None = None
    previous: LinkInterval | None = None
    for interval in intervals:
        prior, previous = previous, interval
        if (
            start is not None
            and prior is not None
            and prior.end_ts not in (None, interval.start_ts)
        ):
            # a gap: the link was ended on purpose in between (REPLICAOF NO ONE, then
            # REPLICAOF again). The break that came with it is the operator's doing;
            # only a break that lasted before the detach is an outage, until then.
            gone = seconds_between(start.start_ts, prior.end_ts)
            if gone is not None and gone > _DETACH_GRACE:
                outages.append(_outage(start, prior.end_ts, ()))
            start, was_up = None, False
        if interval.state == UP:
            if start is not None:
                outages.append(_outage(start, interval.start_ts, interval.evidence))
                start = None
            was_up = True
        elif was_up and start is None:
            start = interval
            was_up = False
    ended_on_purpose = (
        ended is not None and start is not None and ((ended[0] or "") >= (start.start_ts or ""))
    )
    if start is not None and not ended_on_purpose and not _stopped_at_end(intervals, start):
        outages.append(_outage(start, None, ()))
    return outages


def _outage(start: LinkInterval, end_ts: str | None, end_evidence: tuple) -> Outage:
    return Outage(
        start_ts=start.start_ts,
        end_ts=end_ts,
        seconds=seconds_between(start.start_ts, end_ts),
        cause=CAUSES.get(start.cause, start.cause),
        evidence=start.evidence + tuple(end_evidence),
    )


def merge_master_view(
    replica_view: Sequence[LinkInterval],
    master_view: Sequence[LinkInterval],
    *,
    replica_log_end: str | None = None,
) -> list[LinkInterval]:
    """The replica's intervals, cut where the master saw the link drop first, and
    the master's after the replica's log ends.

    A replica killed with SIGKILL writes nothing: its log shows the link ``up`` until
    it starts again. The master's ``Connection with replica ... lost`` says when it
    really went; that moment splits the replica's ``up`` interval, and the rest of it
    becomes ``down``. A replica log that ends early (``replica_log_end``, its last
    line) knows nothing later: from then on the master's log tells the link, so a
    resync the master logged after it is not an outage "not restored".
    """
    cuts = [
        (interval.start_ts, interval)
        for interval in master_view
        if interval.state == "down" and interval.start_ts
    ]
    merged: list[LinkInterval] = []
    for interval in replica_view:
        if interval.state != UP or interval.start_ts is None:
            merged.append(interval)
            continue
        cut = next(
            (
                master_interval
                for ts, master_interval in cuts
                if ts > interval.start_ts and (interval.end_ts is None or ts < interval.end_ts)
            ),
            None,
        )
        if cut is None:
            merged.append(interval)
            continue
        merged.append(replace(interval, end_ts=cut.start_ts))
        merged.append(LinkInterval("down", cut.start_ts, interval.end_ts, cut.cause, cut.evidence))
    return _master_after(merged, master_view, replica_log_end)


def _master_after(
    merged: list[LinkInterval], master_view: Sequence[LinkInterval], end: str | None
) -> list[LinkInterval]:
    """``merged``, whose last spell is a break the replica's log (ending at ``end``)
    never saw end, restored where the master's log shows the link up again later.

    Only then: a replica log that ends with its own shutdown is complete, and with a
    few seconds of clock skew the master's earlier lines must not replace it."""
    last = merged[-1] if merged else None
    if end is None or last is None or last.state == UP or last.cause in _STOPPED:
        return merged
    start = last.start_ts or ""
    back = next(
        (
            n
            for n, i in enumerate(master_view)
            if i.state == UP and i.start_ts and i.start_ts > start and i.start_ts > end
        ),
        None,
    )
    if back is None:
        return merged
    return [*merged[:-1], replace(last, end_ts=master_view[back].start_ts), *master_view[back:]]


#: A link break this close before a promotion/REPLICAOF came with it (Redis logs
#: ``Connection with master lost`` just before ``MASTER MODE enabled``).
_DETACH_GRACE = 1.0

#: Causes that mean the node itself was stopped (see :class:`LinkTimeline`).
_STOPPED = ("replica restarted or stopped", "master restarted or stopped")


def _stopped_at_end(intervals: Sequence[LinkInterval], start: LinkInterval) -> bool:
    """True when the link's last down spell ends the logs because a node was stopped:
    the end of a recording, not an outage anyone could have fixed."""
    tail = intervals[list(intervals).index(start) :]
    return any(interval.cause in _STOPPED for interval in tail)
