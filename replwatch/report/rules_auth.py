"""Findings about a replica that cannot authenticate to its master, or may not sync.

The master's refusal reaches the replica's log in several lines, by version and by
step of the handshake: ``MASTER aborted replication with an error: NOAUTH ...``,
``Unable to AUTH to MASTER: -WRONGPASS ...``, a ``-NOAUTH`` answer to ``REPLCONF``
(``(Non critical) Master does not understand REPLCONF listening-port: -NOAUTH ...``)
or to ``PSYNC`` (``Unexpected reply to PSYNC from master: -NOAUTH ...``), and with
ACL users a ``-NOPERM User repl has no permissions to run the 'psync' command``.
Three different fixes: set ``masterauth`` (none was sent), correct it (a wrong
one), or grant the ``masteruser`` the rights replication needs.

The other way round, a replica that sends ``masterauth`` to a master without a
password is turned away too (``Unable to AUTH to MASTER: -ERR AUTH <password> called
without any password configured for the default user``; before Redis 6 ``-ERR Client
sent AUTH, but no password is set``). That is what a failover does to the seed's
layout, where only the master has ``requirepass``: the promoted replica has none. The
logs show only this consequence: no line says that a replica has no password while it
is one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from replwatch import kinds
from replwatch.events import AnyEvent
from replwatch.report.context import Context, group_finding, recovered_after
from replwatch.report.model import Finding
from replwatch.report.notables import NotableGroup

_KINDS = (
    kinds.MASTER_AUTH_FAILED,
    kinds.MASTER_LINK_ERROR,
    kinds.REPLICA_HANDSHAKE,
    kinds.PSYNC_IMPOSSIBLE,
)
_COMMAND = re.compile(r"to run the '([a-z|]+)' command", re.IGNORECASE)
#: What a replication user needs (Redis 6+ ACLs).
REPLICATION_RIGHTS = "+psync +replconf +ping"


def _category(error: str) -> str | None:
    upper = error.upper()
    if "WITHOUT ANY PASSWORD CONFIGURED" in upper or "NO PASSWORD IS SET" in upper:
        return "unneeded"
    if "NOPERM" in upper:
        return "acl"
    if "NOAUTH" in upper or "OPERATION NOT PERMITTED" in upper:
        return "missing"
    if any(w in upper for w in ("WRONGPASS", "INVALID PASSWORD", "INVALID USERNAME")):
        return "wrong"
    return None


def auth_failures(ctx: Context) -> list[Finding]:
    """One finding per replica and kind of refusal: no password, a wrong one, an
    ACL user without the rights to replicate, or a password the master has not."""
    by_node: dict[tuple[str, str], list[tuple[str, AnyEvent, NotableGroup]]] = {}
    for group in ctx.notables.of_kind(*_KINDS):
        for event in group.events:
            error = str(event.fields.get("error") or event.message)
            category = _category(error)
            if category is not None:
                key = (ctx.node_of(group.source), category)
                by_node.setdefault(key, []).append((error, event, group))
    findings = []
    for (node, category), entries in sorted(by_node.items()):
        error, _first, group = min(entries, key=lambda e: e[1].ts or "")
        evidence = tuple(sorted({(e.source, e.line) for _x, e, _g in entries if e.line}))
        count = _count(entries, category)
        last = max((e.ts or "" for _x, e, _g in entries), default="") or None
        fixed = recovered_after(ctx, node, last)
        after = (
            f" It synced at {fixed.end_ts} after the setting was fixed."
            if fixed is not None
            else " The replica never synced after that in these logs."
        )
        if category == "acl":
            commands = sorted(
                {m.group(1).lower() for x, _e, _g in entries if (m := _COMMAND.search(x))}
            )
            missing = ", ".join(f"+{c}" for c in commands) or REPLICATION_RIGHTS
            title = f"{node}'s replication user (masteruser) lacks ACL rights: {missing}"
            why = (
                "The replica authenticates as an ACL user (`masteruser`) that the master "
                f"does not allow to replicate ('{error}'). A replication user needs "
                f"`{REPLICATION_RIGHTS}` (e.g. `ACL SETUSER <masteruser> on >pass "
                f"{REPLICATION_RIGHTS}`)."
            )
            fix = f"grant the master's ACL user `masteruser` {REPLICATION_RIGHTS}"
            code, setting = "acl-masteruser", "masteruser"
        elif category == "unneeded":
            title = f"{node} sends a password (masterauth) but its master has none (requirepass)"
            why = (
                "The master has no `requirepass`, so it refuses the replica's AUTH "
                f"('{error}') and the replica gives up every sync attempt. This is what a "
                "failover does when only the old master had a password (as in the seed's "
                "layout): the promoted replica has none, was readable by anyone before, "
                "and now turns away the other replicas and the old master."
            )
            fix = (
                "set `requirepass` on the master (and on every replica that may be "
                "promoted) to the replicas' `masterauth`"
            )
            code, setting = "requirepass", "requirepass"
        elif category == "missing":
            title = f"{node} sends no password but its master requires one (masterauth)"
            why = (
                "The master has `requirepass` (or an ACL user) set and this replica does "
                f"not authenticate, so the master refuses every sync attempt ('{error}'). "
                "Set `masterauth` (and `masteruser` with ACLs) on the replica to the "
                "master's password."
            )
            fix = "set `masterauth` on the replica to the master's password"
            code, setting = "masterauth", "masterauth"
        else:
            title = f"{node} uses a wrong password for its master (masterauth)"
            why = (
                "The replica authenticates but the master rejects the password "
                f"('{error}'). `masterauth` on the replica must equal the master's "
                "`requirepass` (or the password of `masteruser`)."
            )
            fix = "correct `masterauth` (and `masteruser`) on the replica"
            code, setting = "masterauth", "masterauth"
        finding = group_finding(group, code, title, why + after, setting, node)
        findings.append(replace(finding, evidence=evidence, count=count, fix=fix))
    return findings


def _count(entries: list[tuple[str, AnyEvent, NotableGroup]], category: str) -> int:
    """How many refusals of ``category``: a group whose kept lines are all of it
    counts whole (one refusal looping), a mixed group only its matching kept lines."""
    total = 0
    for group in {id(g): g for _x, _e, g in entries}.values():
        kept = [_category(str(e.fields.get("error") or e.message)) for e in group.events]
        if all(c == category for c in kept):
            total += group.count
        else:
            total += sum(1 for c in kept if c == category)
    return total
