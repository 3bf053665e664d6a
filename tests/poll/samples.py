"""Build :class:`NodeState` records from the captured samples, for pure model tests."""

from __future__ import annotations

from pathlib import Path

from replwatch.poll.info import parse_info, parse_replication, parse_server
from replwatch.poll.role_reply import parse_role, role_reply_from_cli
from replwatch.topology.snapshot import NODE_AUTH_REQUIRED, NODE_OK, NODE_UNREACHABLE, NodeState

SAMPLES = Path(__file__).parent / "info_samples"


def sample(version: str, name: str) -> str:
    return (SAMPLES / version / f"{name}.txt").read_text(encoding="utf-8")


def node(
    version: str, port: int, info_name: str, *, role_name: str | None = None, server: bool = True
) -> NodeState:
    """A reachable node whose INFO replication (and ROLE) come from sample files."""
    info = parse_info(sample(version, info_name))
    role = parse_role(role_reply_from_cli(sample(version, role_name))) if role_name else None
    server_info = parse_server(sample(version, "A-steady-master-INFO_server")) if server else None
    return NodeState(
        address=f"127.0.0.1:{port}",
        status=NODE_OK,
        replication=parse_replication(info),
        server=server_info,
        role_reply=role,
        info=info,
    )


def down(port: int, error: str = "connection refused") -> NodeState:
    return NodeState(
        address=f"127.0.0.1:{port}", status=NODE_UNREACHABLE, error=f"127.0.0.1:{port}: {error}"
    )


def auth(version: str, port: int) -> NodeState:
    text = sample(version, "D-auth-master-INFO_replication-nopass").strip()
    return NodeState(
        address=f"127.0.0.1:{port}", status=NODE_AUTH_REQUIRED, error=f"127.0.0.1:{port}: {text}"
    )
