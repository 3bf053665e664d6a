"""Findings about Sentinel failovers: what happened, how long writes had no master."""

from __future__ import annotations

from replwatch.events import seconds_between
from replwatch.report.context import INFO, WARNING, Context
from replwatch.report.model import Failover, Finding, format_seconds


def failovers(ctx: Context) -> list[Finding]:
    """One finding per failover story (see :mod:`~replwatch.report.failovers`)."""
    return [_finding(failover) for failover in ctx.failovers]


def _finding(f: Failover) -> Finding:
    if f.outcome == "switched" and f.requested:
        title = (
            f"SENTINEL FAILOVER of {f.master_name}: {f.old_master} -> {f.new_master} "
            "(requested, the master was up)"
        )
        setting = None
        severity = INFO
    elif f.outcome == "switched":
        gap = f" ({format_seconds(f.no_master_seconds)} without a master)"
        title = f"Sentinel failed over {f.master_name}: {f.old_master} -> {f.new_master}"
        title += gap if f.no_master_seconds is not None else ""
        setting = "sentinel down-after-milliseconds"
        severity = WARNING
    elif f.outcome == "aborted":
        title = f"Sentinel could not fail over {f.master_name} ({f.old_master}): {f.end_event}"
        setting = "replica-priority"
        severity = WARNING
    elif f.outcome == "recovered":
        title = f"{f.master_name} master {f.old_master} was briefly down for Sentinel"
        setting = "sentinel down-after-milliseconds"
        severity = INFO
    elif f.requested:
        title = (
            f"SENTINEL FAILOVER of {f.master_name} ({f.old_master}) was requested; "
            "no switch in these logs"
        )
        setting = None
        severity = INFO
    else:
        title = f"{f.master_name} master {f.old_master} went down; no switch in these logs"
        setting = None
        severity = WARNING
    return Finding(
        "failover",
        severity,
        title,
        _explain(f),
        setting,
        f.new_master or f.old_master,
        f.lost_ts,
        f.evidence,
    )


def _explain(f: Failover) -> str:
    if f.requested:
        return _explain_requested(f)
    parts = []
    if f.lost_seen_by == "replicas":
        lost = f"{f.old_master} was lost at {f.lost_ts or '?'} (its replicas' links broke)"
    else:
        lost = (
            f"A Sentinel first saw {f.old_master} down at {f.lost_ts or '?'} (+sdown; the "
            "master stopped answering up to down-after-milliseconds before, so times from "
            "here are lower bounds)"
        )
    if not f.odown:
        agreed = "no +odown line is in these logs, so whether the quorum agreed is not shown"
    elif f.agreed:
        agreed = f"{f.agreed} Sentinels agreed it was down"
    else:
        agreed = "the quorum agreed it was down (+odown)"
    parts.append(f"{lost}; {agreed} (quorum {f.quorum or '?'}).")
    if f.outcome == "switched":
        leader = f"{f.leader}, elected leader," if f.leader else "The leader"
        promoted = f"promoted {f.new_master}" if f.new_master else "promoted a replica"
        parts.append(f"{leader} {promoted}.")
        if f.writable_ts:
            parts.append(
                f"It accepted writes from {f.writable_ts}: "
                f"{format_seconds(f.no_master_seconds)} without any master."
            )
        if f.switch_ts:
            after = _since(f, f.switch_ts)
            parts.append(
                f"Sentinel announced the new master (+switch-master) at {f.switch_ts}{after}; "
                "clients that ask Sentinel for the master reach it from then on, writes sent "
                "to the old address meanwhile failed."
            )
        if f.old_master_back_ts:
            how = f" with a {f.old_master_resync} resync" if f.old_master_resync else ""
            parts.append(f"{f.old_master} came back as a replica{how} ({f.old_master_back_ts}).")
        if f.old_master_resync == "full":
            parts.append(
                f"Writes {f.old_master} took that had not reached a replica before it died "
                "are gone: it threw its data away for the new master's."
            )
        parts.append(
            "Failover time is mostly `down-after-milliseconds` (how long Sentinel waits "
            "before it calls a master down) plus the election; lower it only as far as "
            "network hiccups allow."
        )
    elif f.outcome == "aborted":
        parts.append(
            "Sentinel found no replica it could promote in time: check that replicas are "
            "up, linked, not `replica-priority 0`, and that a majority of Sentinels can vote."
        )
    elif f.outcome == "recovered":
        parts.append("It answered again before a failover started; no switch was needed.")
    return " ".join(parts)


def _since(f: Failover, ts: str) -> str:
    gap = seconds_between(f.lost_ts, ts) if f.lost_ts else None
    return f", {format_seconds(gap)} after the loss" if gap is not None else ""


def _explain_requested(f: Failover) -> str:
    """SENTINEL FAILOVER: no outage, but the old master lingers as a second master."""
    leader = f.leader or "A Sentinel"
    parts = [
        f"Someone ran SENTINEL FAILOVER: {leader} promoted {f.new_master} while "
        f"{f.old_master} was healthy"
        + (f", and announced it (+switch-master) at {f.switch_ts}." if f.switch_ts else ".")
    ]
    parts.append(
        f"Sentinel does not demote {f.old_master} at once: it stays a master until "
        "Sentinel sees it and converts it (+convert-to-slave, seconds later). Clients "
        "still connected to it keep writing there, and those writes are lost when it "
        "resyncs; clients should follow Sentinel's +switch-master."
    )
    if f.old_master_resync:
        parts.append(f"{f.old_master} rejoined with a {f.old_master_resync} resync.")
    return " ".join(parts)
