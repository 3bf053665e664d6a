"""Findings about one link's syncs: auth, backlog, buffers, timeouts, transfers.

Each rule returns findings with a plain explanation, the setting to look at and
the lines that prove it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from replwatch import kinds
from replwatch.report.backlog import size_text, suggested_size
from replwatch.report.context import (
    INFO,
    WARNING,
    Context,
    Moments,
    group_finding,
    is_auth_error,
)
from replwatch.report.model import Finding
from replwatch.report.notables import NotableGroup
from replwatch.timeline.sessions import format_bytes

#: Words of a sync failure that is about reaching the master at all.
_CONNECT_ERRORS = ("refused", "timeout", "unreachable", "no route", "not known", "resolve",
                   "connect")  # fmt: skip


def never_connected(ctx: Context) -> list[Finding]:
    """A replica that kept failing to reach its master and never synced.

    Only when the failures are about reaching the master (refused, timed out, no
    route): a replica refused for its password, its disk or the master's fork has
    its own finding, and one that synced once (on any link) did reach it."""
    findings = []
    for link in ctx.links:
        sessions = [e.session for e in link.sessions]
        if not sessions or any(s.outcome == "success" for s in ctx.sessions_of(link.replica)):
            continue
        reasons = [s.reason or "" for s in sessions if s.outcome == "failed"]
        if not reasons or any(is_auth_error(r) for r in reasons):
            continue
        if not any(w in r.lower() for r in reasons for w in _CONNECT_ERRORS):
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
                fix="check the replica's `replicaof` address and the master's `bind`",
            )
        )
    return findings


def backlog_too_small(ctx: Context) -> list[Finding]:
    """A partial resync was asked for and refused, so the whole dataset was sent again."""
    findings = []
    needed = _backlog_needed(ctx)
    for group in ctx.notables.of_kind(kinds.PSYNC_REJECTED):
        backlog = [e for e in group.events if e.fields.get("reason") == "backlog"]
        if not backlog:
            continue
        master = ctx.node_of(group.source)
        peers = sorted({str(e.fields.get("peer")) for e in backlog if e.fields.get("peer")})
        finding = group_finding(
            group,
            "repl-backlog-size",
            f"{master} refused partial resyncs for lack of backlog ({', '.join(peers)}): "
            "raise repl-backlog-size",
            "A replica came back asking to continue from its offset, but the master's "
            "replication backlog no longer held the writes it missed, so a full resync "
            "(fork, RDB transfer, reload) was needed instead of sending a few bytes. "
            + (
                needed[0]
                if needed
                else "Raise `repl-backlog-size` to cover the writes of "
                "the longest disconnection you want to survive. "
            )
            + "(And `repl-backlog-ttl` if masters drop it while they have no replica.)",
            "repl-backlog-size",
            master,
        )
        fix = needed[1] if needed else "raise `repl-backlog-size` on the master"
        evidence = tuple(sorted({*finding.evidence, *needed[2]})) if needed else finding.evidence
        findings.append(replace(finding, fix=fix, evidence=evidence))
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
                f"({(moved_on[0].asked_replid or '')[:8]}...), but the master answered a full "
                f"resync under another replication id ({(moved_on[0].replid or '')[:8]}...): the "
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


def _backlog_needed(ctx: Context) -> tuple[str, str, tuple[tuple[str, int], ...]] | None:
    """(sentence, fix, evidence) saying how large the backlog had to be, from the
    largest gap between a refused request and the master's offset (see
    :mod:`~replwatch.report.backlog`), or None when no offsets tell."""
    gaps = ctx.backlog.gaps
    if not gaps:
        return None
    gap = gaps[0]
    size = size_text(suggested_size(gap.bytes))
    bound = "" if gap.exact else "at least "
    sentence = (
        f"The replica asked to continue from offset {gap.asked:,} while the master was "
        f"at {gap.master_offset:,}: it missed {bound}{gap.bytes:,} bytes "
        f"({format_bytes(gap.bytes)}) of writes, so `repl-backlog-size` had to be "
        f"{bound}that large; with headroom for a longer outage, set "
        f"`repl-backlog-size {size}` (and check INFO's `repl_backlog_size`). "
    )
    return sentence, f"set `repl-backlog-size {size}` on the master", gap.evidence


def output_buffer(ctx: Context) -> list[Finding]:
    """The master dropped a replica for its output buffer; full syncs that loop."""
    findings = []
    for group in ctx.notables.of_kind(kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW):
        master = ctx.node_of(group.source)
        # the address on this line is the replica's client side (an ephemeral port),
        # not the port it listens on: name the host, not a replica "53210"
        hosts = sorted({_host(str(e.fields["peer"])) for e in group.events if e.fields.get("peer")})
        finding = group_finding(
            group,
            "client-output-buffer-limit",
            f"{master} dropped its replica"
            + (f" on {', '.join(hosts)}" if hosts else "")
            + " for its output buffer: raise client-output-buffer-limit replica",
            "While the replica was loading the RDB (or could not keep up), the writes "
            "the master buffered for it grew past the replica class limit and the "
            "master dropped the link; the replica then has to sync again, often "
            "fully, and the loop repeats. Raise `client-output-buffer-limit replica` "
            "(hard and soft limits; e.g. `replica 512mb 256mb 120`) above the writes "
            "that arrive during one full sync, or reduce the write rate during syncs.",
            "client-output-buffer-limit replica",
            master,
        )
        findings.append(
            replace(finding, fix="raise `client-output-buffer-limit replica` on the master")
        )
    for variant, other in ctx.notables.variants(kinds.UNRECOGNIZED):
        if not variant.startswith("output_buffer:"):
            continue
        untyped = _untyped_output_buffer(ctx, other, variant.split(":", 1)[1])
        same = next(
            (n for n, f in enumerate(findings) if (f.code, f.node) == (untyped.code, untyped.node)),
            None,
        )
        if same is None:
            findings.append(untyped)
        else:  # the typed lines' finding of this master cites these too
            typed = findings[same]
            evidence = tuple(sorted({*typed.evidence, *untyped.evidence}))
            findings[same] = replace(typed, evidence=evidence, count=typed.count + untyped.count)
    restarts = {node.name: Moments(ts for ts, _w, _c in node.restarts) for node in ctx.nodes}
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
            and not restarts.get(link.replica, _NONE).soon_before(s.start_ts)
            and not restarts.get(link.master, _NONE).soon_before(s.start_ts)
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


def _untyped_output_buffer(ctx: Context, group: NotableGroup, client: str) -> Finding:
    """An output buffer line no grammar rule typed (a masked address, a pasted
    ``Client id=… scheduled to be closed ASAP ...``): its ``flags=`` tell the class.
    ``S`` is a replica; other flags a normal or Pub/Sub client; no flags at all (the
    bare line) cannot tell, and then a master that serves replicas in these logs most
    likely dropped one of them: said as likely, not as read. ``client`` is the
    class its flags tell (see :mod:`~replwatch.report.notables`)."""
    master = ctx.node_of(group.source)
    flags = {m.group(1) for e in group.events if (m := _FLAGS.search(e.message))}
    serves = any(link.master == master for link in ctx.links)
    if client == "replica" or (client == "bare" and serves):
        how = (
            "its flags say `S`: a replica"
            if client == "replica"
            else "the line shows no flags, so the class is not written; "
            f"{master} serves replicas in these logs, so most likely one of them"
        )
        finding = group_finding(
            group,
            "client-output-buffer-limit",
            f"{master} dropped "
            + ("its replica" if client == "replica" else "a client, most likely its replica,")
            + " for its output buffer: raise client-output-buffer-limit replica",
            f"The master closed a client for passing its output buffer limit ({how}). "
            "While a replica loads the RDB (or cannot keep up) the writes buffered for "
            "it grow past the replica class limit; the replica then syncs again, often "
            "fully, and the loop repeats. Raise `client-output-buffer-limit replica` "
            "(e.g. `replica 512mb 256mb 120`) above the writes of one full sync.",
            "client-output-buffer-limit replica",
            master,
        )
        return _fix(finding, "raise `client-output-buffer-limit replica` on the master")
    shown = ", ".join(sorted(flags)) or "not shown"
    return group_finding(
        group,
        "client-output-buffer-other",
        f"{master} closed a client for its output buffer limit"
        + (" (not a replica)" if flags else " (the line does not say which client)"),
        f"A client (flags {shown}) read its replies too slowly and passed its class's "
        "`client-output-buffer-limit`"
        + (
            ": a normal or Pub/Sub client, not a replication link."
            if flags
            else "; no replica appears in these logs, so it is likely not one."
        ),
        "client-output-buffer-limit",
        master,
        severity=INFO,
    )


def timeouts(ctx: Context) -> list[Finding]:
    """``repl-timeout`` in each of its shapes: a silent master, a transfer slower than
    the timeout, a replica dropped while it loads the RDB, a connect that waited the
    whole timeout."""
    findings = []
    for variant, group in ctx.notables.variants(kinds.MASTER_TIMEOUT):
        node = ctx.node_of(group.source)
        if variant == "transfer":
            findings.append(
                _fix(
                    group_finding(
                        group,
                        "repl-timeout-transfer",
                        f"{node} gave up receiving the RDB after repl-timeout",
                        "The master's RDB did not arrive for `repl-timeout` seconds in the "
                        "middle of a full resync ('Timeout receiving bulk data from "
                        "MASTER'): the master is slow producing it (a big dataset, a busy "
                        "disk, a slow fork) or the network is. Raise `repl-timeout` above "
                        "the longest pause of a transfer, on the replica and the master.",
                        "repl-timeout",
                        node,
                    ),
                    "raise `repl-timeout` above the time a full transfer pauses",
                )
            )
        else:
            findings.append(
                _fix(
                    group_finding(
                        group,
                        "repl-timeout",
                        f"{node} timed out its master: no data nor PING for repl-timeout",
                        "The master sent nothing (not even the PING every "
                        "`repl-ping-replica-period`) for `repl-timeout` seconds, so the "
                        "replica dropped the link: the master was stalled (stopped, "
                        "swapping, a long command or a slow fork), or the network was. "
                        "Look at the master's host at that time; raise `repl-timeout` if "
                        "such stalls are expected.",
                        "repl-timeout",
                        node,
                    ),
                    "find what stalled the master then (or raise `repl-timeout`)",
                )
            )
    for variant, group in ctx.notables.variants(kinds.REPLICA_TIMEOUT):
        node = ctx.node_of(group.source)
        peers = sorted({str(e.fields.get("peer")) for e in group.events if e.fields.get("peer")})
        who = ", ".join(peers) or "a replica"
        if variant == "full":
            finding = group_finding(
                group,
                "repl-timeout-loading",
                f"{node} dropped {who} during its full resync after repl-timeout",
                "The master heard nothing from the replica for `repl-timeout` seconds "
                "while the replica was receiving or loading the RDB ('Disconnecting "
                "timedout replica (full sync)'): loading a big RDB takes longer than "
                "`repl-timeout`, the replica then syncs again from scratch, forever. "
                "Raise `repl-timeout` above the replica's load time (see its 'DB loaded' "
                "/ 'Finished with success' times), or shrink the dataset.",
                "repl-timeout",
                node,
            )
            findings.append(_fix(finding, "raise `repl-timeout` above the replica's RDB load time"))
        else:
            finding = group_finding(
                group,
                "repl-timeout",
                f"{node} timed out {who}: no REPLCONF ACK for repl-timeout",
                "The replica sent no acknowledgement for `repl-timeout` seconds, so the "
                "master dropped it: the replica was stopped or overloaded, or the network "
                "stalled. Look at the replica's host at that time; raise `repl-timeout` "
                "if such stalls are expected.",
                "repl-timeout",
                node,
            )
            findings.append(
                _fix(finding, "find what stalled the replica then (or raise `repl-timeout`)")
            )
    for variant, group in ctx.notables.variants(kinds.MASTER_LINK_ERROR):
        if variant != "timeout":
            continue
        node = ctx.node_of(group.source)
        findings.append(
            _fix(
                group_finding(
                    group,
                    "repl-timeout-connect",
                    f"{node}'s connect to its master waited the whole repl-timeout",
                    "The TCP connect to the master neither succeeded nor failed for "
                    "`repl-timeout` seconds ('Timeout connecting to the MASTER...'): "
                    "packets are dropped on the way (a firewall, a security group, a "
                    "wrong address that routes nowhere) or the master host is down. "
                    "Check the `replicaof` address and that the master's port is "
                    "reachable from the replica's host.",
                    "replicaof",
                    node,
                ),
                "make the master's address and port reachable from the replica",
            )
        )
    return findings


_NONE = Moments(())
_FLAGS = re.compile(r"\bflags=(\S*)")


def _host(address: str) -> str:
    return address.rsplit(":", 1)[0] if ":" in address else address


def _fix(finding: Finding, fix: str) -> Finding:
    return replace(finding, fix=fix)


def transfer_failures(ctx: Context) -> list[Finding]:
    """The master's data could not be received or loaded, for a reason other than the
    replica's disk (that one is :func:`~replwatch.report.rules_disk.replica_rdb`)."""
    from replwatch.report.rules_disk import is_disk_error

    by_node: dict[str, list[tuple[str, NotableGroup]]] = {}
    # a replica that cannot read the RDB's format says so first (rdb-version)
    unreadable = {g.source for g in ctx.notables.of_kind(kinds.RDB_LOAD_FAILED)}
    for error, group in ctx.notables.variants(kinds.SYNC_FAILED):
        if group.source in unreadable and "load" in error:
            continue
        if not is_disk_error(error):
            by_node.setdefault(ctx.node_of(group.source), []).append((error, group))
    findings = []
    for node, entries in sorted(by_node.items()):
        errors = sorted({e for e, _g in entries if e})
        first = min((g for _e, g in entries), key=lambda g: g.first[0].ts or "")
        finding = group_finding(
            first,
            "sync-transfer",
            f"{node}: receiving or loading the master's data failed"
            + (f" ({'; '.join(errors[:3])})" if errors else ""),
            "The full resync's RDB could not be received or loaded. Look at the "
            "network between the two (a transfer cut in the middle), memory of the "
            "replica, and consider `repl-diskless-sync` / `repl-diskless-load`.",
            "repl-diskless-sync",
            node,
        )
        findings.append(
            replace(
                finding,
                evidence=tuple(sorted({ev for _e, g in entries for ev in g.evidence})),
                count=sum(g.count for _e, g in entries),
            )
        )
    return findings
