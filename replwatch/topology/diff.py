"""What changed between two snapshots, and what is wrong in one.

:func:`diff` turns two :class:`~replwatch.topology.snapshot.Snapshot` records into the poll
events of the contract (``docs/events.md``): ``node_up``, ``node_down``,
``auth_required``, ``role_changed``, ``replid_changed``, ``link_up``, ``link_down``,
``sync_progress`` and ``lag_exceeded``. Events are edge-triggered: a link that stays
down, or a lag that stays over its limit, is reported once, when it starts.
:func:`assess` lists what is wrong right now (what ``replwatch status`` exits on: links,
Sentinel and Cluster verdicts, split brains from :mod:`replwatch.topology.split_brain`), and
the warnings that change no exit code: a replica anyone can read because it has no
password while its master has one (:func:`unprotected_replicas`).

Pure: each event's time is the snapshot's ``ts``.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from replwatch import kinds
from replwatch.events import Event, poll_event
from replwatch.poll.sentinel_reply import disagreements
from replwatch.topology.snapshot import (
    LINK_DOWN,
    LINK_SYNCING,
    LINK_UP,
    NODE_AUTH_REQUIRED,
    NODE_TIMEOUT,
    NODE_UNREACHABLE,
    LinkState,
    NodeState,
    Snapshot,
)
from replwatch.topology.split_brain import split_brains


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lag limits; ``None`` means "no limit"."""

    max_lag_bytes: int | None = None
    max_lag_seconds: float | None = None


def _sync_progress(source: str, peer: str, link: LinkState, ts: str) -> Event:
    """How far a transfer is: read of total from 6.2, only the bytes left before."""
    done, total, left = link.sync_read_bytes, link.sync_total_bytes, link.sync_left_bytes
    if done is not None and total:
        text = f"{done} of {total} bytes"
    elif left == 0:
        text = "all received, loading"
    elif left is not None:
        text = f"{left} bytes left"
    else:
        text = "transfer starting"
    extra = {"left": left} if left is not None else {}
    return poll_event(
        source,
        kinds.SYNC_PROGRESS,
        f"sync from {peer}: {text}",
        ts=ts,
        role="replica",
        peer=peer,
        bytes=done,
        total=total,
        **extra,
    )


def lag_breaches(link: LinkState, thresholds: Thresholds) -> list[tuple[str, float, float]]:
    """``(unit, value, threshold)`` for each limit an up link is over (unit: bytes/seconds)."""
    if link.state != LINK_UP:
        return []
    found: list[tuple[str, float, float]] = []
    limit_bytes, limit_seconds = thresholds.max_lag_bytes, thresholds.max_lag_seconds
    if limit_bytes is not None and link.lag_bytes is not None and link.lag_bytes > limit_bytes:
        found.append(("bytes", link.lag_bytes, limit_bytes))
    if (
        limit_seconds is not None
        and link.lag_seconds is not None
        and link.lag_seconds > limit_seconds
    ):
        found.append(("seconds", link.lag_seconds, limit_seconds))
    return found


