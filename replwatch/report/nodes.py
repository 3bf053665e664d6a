"""Which server wrote which file: its port, version, roles, restarts and replication ids.

A log does not say "I am 10001" in every line. The port shows up at start-up
(``Running mode=standalone, port=10001.``, ``The server is now ready to accept
connections on port 10001``, the ``Port: 10001`` of the Redis 2.x logo); failing
that, a container log's envelope names the node (``pod``, ``container``, ``host``; also
when several logs say the same port, as pods that all listen on 6379 do);
failing that the file's base name is the node's name. Digits in a file name are never
taken for its port: ``redis-6379.log`` of another host would then be matched to
every replica on port 6379. Rotated segments of one log (``10001.log``,
``10001.log.1``, ``10001.log.2.gz``) are one node (:func:`segment_base`). Peers
name each other by address (``Replica 127.0.0.1:10001 asks for synchronization``),
and a master's replication id is what its replicas' ``Full resync from master: <id>``
lines carry, which :func:`resolve_address` uses when ports do not tell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import AnyEvent, short_source
from replwatch.report.model import NodeInfo
from replwatch.timeline.links import peer_node
from replwatch.timeline.sessions import port_from_event

_LOGO_PORT = re.compile(r"\bPort: (\d{1,5})\b")
_ROTATED = re.compile(r"(?:\.\d+)?(?:\.gz)?$")
#: Envelope keys (see docs/events.md) that name the node, best first.
ENVELOPE_NAMES = ("pod", "container", "host")
_MAX_REPLIDS = 16
_MAX_RESTARTS = 100
_MAX_FOLLOWED = 256

#: Kinds only a replica logs (it follows a master) and only a master logs (it serves a
#: replica): Redis 2.8 headers carry no role letter, so these tell the role instead.
_REPLICA_KINDS = frozenset({kinds.MASTER_CONNECTING, kinds.SYNC_STARTED, kinds.REPLICAOF_ENABLED})
_MASTER_KINDS = frozenset(
    {
        kinds.REPLICA_SYNC_REQUEST,
        kinds.FULL_RESYNC_REQUESTED,
        kinds.PSYNC_ACCEPTED,
        kinds.MASTER_MODE_ENABLED,
    }
)


def segment_base(source: str) -> str:
    """``/x/10001.log.2.gz`` -> ``/x/10001.log``: the log a rotated segment belongs to."""
    return _ROTATED.sub("", source) or source


@dataclass(slots=True)
class _NodeState:
    source: str
    port: str | None = None
    envelope_name: str | None = None
    files: list[str] = field(default_factory=list)
    version: str | None = None
    roles: set[str] = field(default_factory=set)
    inferred_roles: set[str] = field(default_factory=set)
    saw_pid: bool = False
    first_ts: str | None = None
    last_ts: str | None = None
    start_pids: list[int | None] = field(default_factory=list)
    active: bool = False
    first_pid: int | None = None
    stopped_cleanly: bool = False
    restarts: list[tuple[str | None, tuple[str, int], bool]] = field(default_factory=list)
    replids: list[str] = field(default_factory=list)
    #: events of kinds outside _SPECIFIC not read yet (NodeScanner.feeder)
    plain: list[AnyEvent] = field(default_factory=list)


def _read_plain(state: _NodeState, events: list[AnyEvent]) -> None:
    """What :meth:`NodeScanner.feed` learns from a run of events of one node whose
    kinds are outside :data:`_SPECIFIC` (no start nor stop: what they tell does
    not depend on their order with the other lines), then empties the run. The
    replica-only kinds' peers are read as they come (:meth:`NodeScanner._followed_by`)."""
    if state.port is None:
        for event in events:
            port = port_from_event(event)
            if port is None and event.kind == kinds.MALFORMED:
                match = _LOGO_PORT.search(event.message)
                port = match.group(1) if match else None
            if port is not None:
                state.port = port
                break
    if state.first_pid is None:
        for event in events:
            if event.pid is not None:
                state.first_pid = event.pid
                state.saw_pid = True
                break
    if state.first_ts is None:
        state.first_ts = next((e.ts for e in events if e.ts), None)
    last = next((e.ts for e in reversed(events) if e.ts), None)
    if last is not None:
        state.last_ts = last
    roles = {e.role for e in events}
    roles.discard(None)
    roles.discard("child")
    if not roles <= state.roles:
        state.roles.update(roles)  # type: ignore[arg-type]
    seen = {e.kind for e in events}
    if not state.active and (len(seen) > 1 or kinds.MALFORMED not in seen):
        state.active = True  # any line but a malformed one (and a start)
    if not seen.isdisjoint(_REPLICA_KINDS):
        state.inferred_roles.add("replica")
    if not seen.isdisjoint(_MASTER_KINDS):
        state.inferred_roles.add("master")
    if not seen.isdisjoint(_REPLID_KINDS):
        for event in events:
            if event.kind in _REPLID_KINDS:
                for replid in _replids_of(event):
                    if replid not in state.replids and len(state.replids) < _MAX_REPLIDS:
                        state.replids.append(replid)
    events.clear()


