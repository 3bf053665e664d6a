"""Findings about one link's syncs: auth, backlog, buffers, timeouts, transfers.

Each rule returns findings with a plain explanation, the setting to look at and
the lines that prove it.
"""

from __future__ import annotations

from replwatch.report.context import (
    WARNING,
    Context,
    group_finding,
    is_auth_error,
    recovered_after,
    soon_after,
)
from replwatch.report.model import Finding


def auth_failures(ctx: Context) -> list[Finding]:
    """The replica cannot AUTH to its master: ``masterauth`` missing or wrong."""
    findings = []
    for group in ctx.notables.of_kind("master_auth_failed", "master_link_error"):
        errors = [str(e.fields.get("error") or e.message) for e in group.events]
        auth_errors = [e for e in errors if is_auth_error(e)]
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
        fixed = recovered_after(ctx, node, last)
        if fixed is not None:
            why += f" It synced at {fixed.end_ts} after the setting was fixed."
        else:
            why += " The replica never synced after that in these logs."
        findings.append(
            group_finding(
                group,
                "masterauth",
                title,
                why,
                "masterauth",
                node,
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
        if not reasons or any(is_auth_error(r) for r in reasons):
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
            group_finding(
                group,
                "repl-backlog-size",
                f"{master} refused partial resyncs for lack of backlog ({', '.join(peers)})",
                "A replica came back asking to continue from its offset, but the master's "
                "replication backlog no longer held the writes it missed, so a full resync "
                "(fork, RDB transfer, reload) was needed instead of sending a few bytes. "
                "Raise `repl-backlog-size` to cover the writes of the longest disconnection "
                "you want to survive (and `repl-backlog-ttl` if masters drop it while alone).",
                "repl-backlog-size",
                master,
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
        moved_on = [s for s in refused if s.asked_replid and s.replid not in (None, s.asked_replid)]
        if moved_on:
            why, setting = (
                "The replica had a cached master and asked to continue its history "
                f"({moved_on[0].asked_replid[:8]}...), but the master answered a full resync "
                f"under another replication id ({(moved_on[0].replid or '')[:8]}...): the "
                "master's history changed (it restarted: before Redis 4.0 every restart "
                "does this, later ones without persistence or after being killed; or a "
                "failover). No backlog size would have helped; the master's log tells "
                "which.",
                None,
            )
        else:
            why, setting = (
                "The replica had a cached master and asked to continue from its offset, but "
                "the master answered with a full resync. Without the master's log the exact "
                "reason is unknown: usually the backlog did not cover the missed writes "
                "(`repl-backlog-size`), or the master's replication id changed (restart "
                "without persistence, failover).",
                "repl-backlog-size",
            )
        findings.append(
            Finding(
                "repl-backlog-size" if setting else "master-history-changed",
                WARNING,
                f"{link.replica} asked {link.master} for a partial resync and got a full one",
                why,
                setting,
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
            group_finding(
                group,
                "client-output-buffer-limit",
                f"{master} closed a replica connection for overcoming its output buffer limit",
                "While the replica was loading the RDB (or could not keep up), the writes "
                "the master buffered for it grew past the replica class limit and the "
                "master dropped the link; the replica then has to sync again, often "
                "fully. Raise `client-output-buffer-limit replica` (hard and soft limits) "
                "or reduce the write rate during syncs.",
                "client-output-buffer-limit replica",
                master,
            )
        )
    restarts = {node.name: [ts for ts, _w, _c in node.restarts if ts] for node in ctx.nodes}
    for link in ctx.links:
        full = [
            e.session
            for e in link.sessions
            if e.session.mode == "full" and e.session.outcome == "success"
        ]
        # the first full sync is the normal start; one right after a restart is
        # explained, and so is one the backlog could not spare (its own finding)
        repeats = [
            s
            for s in full[1:]
            if "backlog" not in (s.reason or "")
            and not soon_after(restarts.get(link.replica, []), s.start_ts)
            and not soon_after(restarts.get(link.master, []), s.start_ts)
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
            group_finding(
                group,
                "repl-timeout",
                f"{node} timed out {side}",
                "No data nor PING crossed the link for `repl-timeout` seconds, so the "
                "link was dropped. Look for a stopped or overloaded process (slow fork, "
                "long-running command, swapping), a network stall, or a transfer longer "
                "than `repl-timeout`; raise `repl-timeout` if syncs are legitimately slow.",
                "repl-timeout",
                node,
            )
        )
    return findings


def transfer_failures(ctx: Context) -> list[Finding]:
    """The RDB could not be produced or loaded."""
    findings = []
    for group in ctx.notables.of_kind("sync_failed", "bgsave_failed"):
        node = ctx.node_of(group.source)
        findings.append(
            group_finding(
                group,
                "sync-transfer",
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
            )
        )
    return findings
