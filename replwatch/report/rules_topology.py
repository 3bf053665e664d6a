"""Findings about the topology over time: role changes, restarts, outages."""

from __future__ import annotations

from replwatch import kinds
from replwatch.events import seconds_between
from replwatch.report.context import (
    INFO,
    WARNING,
    Context,
    first_ts,
    group_finding,
    has_psync2,
    recovered_after,
)
from replwatch.report.model import Finding, format_seconds
from replwatch.report.notables import NotableGroup


def role_changes(ctx: Context) -> list[Finding]:
    """Promotions, REPLICAOF retargets, FAILOVER, new replication ids (Sentinel's own
    switches are told by :mod:`~replwatch.report.rules_failover`)."""
    findings = []
    wanted = (
        kinds.MASTER_MODE_ENABLED,
        kinds.FAILOVER_STATE,
        kinds.REPLICAOF_ENABLED,
        kinds.SECONDARY_REPLID_SET,
        kinds.MASTER_REPLID_CHANGED,
    )
    by_node: dict[str, list[NotableGroup]] = {}
    for group in ctx.notables.of_kind(*wanted):
        by_node.setdefault(ctx.node_of(group.source), []).append(group)
    for node, groups in sorted(by_node.items()):
        kinds_seen = {g.kind for g in groups}
        parts = []
        if kinds.MASTER_MODE_ENABLED in kinds_seen:
            parts.append("was promoted to master (REPLICAOF NO ONE / MASTER MODE enabled)")
        if kinds.FAILOVER_STATE in kinds_seen:
            parts.append("took part in a FAILOVER command")
        if kinds.REPLICAOF_ENABLED in kinds_seen:
            targets = sorted(
                {
                    str(e.fields.get("peer"))
                    for g in groups
                    if g.kind == kinds.REPLICAOF_ENABLED
                    for e in g.events
                    if e.fields.get("peer")
                }
            )
            parts.append(f"was made a replica of {', '.join(targets) or 'a new master'}")
        if kinds_seen & {kinds.SECONDARY_REPLID_SET, kinds.MASTER_REPLID_CHANGED}:
            parts.append("changed replication id")
        if not parts:
            continue
        evidence = tuple(sorted(ev for g in groups for ev in g.evidence))
        first = min((first_ts(g) or "" for g in groups), default="") or None
        findings.append(
            Finding(
                "role-change",
                INFO,
                f"{node} " + "; ".join(parts),
                "The replication topology changed: a node changed role or its master"
                + _replid_story(ctx, node)
                + " Make sure clients, Sentinel or the orchestration follow the new "
                "master, and that the remaining replicas point at it (`replicaof`).",
                "replicaof",
                node,
                first,
                evidence,
                sum(g.count for g in groups),
            )
        )
    return findings


def _replid_story(ctx: Context, node: str) -> str:
    """What a promotion does to the other replicas' next sync, by server version."""
    version = next((n.version for n in ctx.nodes if n.name == node), None)
    if has_psync2(version) is False:
        return (
            f". Before Redis 4.0 (this node runs {version}) a promoted replica starts a new "
            "replication history: every replica repointed to it resyncs fully."
        )
    return (
        ", and replication ids moved on (the old id is kept as the secondary id so "
        "replicas of the old master can still resync partially up to the switch offset)."
    )


def restarts(ctx: Context) -> list[Finding]:
    """A node restarted; did its replicas (or itself) resync partially or fully after?"""
    findings = []
    for node in ctx.nodes:
        for ts, where, clean in node.restarts:
            outcomes = []
            own = [link for link in ctx.links if link.replica == node.name]
            served = [link for link in ctx.links if link.master == node.name]
            replicas = sorted({link.replica for link in (own or served)})
            for replica in replicas:
                after = recovered_after(ctx, replica, ts)
                if after is not None:
                    took = seconds_between(ts, after.end_ts)
                    when = f" {format_seconds(took)} later" if took is not None else ""
                    how = {"full": "fully", "partial": "partially"}.get(after.mode, "")
                    outcomes.append(f"{replica} resynced {how}{when}".replace("  ", " "))
                else:
                    outcomes.append(f"{replica} did not resync in these logs")
            full = any("fully" in o for o in outcomes)
            partial = bool(outcomes) and all("partially" in o for o in outcomes)
            how_stopped = (
                "after a clean shutdown"
                if clean
                else "without a clean shutdown (killed or crashed)"
            )
            why, setting = _restart_advice(
                full=full, partial=partial, clean=clean, own=bool(own), version=node.version
            )
            failed_over = full and _failed_over(ctx, node.name, ts)
            if failed_over:
                why, setting = (
                    "It had been replaced by a failover, so it came back as a replica of the "
                    "new master with a history the new master does not share: a full resync "
                    "is expected here, and its writes that never reached a replica are lost.",
                    None,
                )
            explanation = (
                f"{node.name} started again at {ts or '?'}, {how_stopped}. "
                + ("; ".join(outcomes) + ". " if outcomes else "")
                + why
            )
            findings.append(
                Finding(
                    "restart",
                    WARNING if full and not failed_over else INFO,
                    f"{node.name} restarted" + (" and a full resync followed" if full else ""),
                    explanation,
                    setting,
                    node.name,
                    ts,
                    (where,),
                )
            )
    return findings