class NodeScanner:
    """Learns, event by event, what each source's server is. Bounded per source."""

    def __init__(self) -> None:
        self._nodes: dict[str, _NodeState] = {}
        self._by_source: dict[str, _NodeState] = {}  # every file, segments included
        self._followed: set[str] = set()  # ports replicas connected to (bounded by nodes)

    def feeder(self, source: str, kind: str) -> Callable[[AnyEvent], None]:
        """How to give this scanner the events of ``kind`` from ``source``, once it
        has read one of that source: most kinds only move a node's times, pid and
        roles along, and are kept to be read in a run (:meth:`catch_up`)."""
        state = self._by_source.get(source)
        if state is None or kind in _SPECIFIC:
            return self.feed
        keep = state.plain.append
        if kind not in _REPLICA_KINDS:
            return keep
        followed = self._followed

        def keep_and_follow(event: AnyEvent) -> None:
            # the master ports replicas follow are bounded: taken as they come
            keep(event)
            peer = event.fields.get("peer")
            if peer and len(followed) < _MAX_FOLLOWED:
                followed.add(peer_node(str(peer)))

        return keep_and_follow

    def catch_up(self) -> None:
        """Read the runs of plain events kept by :meth:`feeder`'s appends."""
        for state in self._nodes.values():
            if state.plain:
                _read_plain(state, state.plain)

    def feed(self, event: AnyEvent) -> None:
        source = event.source
        state = self._by_source.get(source)
        if state is None:
            base = segment_base(source)
            state = self._nodes.get(base)
            if state is None:
                state = self._nodes[base] = _NodeState(source)
            self._by_source[source] = state
            state.files.append(source)
            if event.fields:
                # an envelope (docs/events.md) wraps every line of a log: the first tells
                state.envelope_name = next(
                    (str(event.fields[k]) for k in ENVELOPE_NAMES if event.fields.get(k)), None
                )
        if state.plain:
            _read_plain(state, state.plain)
        if event.ts:
            if state.first_ts is None:
                state.first_ts = event.ts
            state.last_ts = event.ts
        if state.port is None:
            state.port = port_from_event(event)
            if state.port is None and event.kind == kinds.MALFORMED:
                match = _LOGO_PORT.search(event.message)
                state.port = match.group(1) if match else None
        state.saw_pid = state.saw_pid or event.pid is not None
        if state.first_pid is None:
            # any line's pid, child-role ones too: Valkey 7.2/8.0 write their first
            # lines (a warning, the banner) as "C" before the config is loaded
            state.first_pid = event.pid
        role = event.role
        if role is not None and role != "child" and role not in state.roles:
            state.roles.add(role)
        kind = event.kind
        if kind in _REPLICA_KINDS:
            state.inferred_roles.add("replica")
            if event.fields.get("peer") and len(self._followed) < _MAX_FOLLOWED:
                self._followed.add(peer_node(str(event.fields["peer"])))
        elif kind in _MASTER_KINDS:
            state.inferred_roles.add("master")
        if kind == kinds.SERVER_STARTING:
            if event.fields.get("version"):
                state.version = str(event.fields["version"])
            if event.pid not in state.start_pids[-1:]:
                # A start by the process that already wrote this file is its first start
                # (Valkey writes a warning before its banner); another pid is a restart.
                earlier = state.start_pids[-1] if state.start_pids else state.first_pid
                new_process = event.pid is None or event.pid != earlier
                if state.active and new_process and len(state.restarts) < _MAX_RESTARTS:
                    where = (event.source, event.line or 0)
                    state.restarts.append((event.ts, where, state.stopped_cleanly))
                state.stopped_cleanly = False
                state.start_pids.append(event.pid)
                state.start_pids[:] = state.start_pids[-2:]
        elif event.is_understood or event.kind == kinds.UNRECOGNIZED:
            state.active = True
            if kind in (kinds.SERVER_SHUTDOWN, kinds.SERVER_EXIT):
                state.stopped_cleanly = True
        if kind in _REPLID_KINDS:
            for replid in _replids_of(event):
                if replid not in state.replids and len(state.replids) < _MAX_REPLIDS:
                    state.replids.append(replid)

    def _states(self) -> list[_NodeState]:
        """Each node's state once (segments share one)."""
        return list(self._nodes.values())

    def nodes(self) -> list[NodeInfo]:
        """One :class:`NodeInfo` per node (a log and its rotated segments), with
        unique names."""
        self.catch_up()
        names = self._names()
        nodes = [
            NodeInfo(
                name=names[state.source],
                source=state.source,
                port=state.port,
                version=state.version or _version_from_dialect(state),
                # the header's role letter wins; without one (Redis 2.8), what it logged
                roles=self._roles(state),
                first_ts=state.first_ts,
                last_ts=state.last_ts,
                restarts=tuple(state.restarts),
                replids=tuple(state.replids),
                files=tuple(sorted(state.files, key=_segment_order)),
            )
            for state in self._states()
        ]
        return sorted(nodes, key=lambda n: (_natural(n.name), n.source))

    def _roles(self, state: _NodeState) -> tuple[str, ...]:
        """The header's role letters; without them (Redis 2.8), what the node logged;
        failing that, master when a replica in these logs connected to its port (a
        master whose replicas never got through, e.g. refused for a password)."""
        roles = state.roles or state.inferred_roles
        if not roles and state.port in self._followed:
            roles = {"master"}
        return tuple(sorted(roles))

    def _names(self) -> dict[str, str]:
        states = self._states()
        wanted = {
            st.source: st.port or st.envelope_name or short_source(segment_base(st.source))
            for st in states
        }
        ports: dict[str, int] = {}
        for name in wanted.values():
            ports[name] = ports.get(name, 0) + 1
        for st in states:  # pods all on 6379: the pod (or container) tells them apart
            if st.envelope_name and ports[wanted[st.source]] > 1:
                wanted[st.source] = st.envelope_name
        seen: dict[str, int] = {}
        for name in wanted.values():
            seen[name] = seen.get(name, 0) + 1
        return {
            s: name if seen[name] == 1 else f"{name} ({short_source(s)})"
            for s, name in wanted.items()
        }


