"""Findings: the rules that turn what happened into why, and what to change.

Each rule is a small function that reads the nodes, the links and the notable lines,
and returns findings that carry a plain explanation, the setting to look at and the
lines that prove it. :data:`RULES` lists them; :func:`find_all` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from replwatch.report.model import Finding, LinkReport, NodeInfo, format_seconds
from replwatch.report.notables import NotableGroup, Notables
from replwatch.sessions import SyncSession
from replwatch.timeline import seconds_between

WARNING = "warning"
INFO = "info"


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule may read."""

    nodes: Sequence[NodeInfo]
    links: Sequence[LinkReport]
    notables: Notables

    def node_of(self, source: str) -> str:
        for node in self.nodes:
            if node.source == source:
                return node.name
        return source

    def sessions_of(self, replica: str) -> list[SyncSession]:
        return [
            entry.session
            for link in self.links
            if link.replica == replica
            for entry in link.sessions
        ]


Rule = Callable[[Context], list[Finding]]


def _first_ts(group: NotableGroup) -> str | None:
    return group.first[0].ts if group.first else None


def _soon_after(moments: Sequence[str], ts: str | None, *, within: float = 60.0) -> bool:
    """True when ``ts`` falls less than ``within`` seconds after one of ``moments``."""
    for moment in moments:
        gap = seconds_between(moment, ts)
        if gap is not None and 0 <= gap <= within:
            return True
    return False


def _recovered_after(ctx: Context, replica: str, ts: str | None) -> SyncSession | None:
    """The first successful sync of ``replica`` after ``ts``, if any."""
    for session in ctx.sessions_of(replica):
        if session.outcome == "success" and (ts is None or (session.start_ts or "") >= ts):
            return session
    return None


# ------------------------------------------------------------------------ rules


def auth_failures(ctx: Context) -> list[Finding]:
    """The replica cannot AUTH to its master: ``masterauth`` missing or wrong."""
    findings = []
    for group in ctx.notables.of_kind("master_auth_failed", "master_link_error"):
        errors = [str(e.fields.get("error") or e.message) for e in group.events]
        auth_errors = [e for e in errors if _is_auth_error(e)]
        if not auth_errors:
            continue
        node = ctx.node_of(group.source)
        missing = any("NOAUTH" in e for e in auth_errors)
        if missing:
            title = f"{node} sends no password but its master requires one"
            why = (
                "The master has `requirepass` (or an ACL user) set and this replica does "
                "not authenticate, so the master refuses every sync attempt "
                f"('{auth_errors[0]}'). Set `masterauth` (and `masteruser` with ACLs) on "
                "the replica to the master's password."
            )
        else:
            title = f"{node} uses a wrong password for its master"
            why = (
                "The replica authenticates but the master rejects the password "
                f"('{auth_errors[0]}'). `masterauth` on the replica must equal the "
                "master's `requirepass` (or the password of `masteruser`)."
            )
        last = group.last.ts if group.last else None
        fixed = _recovered_after(ctx, node, last)
        if fixed is not None:
            why += f" It synced at {fixed.end_ts} after the setting was fixed."
        else:
            why += " The replica never synced after that in these logs."
        findings.append(
            Finding(
                "masterauth",
                WARNING,
                title,
                why,
                "masterauth",
                node,
                _first_ts(group),
                group.evidence,
                group.count,
            )
        )
    return findings


def _is_auth_error(text: str) -> bool:
    upper = text.upper()
    return any(w in upper for w in ("NOAUTH", "WRONGPASS", "INVALID PASSWORD", "AUTHENTICATION"))


def backlog_too_small(ctx: Context) -> list[Finding]:
    """A partial resync was asked for and refused, so the whole dataset was sent again."""
    findings = []
    for group in ctx.notables.of_kind("psync_rejected"):
        backlog = [e for e in group.events if e.fields.get("reason") == "backlog"]
        if not backlog:
            continue
        master = ctx.node_of(group.source)
        peers = sorted({str(e.fields.get("peer")) for e in backlog if e.fields.get("peer")})
        findings.append(
            Finding(
                "repl-backlog-size",
                WARNING,
                f"{master} refused partial resyncs for lack of backlog ({', '.join(peers)})",
                "A replica came back asking to continue from its offset, but the master's "
                "replication backlog no longer held the writes it missed, so a full resync "
                "(fork, RDB transfer, reload) was needed instead of sending a few bytes. "
                "Raise `repl-backlog-size` to cover the writes of the longest disconnection "
                "you want to survive (and `repl-backlog-ttl` if masters drop it while alone).",
                "repl-backlog-size",
                master,
                _first_ts(group),
                group.evidence,
                group.count,
            )
        )
    if findings:
        return findings
    # Replica-side only: the replica asked for a partial resync and got a full one.
    # With the master's log at hand its own lines tell why (the restart and role rules).
    masters_with_logs = {node.name for node in ctx.nodes}
    for link in ctx.links:
        if link.master in masters_with_logs:
            continue
        refused = [
            e.session
            for e in link.sessions
            if e.session.mode == "full"
            and e.session.outcome == "success"
            and e.session.partial_tried
        ]
        if not refused:
            continue
        findings.append(
            Finding(
                "repl-backlog-size",
                WARNING,
                f"{link.replica} asked {link.master} for a partial resync and got a full one",
                "The replica had a cached master and asked to continue from its offset, but "
                "the master answered with a full resync. Without the master's log the exact "
                "reason is unknown: usually the backlog did not cover the missed writes "
                "(`repl-backlog-size`), or the master's replication id changed (restart "
                "without persistence, failover).",
                "repl-backlog-size",
                link.replica,
                refused[0].start_ts,
                tuple(ev for s in refused for ev in s.evidence[:3]),
                len(refused),
            )
        )
    return findings


