"""The lab: real Redis/Valkey masters and replicas on loopback ports.

It is the engine of ``replwatch lab``, of the test fixtures in ``tests/conftest.py``
and of ``scripts/record_samples.py``; see :class:`Lab`.
"""

from __future__ import annotations

from replwatch.lab.errors import LabError
from replwatch.lab.lab import SAME, Lab
from replwatch.lab.ports import free_cluster_ports, free_ports, port_in_use
from replwatch.lab.server import INSTALL_HINT, ServerBinary, find_server, server_of_kind
from replwatch.lab.status import NodeStatus

__all__ = [
    "INSTALL_HINT",
    "SAME",
    "Lab",
    "LabError",
    "NodeStatus",
    "ServerBinary",
    "find_server",
    "free_cluster_ports",
    "free_ports",
    "port_in_use",
    "server_of_kind",
]
