"""What Sentinels (and the data nodes around them) logged during failovers, as raw facts.

A failover is spread over many files: each Sentinel logs its own view (``+sdown``,
its vote, ``+switch-master``), only the leader logs the steps it drove
(``+selected-slave``, ``+promoted-slave``, ``+failover-end``), and the data nodes log
what happened to them (the replicas lose their link, the chosen one logs
``MASTER MODE enabled``, the others ``REPLICAOF ... enabled``). :class:`SentinelScanner`
collects these facts event by event, keyed by monitored master name and the address of
the master that failed, so one Sentinel's log alone is enough for the story and more
logs only add detail. :mod:`~replwatch.report.failovers` turns the facts into the story.

Memory is bounded by the number of failovers kept (the newest 50) and nodes, not by
log length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from replwatch import kinds
from replwatch.events import AnyEvent

T = TypeVar("T")
_MAX_EPISODES = 50
_MAX_NODE_FACTS = 200
_MAX_REPEATS = 16
_QUORUM = re.compile(r"#quorum (\d+)/(\d+)")
_MONITOR_QUORUM = re.compile(r" quorum (\d+)$")
_HOST = re.compile(r"^[\w.:-]+$")

Where = tuple[str, int]
Fact = tuple[str | None, str, Where]
"""(time, source of the line, (file, line)) of one Sentinel or node log line."""


@dataclass(slots=True)
class Episode:
    """One master of one monitored name going down, and what followed."""

    master_name: str
    old: str
    """The failed master's address (``127.0.0.1:10000``)."""
    new: str | None = None
    sdown: dict[str, Fact] = field(default_factory=dict)
    """Sentinel source -> its first ``+sdown`` of the master."""
    odown: list[Fact] = field(default_factory=list)
    agreed: int | None = None
    quorum: int | None = None
    epoch: int | None = None
    try_failover: Fact | None = None
    elected: Fact | None = None
    votes: dict[str, str] = field(default_factory=dict)
    """Voter (run id or source) -> the run id it voted for."""
    selected: tuple[str, Fact] | None = None
    promoted: tuple[str, Fact] | None = None
    switch: list[Fact] = field(default_factory=list)
    reconf: dict[str, dict[str, Fact]] = field(default_factory=dict)
    """Replica address -> {"sent"|"inprog"|"done": fact}."""
    end: tuple[str, Fact] | None = None
    """``+failover-end``, ``+failover-end-for-timeout`` or a ``-failover-abort-*``."""
    recovered: Fact | None = None
    """``-sdown`` of the master before any switch: it came back by itself."""
    returned: Fact | None = None
    """``-sdown slave <old>`` after the switch: the old master answers again."""
    converted: Fact | None = None
    """``+convert-to-slave <old>``: Sentinel made it a replica of the new master."""
    requested: Fact | None = None
    """``Executing user requested FAILOVER``: SENTINEL FAILOVER, the master was not down."""

    @property
    def first_sdown(self) -> Fact | None:
        return min(self.sdown.values(), key=lambda f: f[0] or "", default=None)

    @property
    def switch_fact(self) -> Fact | None:
        return min(self.switch, key=lambda f: f[0] or "", default=None)


@dataclass(slots=True)
class NodeFacts:
    """Per data-node log: the moments that matter to a failover."""

    links_lost: list[tuple[str | None, str | None, Where]] = field(default_factory=list)
    """(time, master address it was replicating from, where) of each lost master link."""
    master_mode: list[Fact] = field(default_factory=list)
    replicaof: list[tuple[str | None, str, Where]] = field(default_factory=list)
    """(time, new master address, where) of each ``REPLICAOF ... enabled``."""