def output_buffer(ctx: Context) -> list[Finding]:
    """The master dropped a replica for its output buffer; full syncs that loop."""
    findings = []
    for group in ctx.notables.of_kind("replica_output_buffer_overflow"):
        master = ctx.node_of(group.source)
        findings.append(
            Finding(
                "client-output-buffer-limit",
                WARNING,
                f"{master} closed a replica connection for overcoming its output buffer limit",
                "While the replica was loading the RDB (or could not keep up), the writes "
                "the master buffered for it grew past the replica class limit and the "
                "master dropped the link; the replica then has to sync again, often "
                "fully. Raise `client-output-buffer-limit replica` (hard and soft limits) "
                "or reduce the write rate during syncs.",
                "client-output-buffer-limit replica",
                master,
                _first_ts(group),
                group.evidence,
                group.count,
            )
        )
    restarts = {node.name: [ts for ts, _w, _c in node.restarts if ts] for node in ctx.nodes}
    for link in ctx.links:
        full = [
            e.session
            for e in link.sessions
            if e.session.mode == "full" and e.session.outcome == "success"
        ]
        # the first full sync is the normal start; one right after a restart is explained
        repeats = [
            s
            for s in full[1:]
            if not _soon_after(restarts.get(link.replica, []), s.start_ts)
            and not _soon_after(restarts.get(link.master, []), s.start_ts)
        ]
        if len(repeats) >= 2:
            sessions = full
            findings.append(
                Finding(
                    "full-sync-loop",
                    WARNING,
                    f"{link.title}: {len(full)} full resyncs",
                    "The same replica needed a complete copy of the dataset again and "
                    "again. Typical causes: the master's output buffer limit for replicas "
                    "is hit during each transfer (`client-output-buffer-limit replica`), "
                    "the backlog is too small to resume (`repl-backlog-size`), or the "
                    "transfer takes longer than `repl-timeout`.",
                    "client-output-buffer-limit replica",
                    link.replica,
                    sessions[0].start_ts if sessions else None,
                    tuple(s.evidence[0] for s in sessions if s.evidence),
                    len(full),
                )
            )
    return findings


def timeouts(ctx: Context) -> list[Finding]:
    """Either side gave up on a silent link after ``repl-timeout``."""
    findings = []
    for group in ctx.notables.of_kind("master_timeout", "replica_timeout"):
        node = ctx.node_of(group.source)
        side = "its master" if group.kind == "master_timeout" else "a replica"
        findings.append(
            Finding(
                "repl-timeout",
                WARNING,
                f"{node} timed out {side}",
                "No data nor PING crossed the link for `repl-timeout` seconds, so the "
                "link was dropped. Look for a stopped or overloaded process (slow fork, "
                "long-running command, swapping), a network stall, or a transfer longer "
                "than `repl-timeout`; raise `repl-timeout` if syncs are legitimately slow.",
                "repl-timeout",
                node,
                _first_ts(group),
                group.evidence,
                group.count,
            )
        )
    return findings


