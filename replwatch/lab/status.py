"""What one lab node is doing right now, read from INFO replication."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeStatus:
    """One row of ``replwatch lab status``.

    ``running`` comes from the pid file check; the other fields from INFO replication,
    and are None when the node is down or did not answer (``error`` then says why).
    """

    port: int
    pid: int | None
    running: bool
    role: str | None = None  # "master" or "slave", as INFO spells it
    link: str | None = None  # master_link_status of a replica: "up" / "down"
    offset: int | None = None  # master_repl_offset; slave_repl_offset on a replica
    connected_replicas: int | None = None
    master_port: int | None = None
    stale_pidfile: bool = False
    error: str | None = None


def from_info(port: int, pid: int | None, info: dict[str, object]) -> NodeStatus:
    """Build a status row from redis-py's parsed INFO replication dict."""

    def as_int(name: str) -> int | None:
        value = info.get(name)
        return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None

    role = info.get("role")
    link = info.get("master_link_status")
    return NodeStatus(
        port=port,
        pid=pid,
        running=True,
        role=str(role) if role is not None else None,
        link=str(link) if link is not None else None,
        # A replica's own position is slave_repl_offset; old Redis (2.8) leaves a
        # replica's master_repl_offset at 0 (it keeps no backlog of its own).
        offset=as_int("slave_repl_offset")
        if role == "slave" and "slave_repl_offset" in info
        else as_int("master_repl_offset"),
        connected_replicas=as_int("connected_slaves"),
        master_port=as_int("master_port"),
    )