class SentinelScanner:
    """Feeds on every event; keeps failover facts per master name, bounded."""

    #: The kinds :meth:`feed` reads (others may be skipped by the caller).
    KINDS = frozenset(
        {
            kinds.SENTINEL_EVENT,
            kinds.SENTINEL_INFO,
            kinds.SENTINEL_FAILOVER_REQUESTED,
            kinds.SENTINEL_VOTE,
            kinds.MASTER_CONNECTING,
            kinds.REPLICAOF_ENABLED,
            kinds.MASTER_LINK_LOST,
            kinds.MASTER_MODE_ENABLED,
        }
    )

    def __init__(self) -> None:
        self.episodes: list[Episode] = []
        self._current: dict[str, Episode] = {}
        self.sentinel_ids: dict[str, str] = {}
        """Run id -> Sentinel (its log's source, or the address another Sentinel saw)."""
        self.monitor_quorum: dict[str, int] = {}
        self.nodes: dict[str, NodeFacts] = {}
        self._following: dict[str, str] = {}
        self._requested: dict[str, Fact] = {}
        self.dropped = 0
        """Failovers forgotten to keep memory bounded (the oldest go first)."""
        self.own_ids: dict[str, tuple[str, Where]] = {}
        """Sentinel log -> the ``Sentinel ID is ...`` it wrote (its run id), and where."""
        self.duplicates: list[Fact] = []
        """``-dup-sentinel`` lines: a Sentinel removed others with its address or id."""
        self.peers_seen: dict[str, int] = {}
        """Sentinel log -> how many ``+sentinel`` (another Sentinel discovered) it wrote."""
        self.loopback: list[tuple[str, Fact]] = []
        """(address, fact) of master addresses on loopback that Sentinel handed out."""
        self.remote: set[str] = set()
        """Non-loopback addresses in Sentinel and replica lines (bounded)."""
        self.last_switch: dict[tuple[str, str], tuple[str, Fact]] = {}
        """(Sentinel log, master name) -> the master its last +switch-master named."""
        self.switches: dict[str, list[Fact]] = {}
        """Master name -> its +switch-master lines (bounded), for flapping."""

    def feed(self, event: AnyEvent) -> None:
        kind = event.kind
        if kind == kinds.SENTINEL_EVENT:
            self._sentinel_event(event)
        elif kind == kinds.SENTINEL_INFO and event.fields.get("id"):
            self.sentinel_ids[str(event.fields["id"])] = event.source
            self.own_ids.setdefault(event.source, (str(event.fields["id"]), _where(event)))
        elif kind == kinds.SENTINEL_FAILOVER_REQUESTED:
            self._requested[str(event.fields.get("master_name"))] = _fact(event)
        elif kind == kinds.SENTINEL_VOTE:
            episode = self._latest()
            if episode is not None:
                episode.votes[str(event.fields.get("voter"))] = str(event.fields.get("leader"))
        elif kind in (kinds.MASTER_CONNECTING, kinds.REPLICAOF_ENABLED) and event.fields.get(
            "peer"
        ):
            self._following[event.source] = str(event.fields["peer"])
            self._address(str(event.fields["peer"]), None)
            if kind == kinds.REPLICAOF_ENABLED:
                facts = self._node(event.source)
                _bounded(facts.replicaof, (event.ts, str(event.fields["peer"]), _where(event)))
        elif kind == kinds.MASTER_LINK_LOST:
            facts = self._node(event.source)
            _bounded(facts.links_lost, (event.ts, self._following.get(event.source), _where(event)))
        elif kind == kinds.MASTER_MODE_ENABLED:
            _bounded(self._node(event.source).master_mode, _fact(event))

    def _address(self, address: str, fact: Fact | None) -> None:
        """Remember whether addresses are on loopback (a master address on 127.0.0.1
        that Sentinel hands to replicas on other hosts) or not."""
        host = address.rsplit(":", 1)[0].strip("[]")
        if host.startswith("127.") or host in ("::1", "localhost"):
            if fact is not None and len(self.loopback) < _MAX_REPEATS:
                self.loopback.append((address, fact))
        elif len(self.remote) < _MAX_NODE_FACTS and _HOST.match(host):
            self.remote.add(host)

    def _node(self, source: str) -> NodeFacts:
        return self.nodes.setdefault(source, NodeFacts())

    def _latest(self) -> Episode | None:
        return self.episodes[-1] if self.episodes else None

    def _sentinel_event(self, event: AnyEvent) -> None:
        fields = event.fields
        name = str(fields.get("master_name") or "")
        what = str(fields.get("event") or "")
        instance = fields.get("instance")
        peer = str(fields.get("peer") or "")
        fact = _fact(event)
        if what in ("+monitor", "+switch-master", "+sentinel", "+slave") and peer:
            self._address(peer, fact if what in ("+monitor", "+switch-master") else None)
        if what == "-dup-sentinel":
            _bounded(self.duplicates, fact)
        elif what == "+sentinel":
            self.peers_seen[event.source] = self.peers_seen.get(event.source, 0) + 1
        if what == "+switch-master":
            self.last_switch[(event.source, name)] = (peer, fact)
            _bounded(self.switches.setdefault(name, []), fact)
        if what == "+monitor" and (m := _MONITOR_QUORUM.search(event.message)):
            self.monitor_quorum[name] = int(m.group(1))
        elif what == "+sentinel" and instance == "sentinel":
            run_id = event.message.split()[2] if len(event.message.split()) > 2 else ""
            self.sentinel_ids.setdefault(run_id, peer)
        elif what == "+switch-master":
            old = str(fields.get("old_peer") or "")
            episode = self._episode(name, old, create=True)
            if episode is not None:
                episode.new = episode.new or peer
                if len(episode.switch) < _MAX_REPEATS:
                    episode.switch.append(fact)
            return
        if not name:
            if what == "+vote-for-leader" and (episode := self._latest()) is not None:
                parts = event.message.split()
                if len(parts) >= 3:
                    episode.votes.setdefault(event.source, parts[1])
                    if parts[2].isdigit():
                        episode.epoch = int(parts[2])
            elif what == "+new-epoch" and (episode := self._latest()) is not None:
                parts = event.message.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    episode.epoch = int(parts[1])
            return
        if instance == "master":
            self._master_event(name, what, peer, fact, event)
        elif instance == "slave":
            self._replica_event(name, what, peer, fact)

    def _master_event(self, name: str, what: str, peer: str, fact: Fact, event: AnyEvent) -> None:
        opens = what in ("+sdown", "+odown", "+try-failover")
        episode = self._episode(name, peer, create=opens)
        if episode is None:
            return
        if what == "+sdown":
            episode.sdown.setdefault(event.source, fact)
        elif what == "-sdown" and not episode.switch and episode.recovered is None:
            episode.recovered = fact
        elif what == "+odown":
            if len(episode.odown) < _MAX_REPEATS:
                episode.odown.append(fact)
            if match := _QUORUM.search(event.message):
                agreed, quorum = int(match.group(1)), int(match.group(2))
                episode.agreed = max(episode.agreed or 0, agreed)
                episode.quorum = quorum
        elif what == "+try-failover" and episode.try_failover is None:
            episode.try_failover = fact
        elif what == "+elected-leader" and episode.elected is None:
            episode.elected = fact
        elif what in ("+failover-end", "+failover-end-for-timeout") or what.startswith(
            "-failover-abort"
        ):
            episode.end = (what, fact)

    def _replica_event(self, name: str, what: str, peer: str, fact: Fact) -> None:
        # events about the failed master, now listed as a replica of the new one
        returning = [e for e in self.episodes if e.master_name == name and e.old == peer]
        if returning and returning[-1].switch:
            episode = returning[-1]
            if what == "-sdown" and episode.returned is None:
                episode.returned = fact
            elif what == "+convert-to-slave" and episode.converted is None:
                episode.converted = fact
            return
        current = self._current.get(name)
        if current is None:
            return
        episode = current
        if what == "+selected-slave" and episode.selected is None:
            episode.selected = (peer, fact)
        elif what == "+promoted-slave" and episode.promoted is None:
            episode.promoted = (peer, fact)
        elif what.startswith("+slave-reconf-"):
            step = what.removeprefix("+slave-reconf-")
            episode.reconf.setdefault(peer, {}).setdefault(step, fact)

    def _episode(self, name: str, old: str, *, create: bool) -> Episode | None:
        current = self._current.get(name)
        came_back = current is not None and current.recovered is not None and create
        if current is not None and current.old == old and not came_back:
            return current
        if not create:
            return None
        if len(self.episodes) >= _MAX_EPISODES:
            del self.episodes[0]  # the newest failovers matter most; node facts are newest too
            self.dropped += 1
        episode = Episode(master_name=name, old=old, requested=self._requested.pop(name, None))
        self.episodes.append(episode)
        self._current[name] = episode
        return episode


def _bounded(items: list[T], item: T) -> None:
    """Append, dropping the oldest half once the list is full (amortised O(1))."""
    if len(items) >= _MAX_NODE_FACTS:
        del items[: _MAX_NODE_FACTS // 2]
    items.append(item)


def _where(event: AnyEvent) -> Where:
    return (event.source, event.line or 0)


def _fact(event: AnyEvent) -> Fact:
    return (event.ts, event.source, _where(event))