#: Problem severities. ``warning`` is the one that fails nothing: worth saying, but a
#: topology that only has warnings is healthy (``status`` exits 0).
NODE, LINK, WARNING = "node", "link", "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in one snapshot. ``severity``: ``node`` (a node cannot be
    read: unreachable, timeout, auth), ``link`` (a link down or lagging) or
    ``warning`` (works, but should not be so: a replica readable without a password)."""

    severity: str
    address: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "address": self.address, "message": self.message}


def assess(snapshot: Snapshot, thresholds: Thresholds = Thresholds()) -> list[Problem]:
    """Everything wrong in one snapshot, nodes first (what ``status`` exits on)."""
    problems = [
        Problem("node", node.address, node.error or f"{node.address}: {node.status}")
        for node in snapshot.nodes
        if not node.ok
    ]
    for link in snapshot.links:
        name = f"{link.master} -> {link.replica}"
        if link.state != LINK_UP:
            problems.append(Problem("link", link.replica, f"link {name} is {link.state}"))
        for unit, value, limit in lag_breaches(link, thresholds):
            problems.append(
                Problem("link", link.replica, f"link {name} lags {value:g} {unit} (> {limit:g})")
            )
    brains = split_brain_problems(snapshot)
    said = {problem.address for problem in brains}  # a split Sentinel name: said once
    return (
        problems
        + brains
        + sentinel_problems(snapshot, skip_names=said)
        + cluster_problems(snapshot)
        + password_warnings(snapshot)
    )


def split_brain_problems(snapshot: Snapshot) -> list[Problem]:
    """A ``link`` problem for each split brain; its address is the Sentinel name, or
    the masters (``A,B``) when no Sentinel names them."""
    return [Problem(LINK, brain.label, brain.message) for brain in split_brains(snapshot)]


def unprotected_replicas(snapshot: Snapshot) -> list[tuple[str, str]]:
    """``(replica, master)`` for each replica that answers without a password while
    the master it replicates from asks for one (through replicas of replicas, the
    first node up the chain that asks): anyone who reaches the replica reads the
    data the password keeps from them on the master.

    Known from :attr:`NodeState.password_required`: the replica answered with no
    password sent (none given, or it said it has none), the master refused to
    answer without one or took it. A master nobody polls tells nothing.
    """
    by_address = {node.address: node for node in snapshot.nodes}
    found = []
    for node in snapshot.nodes:
        if not node.ok or node.password_required is not False:
            continue
        above, seen = node.master_address, {node.address}
        while above is not None and above not in seen:
            seen.add(above)
            master = by_address.get(above)
            if master is None or master.password_required is None:
                break
            if master.password_required:
                found.append((node.address, master.address))
                break
            above = master.master_address
    return found


def password_warnings(snapshot: Snapshot) -> list[Problem]:
    """A ``warning`` for each of :func:`unprotected_replicas`."""
    return [
        Problem(
            WARNING,
            replica,
            f"replica {replica} has no password while its master {master} has one: "
            "anyone who can reach it reads the data (give it requirepass too)",
        )
        for replica, master in unprotected_replicas(snapshot)
    ]


def cluster_problems(snapshot: Snapshot) -> list[Problem]:
    """A Cluster whose state is not ``ok``, and nodes a majority marked ``fail``.

    Each node is reported once, however many nodes' views say so; ``fail?`` (one
    node's suspicion) is not a problem yet, since it clears or becomes ``fail``
    within ``cluster-node-timeout``.
    """
    problems = []
    failed: dict[str, str] = {}
    for node in snapshot.nodes:
        view = node.cluster
        if view is None:
            continue
        if view.state is not None and view.state != "ok":
            problems.append(
                Problem("link", node.address, f"{node.address} says cluster_state:{view.state}")
            )
        for member in view.nodes:
            if member.failing == "fail":
                failed.setdefault(member.node_id, member.address or member.node_id)
    problems += [
        Problem("link", where, f"Cluster node {node_id[:8]} ({where}) is marked failing")
        for node_id, where in sorted(failed.items())
    ]
    return problems


def sentinel_problems(snapshot: Snapshot, *, skip_names: Set[str] = frozenset()) -> list[Problem]:
    """What the Sentinels say is wrong: a master they see down, or disagree about.

    A master flagged ``o_down`` is one a quorum of Sentinels sees down; Sentinels that
    place one master at different addresses are either mid-failover (for a second or
    two) or split into groups that each follow their own master. A disagreement about
    a name in ``skip_names`` is left out (it is reported as a split brain already).
    """
    views = {n.address: n.sentinel for n in snapshot.nodes if n.sentinel is not None}
    problems = []
    for sentinel, view in views.items():
        for master in view.masters:
            if master.objectively_down or master.subjectively_down:
                seen = "objectively down (quorum agrees)" if master.objectively_down else "down"
                problems.append(
                    Problem(
                        "link",
                        master.address,
                        f"Sentinel {sentinel} sees master {master.name} at {master.address} {seen}",
                    )
                )
    for split in disagreements(views):
        if split.name in skip_names:
            continue
        places = "; ".join(f"{addr} says {', '.join(who)}" for addr, who in split.believed.items())
        problems.append(
            Problem(
                "link",
                split.name,
                f"Sentinels disagree where master {split.name} is: {places} "
                "(a failover in progress, or a split brain if it lasts)",
            )
        )
    return problems


def _node_events(prev: NodeState | None, cur: NodeState, ts: str) -> list[Event]:
    source, role = cur.address, cur.role or (prev.role if prev else None)
    events: list[Event] = []
    was = prev.status if prev is not None else None
    if cur.status != was:
        if cur.ok:
            events.append(
                poll_event(source, kinds.NODE_UP, f"{source} is reachable", ts=ts, role=role)
            )
        elif cur.status == NODE_AUTH_REQUIRED:
            events.append(
                poll_event(
                    source, kinds.AUTH_REQUIRED, cur.error or "", ts=ts, role=role, error=cur.error
                )
            )
        elif was not in (NODE_UNREACHABLE, NODE_TIMEOUT):
            events.append(
                poll_event(
                    source,
                    kinds.NODE_DOWN,
                    cur.error or f"{source} is {cur.status}",
                    ts=ts,
                    role=role,
                    error=cur.error,
                )
            )
    if prev is None or not (prev.ok and cur.ok):
        return events
    if prev.role and cur.role and prev.role != cur.role:
        events.append(
            poll_event(
                source,
                kinds.ROLE_CHANGED,
                f"{source} changed role from {prev.role} to {cur.role}",
                ts=ts,
                role=cur.role,
                **{"from": prev.role, "to": cur.role},
            )
        )
    if prev.replid and cur.replid and prev.replid != cur.replid:
        events.append(
            poll_event(
                source,
                kinds.REPLID_CHANGED,
                f"{source} replication id is now {cur.replid}",
                ts=ts,
                role=cur.role,
                replid=cur.replid,
            )
        )
    return events


def _link_events(
    prev: LinkState | None, cur: LinkState | None, ts: str, thresholds: Thresholds
) -> list[Event]:
    link = cur if cur is not None else prev
    assert link is not None
    source, peer = link.replica, link.master
    events: list[Event] = []
    was = prev.state if prev is not None else None
    now = cur.state if cur is not None else None
    if now == LINK_UP and was != LINK_UP:
        events.append(
            poll_event(
                source,
                kinds.LINK_UP,
                f"link {peer} -> {source} is up",
                ts=ts,
                role="replica",
                peer=peer,
            )
        )
    elif was != LINK_DOWN and (now == LINK_DOWN or (now is None and was is not None)):
        events.append(
            poll_event(
                source,
                kinds.LINK_DOWN,
                f"link {peer} -> {source} is down",
                ts=ts,
                role="replica",
                peer=peer,
            )
        )
    if (
        cur is not None
        and now == LINK_SYNCING
        and (
            was != LINK_SYNCING
            or prev is None
            or (prev.sync_read_bytes, prev.sync_left_bytes)
            != (cur.sync_read_bytes, cur.sync_left_bytes)
        )
    ):
        events.append(_sync_progress(source, peer, cur, ts))
    if cur is not None:
        before = {unit for unit, _, _ in lag_breaches(prev, thresholds)} if prev else set()
        for unit, value, limit in lag_breaches(cur, thresholds):
            if unit not in before:
                events.append(
                    poll_event(
                        source,
                        kinds.LAG_EXCEEDED,
                        f"replica {source} lags {value:g} {unit} behind {peer} (> {limit:g})",
                        ts=ts,
                        role="replica",
                        peer=peer,
                        **{unit: value},
                        threshold=limit,
                    )
                )
    return events


def diff(
    prev: Snapshot | None, cur: Snapshot, *, thresholds: Thresholds = Thresholds()
) -> list[Event]:
    """The poll events that lead from ``prev`` to ``cur`` (``prev=None``: the first round,
    which reports every node and link as it is). Events carry ``cur.ts``."""
    ts = cur.ts
    prev_nodes = {n.address: n for n in prev.nodes} if prev is not None else {}
    events: list[Event] = []
    for node in cur.nodes:
        events.extend(_node_events(prev_nodes.get(node.address), node, ts))
    prev_links = {link.key: link for link in prev.links} if prev is not None else {}
    cur_links = {link.key: link for link in cur.links}
    for key in list(cur_links) + [k for k in prev_links if k not in cur_links]:
        events.extend(_link_events(prev_links.get(key), cur_links.get(key), ts, thresholds))
    return events