def role_changes(ctx: Context) -> list[Finding]:
    """Promotions, REPLICAOF retargets, FAILOVER, Sentinel switches, new replication ids."""
    findings = []
    kinds = (
        "master_mode_enabled",
        "failover_state",
        "replicaof_enabled",
        "secondary_replid_set",
        "master_replid_changed",
    )
    by_node: dict[str, list[NotableGroup]] = {}
    for group in ctx.notables.of_kind(*kinds):
        by_node.setdefault(ctx.node_of(group.source), []).append(group)
    for group in ctx.notables.of_kind("sentinel_event"):
        if any(e.fields.get("event") == "+switch-master" for e in group.events):
            by_node.setdefault(ctx.node_of(group.source), []).append(group)
    for node, groups in sorted(by_node.items()):
        kinds_seen = {g.kind for g in groups}
        parts = []
        if "master_mode_enabled" in kinds_seen:
            parts.append("was promoted to master (REPLICAOF NO ONE / MASTER MODE enabled)")
        if "failover_state" in kinds_seen:
            parts.append("took part in a FAILOVER command")
        if "replicaof_enabled" in kinds_seen:
            targets = sorted(
                {
                    str(e.fields.get("peer"))
                    for g in groups
                    if g.kind == "replicaof_enabled"
                    for e in g.events
                    if e.fields.get("peer")
                }
            )
            parts.append(f"was made a replica of {', '.join(targets) or 'a new master'}")
        if "sentinel_event" in kinds_seen:
            parts.append("saw Sentinel switch the master")
        if kinds_seen & {"secondary_replid_set", "master_replid_changed"}:
            parts.append("changed replication id")
        if not parts:
            continue
        evidence = tuple(sorted(ev for g in groups for ev in g.evidence))
        first = min((_first_ts(g) or "" for g in groups), default="") or None
        findings.append(
            Finding(
                "role-change",
                INFO,
                f"{node} " + "; ".join(parts),
                "The replication topology changed: a node changed role or its master, "
                "and replication ids moved on (the old id is kept as the secondary id so "
                "replicas of the old master can still resync partially up to the switch "
                "offset). Make sure clients, Sentinel or the orchestration follow the new "
                "master, and that the remaining replicas point at it (`replicaof`).",
                "replicaof",
                node,
                first,
                evidence,
                sum(g.count for g in groups),
            )
        )
    return findings


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
                after = _recovered_after(ctx, replica, ts)
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
            why, setting = _restart_advice(full=full, partial=partial, clean=clean, own=bool(own))
            explanation = (
                f"{node.name} started again at {ts or '?'}, {how_stopped}. "
                + ("; ".join(outcomes) + ". " if outcomes else "")
                + why
            )
            findings.append(
                Finding(
                    "restart",
                    WARNING if full else INFO,
                    f"{node.name} restarted" + (" and a full resync followed" if full else ""),
                    explanation,
                    setting,
                    node.name,
                    ts,
                    (where,),
                )
            )
    return findings


def _restart_advice(*, full: bool, partial: bool, clean: bool, own: bool) -> tuple[str, str | None]:
    """Why a restart led to a full or partial resync, and the setting to look at."""
    if partial:
        return "A partial resync means the replication state survived the restart.", None
    if not full:
        return "", None
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


def never_connected(ctx: Context) -> list[Finding]:
    """A replica that kept failing to reach its master and never synced."""
    findings = []
    for link in ctx.links:
        sessions = [e.session for e in link.sessions]
        if not sessions or any(s.outcome == "success" for s in sessions):
            continue
        reasons = [s.reason or "" for s in sessions if s.outcome == "failed"]
        if not reasons or any(_is_auth_error(r) for r in reasons):
            continue
        findings.append(
            Finding(
                "master-unreachable",
                WARNING,
                f"{link.replica} never synced with {link.master_address or link.master}",
                f"Every attempt failed ('{reasons[-1]}'). Check the `replicaof` address and "
                "port, that the master is running, and its `bind` / `protected-mode`.",
                "replicaof",
                link.replica,
                sessions[0].start_ts,
                tuple(s.evidence[0] for s in sessions[:5] if s.evidence),
                len(reasons),
            )
        )
    return findings


def transfer_failures(ctx: Context) -> list[Finding]:
    """The RDB could not be produced or loaded."""
    findings = []
    for group in ctx.notables.of_kind("sync_failed", "bgsave_failed"):
        node = ctx.node_of(group.source)
        findings.append(
            Finding(
                "sync-transfer",
                WARNING,
                f"{node}: "
                + (
                    "loading the master's data failed"
                    if group.kind == "sync_failed"
                    else "background save for a sync failed"
                ),
                "The full resync's RDB could not be written, sent or loaded. Look at disk "
                "space and permissions of `dir`, memory for the fork (`vm.overcommit_memory`), "
                "and consider `repl-diskless-sync` / `repl-diskless-load`.",
                "repl-diskless-sync",
                node,
                _first_ts(group),
                group.evidence,
                group.count,
            )
        )
    return findings


RULES: tuple[Rule, ...] = (
    auth_failures,
    never_connected,
    backlog_too_small,
    output_buffer,
    timeouts,
    role_changes,
    restarts,
    outages,
    transfer_failures,
)


def find_all(
    *, nodes: Sequence[NodeInfo], links: Sequence[LinkReport], notables: Notables
) -> list[Finding]:
    """Every rule's findings, oldest first."""
    ctx = Context(nodes, links, notables)
    found = [finding for rule in RULES for finding in rule(ctx)]
    return sorted(found, key=lambda f: (f.ts or "", f.code, f.node or ""))