def _failed_over(ctx: Context, node: str, ts: str | None) -> bool:
    """True when ``node`` restarted after a failover had replaced it as master."""
    return any(
        f.old_master == node and f.outcome == "switched" and (ts or "") >= (f.lost_ts or "")
        for f in ctx.failovers
    )


def _restart_advice(
    *, full: bool, partial: bool, clean: bool, own: bool, version: str | None
) -> tuple[str, str | None]:
    """Why a restart led to a full or partial resync, and the setting to look at."""
    psync2 = has_psync2(version)
    if partial and own and psync2:
        return (
            "A partial resync means the replication state survived the restart: the "
            "replica resumed from the replication id and offset saved in its RDB (PSYNC2, "
            "Redis 4.0+), and the master still had that offset in its backlog.",
            None,
        )
    if partial:
        return "A partial resync means the replication state survived the restart.", None
    if not full:
        return "", None
    if own and psync2 is False:
        return (
            f"Before Redis 4.0 (this node runs {version}) a restarted replica can never "
            "resync partially, whatever the backlog: it keeps no replication id or offset "
            "across a restart, so every replica restart costs a full copy. Redis 4.0+ "
            "(PSYNC2) lets a cleanly restarted replica (SHUTDOWN saves an RDB with the "
            "replication info) resume with a partial resync: upgrade, and until then "
            "restart replicas rarely and when a full copy is affordable.",
            None,
        )
    if not own and psync2 is False:
        killed = (
            "It was killed, so the writes after its last save are gone too; see how often "
            "it saves (`save`, `appendonly`). "
            if not clean
            else ""
        )
        return (
            f"Before Redis 4.0 (this node runs {version}) a restarted master always comes "
            "back with a new run id, so its replicas resync fully even after a clean "
            f"SHUTDOWN (and a failover would cost full resyncs too). {killed}Plan master "
            "restarts for when full resyncs are affordable, or upgrade to Redis 4.0+ "
            "(PSYNC2): there, failing over to a replica first lets the others continue "
            "partially.",
            "save" if not clean else None,
        )
    if not clean and not own:
        return (
            "A master that is killed comes back with the data and replication offset of "
            "its last save; replicas that had received more cannot continue and take a "
            "full copy (and the writes after that save are gone). Stop masters with "
            "SHUTDOWN, or fail over first; see how often it saves (`save`, `appendonly`).",
            "save",
        )
    return (
        "A full resync after a restart means the saved replication state could not be "
        "used: the offset was no longer in the master's backlog, or no RDB with "
        "replication info was written at shutdown. Keep `repl-backlog-size` large enough "
        "to cover the downtime and let nodes save on shutdown.",
        "repl-backlog-size",
    )


def outages(ctx: Context) -> list[Finding]:
    """Links that were up and went down, with their longest outage."""
    findings = []
    for link in ctx.links:
        if not link.outages:
            continue
        longest = max(link.outages, key=lambda o: o.seconds if o.seconds is not None else -1)
        open_ended = any(o.end_ts is None for o in link.outages)
        length = format_seconds(longest.seconds) if longest.seconds is not None else "unknown time"
        brief = all(o.seconds is not None and o.seconds < 1 for o in link.outages)
        findings.append(
            Finding(
                "link-down",
                INFO if brief else WARNING,
                f"{link.title} was down {len(link.outages)} time(s), longest {length}",
                f"The link was established, then lost ({longest.cause}); "
                + (
                    "it was still down when the logs end."
                    if open_ended
                    else "it came back each time."
                )
                + " During an outage the replica serves stale data.",
                None,
                link.replica,
                link.outages[0].start_ts,
                tuple(ev for o in link.outages for ev in o.evidence),
                len(link.outages),
            )
        )
    return findings


def unnamed_losses(ctx: Context) -> list[Finding]:
    """A replica's log shows its master link lost, but no line names the master (the
    log starts after the connect): the losses still count, under master ``?``."""
    replicas = {link.replica for link in ctx.links}
    findings = []
    for group in ctx.notables.of_kind(kinds.MASTER_LINK_LOST):
        node = ctx.node_of(group.source)
        if node in replicas:
            continue
        findings.append(
            group_finding(
                group,
                "link-down",
                f"? -> {node} lost its master link {group.count} time(s)",
                "The replica's log says the connection with its master was lost, but no "
                "line in it names the master (the log begins after the connect): the "
                "master's log, or an earlier part of this one, tells which link and why.",
                None,
                node,
            )
        )
    return findings
