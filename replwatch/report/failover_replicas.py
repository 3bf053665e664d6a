"""Failover steps about the replicas: the others repointed, the old master's return.

Each step joins what Sentinel logged with what the replica's own log and sync
sessions show (when, and whether the resync was partial or a full copy).
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.events import seconds_between
from replwatch.report.failover_names import Names
from replwatch.report.model import FailoverStep, LinkReport, NodeInfo, format_seconds
from replwatch.report.sentinel_scan import Episode, SentinelScanner
from replwatch.timeline.sessions import SyncSession


def _first_sync(
    links: Sequence[LinkReport], replica: str, master: str | None, since: str | None
) -> SyncSession | None:
    for link in links:
        if link.replica != replica or (master and link.master != master):
            continue
        for entry in link.sessions:
            session = entry.session
            if session.outcome == "success" and (
                since is None or (session.start_ts or "") >= since
            ):
                return session
    return None


def _resync_text(session: SyncSession | None) -> str:
    if session is None:
        return "no completed resync in these logs"
    how = {"full": "full resync (all data copied again)", "partial": "partial resync"}
    return f"{how.get(session.mode, 'resync')} done at {session.end_ts or '?'}"


def other_replica_steps(
    episode: Episode,
    scanner: SentinelScanner,
    names: Names,
    links: Sequence[LinkReport],
    new: str | None,
    old: str,
) -> list[FailoverStep]:
    """The replicas repointed at the new master: when, and how they resynced."""
    steps: list[FailoverStep] = []
    covered: set[str] = set()
    since = episode.first_sdown[0] if episode.first_sdown else None
    for source, facts in scanner.nodes.items():
        name = names.by_source.get(source, source)
        if name in (new, old):
            continue
        for ts, master, where in facts.replicaof:
            if master != episode.new or (since and (ts or "") < since):
                continue
            session = _first_sync(links, name, new, ts)
            lost = next((lt for lt, m, _ in facts.links_lost if m == episode.old), None)
            down = seconds_between(lost, session.end_ts) if lost and session else None
            outage = f"; its link was down {format_seconds(down)}" if down is not None else ""
            steps.append(
                FailoverStep(
                    ts,
                    f"{name} repointed to {new} (REPLICAOF): {_resync_text(session)}{outage}",
                    (where, *(session.evidence[:1] if session else ())),
                )
            )
            covered.add(name)
            break
    for peer, moments in episode.reconf.items():
        name = names.node(peer)
        if name in covered or name == old:
            continue
        fact = moments.get("done") or moments.get("inprog") or moments.get("sent")
        assert fact is not None
        state = "done" if "done" in moments else "started, not confirmed"
        steps.append(
            FailoverStep(
                fact[0],
                f"{name} reconfigured by Sentinel to replicate from {new} ({state})",
                tuple(f[2] for f in moments.values()),
            )
        )
    return steps


def old_master_return(
    episode: Episode,
    names: Names,
    nodes: Sequence[NodeInfo],
    links: Sequence[LinkReport],
    old: str,
    new: str | None,
    anchor: str | None,
) -> tuple[str | None, str | None, list[FailoverStep]]:
    """The old master's restart, Sentinel seeing it back and converting it, its resync."""
    steps: list[FailoverStep] = []
    node = next((n for n in names.data if n.name == old), None)
    restart = None
    if node is not None:
        restart = next((r for r in node.restarts if anchor and (r[0] or "") >= anchor), None)
    if restart is not None:
        steps.append(FailoverStep(restart[0], f"{old} (the old master) restarted", (restart[1],)))
    if episode.returned is not None:
        fact = episode.returned
        who = names.sentinel(fact[1])
        steps.append(FailoverStep(fact[0], f"-sdown: {who} sees {old} answering again", (fact[2],)))
    switch = episode.switch_fact
    if episode.converted is not None:
        fact = episode.converted
        two_masters = seconds_between(switch[0], fact[0]) if switch else None
        note = (
            f" ({format_seconds(two_masters)} after the switch: until then {old} was "
            "still a master, and writes it took meanwhile are lost)"
            if episode.requested is not None and two_masters is not None
            else ""
        )
        steps.append(
            FailoverStep(
                fact[0],
                f"+convert-to-slave: Sentinel made {old} a replica of {new}{note}",
                (fact[2],),
            )
        )
    back = restart[0] if restart else episode.returned[0] if episode.returned else None
    if back is None and episode.requested is not None and episode.converted is not None:
        back = episode.converted[0]
    session = _first_sync(links, old, new, back) if back and node is not None else None
    if session is not None:
        why = (
            ": its history diverged from the new master's, so its data was replaced"
            if session.mode == "full"
            else ""
        )
        steps.append(
            FailoverStep(
                session.end_ts,
                f"{old} rejoined as a replica of {new}: {_resync_text(session)}{why}",
                session.evidence[:1],
            )
        )
    return (
        (session.end_ts if session else None) or (episode.converted or (None,))[0],
        session.mode if session else None,
        steps,
    )
