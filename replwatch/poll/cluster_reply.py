"""What one Cluster node says of the cluster: ``CLUSTER NODES`` and ``CLUSTER INFO``, typed.

A Cluster node is not a lone master: it is one shard's master or replica, and it
knows every other node, their slots and whether it sees them failing. From any one
node replwatch finds the rest, groups them by shard (a master, its slot ranges and
its replicas) and tells failed nodes and shards without a master.

Pure: reply text in, frozen records out. The line layout has grown over releases and
all of them are read: ``ip:port`` (Redis 3.x), ``ip:port@cport`` (4.0+),
``ip:port@cport,hostname`` (7.0+) and Valkey's extra ``,key=value`` aux fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from replwatch.poll.addresses import Address, address_key


@dataclass(frozen=True, slots=True)
class ClusterNode:
    """One line of ``CLUSTER NODES``."""

    node_id: str
    address: str  # canonical host:port; "" for a node without address (noaddr)
    flags: tuple[str, ...]  # myself, master, slave, fail?, fail, handshake, noaddr, nofailover
    master_id: str | None  # a replica's master; None for a master
    epoch: int | None
    link_state: str  # connected / disconnected
    slots: tuple[str, ...]  # "0-5460", "5461", and "[slot->-id]" migration marks

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    @property
    def failing(self) -> str | None:
        """``fail`` (a majority agrees), ``pfail`` (this node suspects it), or None."""
        if "fail" in self.flags:
            return "fail"
        return "pfail" if "fail?" in self.flags else None

    @property
    def slot_count(self) -> int:
        count = 0
        for part in self.slots:
            if part.startswith("["):
                continue
            first, _, last = part.partition("-")
            if first.isdigit() and (not last or last.isdigit()):
                count += int(last or first) - int(first) + 1
        return count


@dataclass(frozen=True, slots=True)
class ClusterShard:
    """A master, its slot ranges and its replicas (node ids)."""

    master: ClusterNode
    replicas: tuple[ClusterNode, ...]


@dataclass(frozen=True, slots=True)
class ClusterView:
    """What one node said: every node it knows, and the cluster's state from its side."""

    nodes: tuple[ClusterNode, ...]
    state: str | None = None  # cluster_state: ok / fail
    slots_assigned: int | None = None
    known_nodes: int | None = None
    current_epoch: int | None = None

    @property
    def myself(self) -> ClusterNode | None:
        return next((n for n in self.nodes if "myself" in n.flags), None)

    def shards(self) -> list[ClusterShard]:
        """Masters in slot order, each with its replicas; orphaned replicas are left out."""
        masters = sorted(
            (n for n in self.nodes if n.is_master),
            key=lambda n: (_first_slot(n), n.address),
        )
        replicas_of: dict[str, list[ClusterNode]] = {}
        for node in self.nodes:
            if node.master_id is not None:
                replicas_of.setdefault(node.master_id, []).append(node)
        return [
            ClusterShard(m, tuple(sorted(replicas_of.get(m.node_id, []), key=lambda r: r.address)))
            for m in masters
        ]

    def targets(self) -> list[Address]:
        """Every node with an address, to be polled too."""
        found = []
        for node in self.nodes:
            if node.address:
                host, _, port = node.address.rpartition(":")
                found.append(Address(host.strip("[]"), int(port)))
        return found

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClusterView:
        nodes = tuple(
            ClusterNode(
                node_id=str(n["node_id"]),
                address=str(n["address"]),
                flags=tuple(n.get("flags") or ()),
                master_id=n.get("master_id"),
                epoch=n.get("epoch"),
                link_state=str(n.get("link_state") or ""),
                slots=tuple(n.get("slots") or ()),
            )
            for n in data.get("nodes") or ()
        )
        return cls(
            nodes,
            state=data.get("state"),
            slots_assigned=data.get("slots_assigned"),
            known_nodes=data.get("known_nodes"),
            current_epoch=data.get("current_epoch"),
        )


def _first_slot(node: ClusterNode) -> int:
    for part in node.slots:
        head = part.partition("-")[0]
        if head.isdigit():
            return int(head)
    return 1 << 20  # masters without slots last


def parse_node_line(line: str) -> ClusterNode | None:
    """One ``CLUSTER NODES`` line, or None when it is not one (torn, garbage)."""
    parts = line.split()
    if len(parts) < 8:
        return None
    node_id, where, flags, master, _ping, _pong, epoch, link, *slots = parts
    endpoint = where.split(",", 1)[0].split("@", 1)[0]
    host, sep, port = endpoint.rpartition(":")
    address = ""
    if sep and port.isdigit() and int(port) > 0 and host:
        address = address_key(host.strip("[]"), int(port))
    return ClusterNode(
        node_id=node_id,
        address=address,
        flags=tuple(flag for flag in flags.split(",") if flag),
        master_id=None if master == "-" else master,
        epoch=int(epoch) if epoch.isdigit() else None,
        link_state=link,
        slots=tuple(slots),
    )


def parse_cluster(nodes_text: str, info_text: str | Mapping[str, Any] = "") -> ClusterView:
    """``CLUSTER NODES`` (and ``CLUSTER INFO``, text or already a dict) as a view."""
    parsed = [parse_node_line(line) for line in nodes_text.splitlines() if line.strip()]
    if isinstance(info_text, Mapping):
        info = {str(k): str(v) for k, v in info_text.items()}
    else:
        info = dict(line.split(":", 1) for line in info_text.splitlines() if ":" in line)
    return ClusterView(
        nodes=tuple(n for n in parsed if n is not None),
        state=info.get("cluster_state", "").strip() or None,
        slots_assigned=_int(info.get("cluster_slots_assigned")),
        known_nodes=_int(info.get("cluster_known_nodes")),
        current_epoch=_int(info.get("cluster_current_epoch")),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None
