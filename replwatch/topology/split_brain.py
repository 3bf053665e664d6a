"""Two masters where there should be one: split brains in one snapshot.

Two polled nodes that both answer ``role:master`` are a split brain when they are
plainly one data set that now takes writes in two places. Three signs say so, each
from what the nodes and the Sentinels said in the same round:

* **a replica claimed by both**: both masters list it (``slaveN:ip=,port=``), or one
  lists it while the replica's own ``master_host``/``master_port`` is the other;
* **one Sentinel name**: the Sentinels place the master called ``mymaster`` at one of
  them and list the other under that name too (as a replica, or the master some other
  Sentinels believe in) -- while it answers ``role:master``;
* **one replication history**: one's ``master_replid2`` is the other's
  ``master_replid`` (it was promoted from the other's history: ``REPLICAOF NO ONE``, a
  failover) or both have the same ``master_replid``; both now add writes of their own
  to it, which no resync will merge.

Two masters with nothing in common (two unrelated deployments polled together) are
no split brain. Nor is the old master of a Sentinel failover that has just restarted:
it comes back answering ``role:master`` while the Sentinels already list it as a
replica of the new master, and they reconfigure it within seconds (``+convert-to-slave``).
It is told apart as :class:`Rejoining` (up for less than :data:`REJOIN_SECONDS`, no
replica of its own, no shared history): said on its own, not as a split brain.
Pure: a :class:`~replwatch.topology.snapshot.Snapshot` in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from replwatch.poll.addresses import address_key
from replwatch.topology.snapshot import NodeState, Snapshot

#: The replication id of a node that has no secondary history (INFO's placeholder).
_NO_REPLID = "0" * 40
#: A master the Sentinels list as a replica and that is up for less than this is an
#: old master restarting after a failover (Sentinel reconfigures it after about
#: 8 s of reporting the wrong role), not a second master.
REJOIN_SECONDS = 60


@dataclass(frozen=True, slots=True)
class SplitBrain:
    """Masters that should be one.

    Attributes:
        masters: their addresses, sorted (two or more, each answered ``role:master``).
        name: the Sentinels' name for the master, when they name one of them.
        reasons: why they are one data set, in words, one per sign found.
    """

    masters: tuple[str, ...]
    name: str | None
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        """What identifies it in a label or a key: the Sentinel name, else the masters."""
        return self.name or ",".join(self.masters)

    @property
    def message(self) -> str:
        """One line: who, under which name, and why."""
        two = len(self.masters) == 2
        who = " and ".join(self.masters) if two else ", ".join(self.masters)
        of = f" of {self.name}" if self.name else ""
        return f"split brain: {who} are {'both' if two else 'all'} masters{of}: " + "; ".join(
            self.reasons
        )


@dataclass(frozen=True, slots=True)
class Rejoining:
    """An old master back up as a master that the Sentinels are about to make a
    replica of ``master`` (their ``name``)."""

    address: str
    name: str
    master: str

    @property
    def message(self) -> str:
        return (
            f"{self.address} restarted as a master; the Sentinels list it as a replica of "
            f"{self.name} at {self.master} and will reconfigure it in seconds "
            "(+convert-to-slave): writes it takes meanwhile are lost"
        )


def rejoining(snapshot: Snapshot) -> list[Rejoining]:
    """The old masters in ``snapshot`` that restart after a failover (see the module
    docstring), by address."""
    return sorted(_rejoining(snapshot, _masters(snapshot)).values(), key=lambda r: r.address)


def _rejoining(snapshot: Snapshot, masters: Mapping[str, NodeState]) -> dict[str, Rejoining]:
    if len(masters) < 2:
        return {}
    followed = {node.master_address for node in snapshot.nodes if node.ok}
    found = {}
    for name, places in sorted(_sentinel_names(snapshot).items()):
        believed = [a for a, what in places.items() if "master" in what]
        if len(believed) != 1 or believed[0] not in masters:
            continue
        for address, what in places.items():
            node = masters.get(address)
            if node is None or "master" in what or address in found:
                continue
            uptime = node.uptime_seconds
            assert node.replication is not None
            shared = any(
                _shared_history(node, other) or _shared_history(other, node)
                for other in masters.values()
                if other is not node
            )
            if (
                uptime is None
                or uptime >= REJOIN_SECONDS
                or node.replication.replicas
                or address in followed
                or shared
            ):
                continue
            found[address] = Rejoining(address, name, believed[0])
    return found


def _masters(snapshot: Snapshot) -> dict[str, NodeState]:
    return {
        node.address: node
        for node in snapshot.nodes
        if node.ok and node.role == "master" and node.replication is not None
    }


def _shared_replicas(
    snapshot: Snapshot, masters: Mapping[str, NodeState]
) -> list[tuple[set[str], str]]:
    """Each replica that two masters claim: the masters, and the words."""
    listed: dict[str, set[str]] = {}
    for master in masters.values():
        assert master.replication is not None
        for entry in master.replication.replicas:
            listed.setdefault(address_key(entry.ip, entry.port), set()).add(master.address)
    follows = {
        node.address: node.master_address
        for node in snapshot.nodes
        if node.ok and node.master_address is not None and node.master_address in masters
    }
    found = []
    for replica in sorted(set(listed) | set(follows)):
        by = listed.get(replica, set())
        upstream = follows.get(replica)
        claims = by | ({upstream} if upstream else set())
        if len(claims) < 2:
            continue
        others = sorted(by - {upstream}) if upstream else []
        if upstream and others:
            why = (
                f"replica {replica} replicates from {upstream} "
                f"while {', '.join(others)} still lists it as its replica"
            )
        else:
            why = f"{' and '.join(sorted(by))} both list {replica} as their replica"
        found.append((claims, why))
    return found


def _sentinel_names(snapshot: Snapshot) -> dict[str, dict[str, set[str]]]:
    """Master name -> address -> what the Sentinels call it there (``master`` or
    ``replica``), over every Sentinel that answered."""
    names: dict[str, dict[str, set[str]]] = {}
    for node in snapshot.nodes:
        if node.sentinel is None:
            continue
        for master in node.sentinel.masters:
            places = names.setdefault(master.name, {})
            places.setdefault(master.address, set()).add("master")
            for replica in master.replicas:
                places.setdefault(replica.address, set()).add("replica")
    return names


def _same_name(
    names: Mapping[str, Mapping[str, set[str]]], masters: Mapping[str, NodeState]
) -> list[tuple[set[str], str, str]]:
    found = []
    for name, places in sorted(names.items()):
        both = {address for address in places if address in masters}
        if len(both) < 2:
            continue
        believed = sorted(a for a in both if "master" in places[a])
        listed = sorted(a for a in both if "master" not in places[a])
        words = []
        if len(believed) > 1:
            words.append(f"the Sentinels disagree where {name} is ({', '.join(believed)})")
        elif believed:
            words.append(f"the Sentinels place {name} at {believed[0]}")
        if listed:
            words.append(f"list {', '.join(listed)} as its replica")
        found.append((both, name, " and ".join(words) + ", and each answers role:master"))
    return found


def _same_history(masters: Mapping[str, NodeState]) -> list[tuple[set[str], str]]:
    found = []
    ordered = sorted(masters.values(), key=lambda node: node.address)
    for index, one in enumerate(ordered):
        for other in ordered[index + 1 :]:
            why = _shared_history(one, other) or _shared_history(other, one)
            if why is not None:
                found.append(({one.address, other.address}, why))
    return found


def _shared_history(one: NodeState, other: NodeState) -> str | None:
    """Words when ``other`` carries on ``one``'s replication history."""
    if not one.replid or one.replid == _NO_REPLID:
        return None
    if other.replid == one.replid:
        return f"both have replication id {one.replid[:8]}"
    if other.replid2 == one.replid:
        return (
            f"{other.address} was promoted from {one.address}'s history "
            f"(its replid2 is {one.replid[:8]}) while {one.address} still takes writes"
        )
    return None