def _version_from_dialect(state: _NodeState) -> str | None:
    """``2.x`` for a log whose lines carry a pid but never a role letter: the
    ``[pid] date`` header of Redis 2.x (its start-up banner, with the exact version,
    may have been rotated away). Later headers (``pid:R``) do not tell 3.x from 4.0."""
    return "2.x" if state.saw_pid and not state.roles else None


_REPLID_KINDS = frozenset(
    {kinds.BACKLOG_CREATED, kinds.SECONDARY_REPLID_SET, kinds.MASTER_REPLID_CHANGED}
)
#: Kinds :meth:`NodeScanner.feed` reads one by one: starts and stops, whose
#: meaning depends on the lines before them (the others are read in runs).
_SPECIFIC = frozenset({kinds.SERVER_STARTING, kinds.SERVER_SHUTDOWN, kinds.SERVER_EXIT})


def _replids_of(event: AnyEvent) -> list[str]:
    """Replication ids this node owned (as master) according to its own log line."""
    if event.kind in (
        kinds.BACKLOG_CREATED,
        kinds.SECONDARY_REPLID_SET,
        kinds.MASTER_REPLID_CHANGED,
    ):
        ids = (event.fields.get("replid"), event.fields.get("replid2"))
        return [str(i) for i in ids if i and str(i).strip("0")]
    return []


def _natural(name: str) -> tuple[int, str]:
    """Sort ports numerically, names after them."""
    return (int(name), "") if name.isdigit() else (1 << 20, name)


def _segment_order(source: str) -> tuple[int, str]:
    """The live file first, then ``.1``, ``.2.gz``...: newest to oldest."""
    tail = source[len(segment_base(source)) :].removesuffix(".gz").lstrip(".")
    return (int(tail) if tail.isdigit() else 0, source)


def resolve_address(
    address: str,
    nodes: Iterable[NodeInfo],
    *,
    replid: str | None = None,
    exclude: str | None = None,
) -> str:
    """The node name at ``address`` (``127.0.0.1:10000``), else the address itself.

    A unique port match wins; if several nodes share the port (logs from different
    hosts), the one whose replication ids include ``replid`` does. Sentinels are
    never candidates: they are not data nodes. Nor is ``exclude``, the node whose
    log names ``address`` as its master: a node never replicates from itself, yet
    its own replication ids may well match (a demoted master asks its new master
    for a partial resync with the id it owned; a replica logs the id it follows).
    """
    port = peer_node(address)
    # a Sentinel never is a replication peer, even when its port matches (other hosts)
    nodes = [node for node in nodes if "sentinel" not in node.roles and node.name != exclude]
    candidates = [node for node in nodes if node.port == port]
    if len(candidates) == 1:
        return candidates[0].name
    if replid:
        owners = [node for node in (candidates or list(nodes)) if replid in node.replids]
        if len(owners) == 1:
            return owners[0].name
    return address
