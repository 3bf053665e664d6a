"""How a failover story names things: data nodes, Sentinels (by log, address or run id).

A Sentinel's log names its peers by run id (votes) or address (``+sentinel``); the
report names every node by its port where it can, so the story and the node list
agree. Sentinels are never matched to data-node addresses.
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.report.model import NodeInfo
from replwatch.report.nodes import resolve_address
from replwatch.report.sentinel_scan import SentinelScanner


class Names:
    """Node names for sources, data-node addresses and Sentinel run ids."""

    def __init__(self, nodes: Sequence[NodeInfo], scanner: SentinelScanner) -> None:
        self.by_source = {node.source: node.name for node in nodes}
        self.data = [node for node in nodes if "sentinel" not in node.roles]
        self.sentinels = [node for node in nodes if "sentinel" in node.roles]
        self.ids = scanner.sentinel_ids

    def node(self, address: str | None) -> str:
        return resolve_address(address, self.data) if address else "?"

    def sentinel(self, key: str) -> str:
        """A Sentinel's name from its log's source, its address or its run id."""
        key = self.ids.get(key, key)
        if key in self.by_source:
            return self.by_source[key]
        return resolve_address(key, self.sentinels) if ":" in key else key[:8]

    def source_of(self, name: str) -> str | None:
        return next((n.source for n in self.data if n.name == name), None)