def split_brains(snapshot: Snapshot) -> list[SplitBrain]:
    """Every split brain in ``snapshot``: masters joined by any sign, named when the
    Sentinels name one of them, each with every reason found."""
    masters = _masters(snapshot)
    for address in _rejoining(snapshot, masters):
        del masters[address]
    if len(masters) < 2:
        return []
    names = _sentinel_names(snapshot)
    pairs: list[tuple[set[str], str]] = _shared_replicas(snapshot, masters)
    named: dict[str, str] = {}
    for group, sentinel_name, why in _same_name(names, masters):
        pairs.append((group, why))
        for address in group:
            named.setdefault(address, sentinel_name)
    pairs += _same_history(masters)
    groups = _join(group for group, _ in pairs)
    found = []
    for group in groups:
        reasons = tuple(dict.fromkeys(why for members, why in pairs if members <= group))
        name: str | None = next((named[a] for a in sorted(group) if a in named), None)
        if name is None:  # no sign came from the Sentinels, but they may still name it
            name = next(
                (n for n, places in sorted(names.items()) if group & set(places)),
                None,
            )
        found.append(SplitBrain(tuple(sorted(group)), name, reasons))
    return sorted(found, key=lambda brain: brain.masters)


def _join(groups: Iterable[set[str]]) -> list[set[str]]:
    """Overlapping sets merged (masters joined by different signs are one split brain)."""
    merged: list[set[str]] = []
    for group in groups:
        group = set(group)
        for other in [m for m in merged if m & group]:
            merged.remove(other)
            group |= other
        merged.append(group)
    return merged
