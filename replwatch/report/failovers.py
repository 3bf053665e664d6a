"""The story of each failover: from the master's loss to its return as a replica.

Built from :class:`~replwatch.report.sentinel_scan.SentinelScanner` facts plus what
the data nodes' logs and sync sessions say. Every step names nodes the way the rest
of the report does (a Sentinel by its port, a data node by its port), so a reader
can follow one node through the links and findings. With only a Sentinel's log the
steps still come out, with addresses and Sentinel's view of the times; each extra
log adds the moments only it knows (when the replicas lost the master, when the new
master accepted writes, how each replica resynced).
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.events import seconds_between
from replwatch.report.failover_names import Names
from replwatch.report.failover_replicas import old_master_return, other_replica_steps
from replwatch.report.model import Failover, FailoverStep, LinkReport, NodeInfo
from replwatch.report.sentinel_scan import Episode, Fact, SentinelScanner

#: a replica's lost link counts as "the master died" when it is this close before +sdown
_LOSS_WINDOW = 300.0


def build_failovers(
    *, scanner: SentinelScanner, nodes: Sequence[NodeInfo], links: Sequence[LinkReport]
) -> list[Failover]:
    """One :class:`Failover` per master loss Sentinel logged, oldest first."""
    names = Names(nodes, scanner)
    return [_failover(e, names, scanner, nodes, links) for e in scanner.episodes]


def _failover(
    episode: Episode,
    names: Names,
    scanner: SentinelScanner,
    nodes: Sequence[NodeInfo],
    links: Sequence[LinkReport],
) -> Failover:
    old, new = names.node(episode.old), names.node(episode.new) if episode.new else None
    steps: list[FailoverStep] = []
    first_sdown, switch = episode.first_sdown, episode.switch_fact
    requested = episode.requested
    anchor = (
        first_sdown[0]
        if first_sdown
        else requested[0]
        if requested
        else switch[0]
        if switch
        else None
    )
    if requested is not None:
        steps.append(
            FailoverStep(
                requested[0],
                f"SENTINEL FAILOVER {episode.master_name} requested on "
                f"{names.sentinel(requested[1])} while {old} was up",
                (requested[2],),
            )
        )
    lost = None if requested else _master_lost(episode, scanner, names, anchor)
    if lost is not None:
        ts, replicas, evidence = lost
        steps.append(
            FailoverStep(ts, f"{old} lost: {', '.join(replicas)} lost their link", evidence)
        )

    sentinels = max(len(names.sentinels), episode.agreed or 0, len(episode.sdown))
    if first_sdown is not None:
        who = ", ".join(names.sentinel(src) for src in _by_time(episode.sdown))
        steps.append(
            FailoverStep(
                first_sdown[0],
                f"+sdown: {old} subjectively down for {who} "
                f"({len(episode.sdown)} of the {sentinels} Sentinels; logs of the others "
                "are not here)"
                if len(episode.sdown) < sentinels
                else f"+sdown: all {sentinels} Sentinels saw {old} down ({who})",
                tuple(f[2] for f in episode.sdown.values()),
            )
        )
    quorum = episode.quorum or scanner.monitor_quorum.get(episode.master_name)
    if episode.odown:
        agreed = f"{episode.agreed} Sentinels agreed" if episode.agreed else "quorum reached"
        steps.append(
            FailoverStep(
                episode.odown[0][0],
                f"+odown: {old} objectively down, {agreed} (quorum {quorum or '?'})",
                (episode.odown[0][2],),
            )
        )
    leader = _leader(episode, names)
    if episode.try_failover or episode.elected:
        fact = episode.elected or episode.try_failover
        assert fact is not None
        voters = sorted(
            {names.sentinel(v) for v, ld in episode.votes.items() if names.sentinel(ld) == leader}
        )
        votes = f", votes from {', '.join(voters)}" if voters else ""
        epoch = f" for epoch {episode.epoch}" if episode.epoch is not None else ""
        steps.append(
            FailoverStep(fact[0], f"{leader} elected failover leader{epoch}{votes}", (fact[2],))
        )
    if episode.selected:
        peer, fact = episode.selected
        steps.append(
            FailoverStep(fact[0], f"{leader} selected {names.node(peer)} to promote", (fact[2],))
        )
    writable = _writable(episode, scanner, names, new, lost[0] if lost else anchor)
    if writable is not None:
        steps.append(
            FailoverStep(writable[0], f"{new} MASTER MODE enabled: accepts writes", (writable[2],))
        )
    if episode.promoted:
        peer, fact = episode.promoted
        steps.append(
            FailoverStep(
                fact[0], f"+promoted-slave: {names.node(peer)} now reports role master", (fact[2],)
            )
        )
    if switch is not None:
        steps.append(
            FailoverStep(
                switch[0],
                f"+switch-master: Sentinels now give {_both(episode.new, new)} as master of "
                f"{episode.master_name}; clients asking Sentinel move there",
                tuple(f[2] for f in episode.switch[:3]),
            )
        )
    steps.extend(other_replica_steps(episode, scanner, names, links, new, old))
    if episode.end is not None:
        what, fact = episode.end
        steps.append(FailoverStep(fact[0], _end_text(what), (fact[2],)))
    if episode.recovered is not None:
        fact = episode.recovered
        steps.append(
            FailoverStep(fact[0], f"-sdown: {old} answered again before any switch", (fact[2],))
        )
    back_ts, resync, back_steps = old_master_return(episode, names, nodes, links, old, new, anchor)
    steps.extend(back_steps)

    lost_ts = lost[0] if lost else None if requested else anchor
    until = writable[0] if writable else switch[0] if switch else None
    steps.sort(key=lambda s: s.ts or "")
    return Failover(
        master_name=episode.master_name,
        old_master=old,
        new_master=new,
        outcome=_outcome(episode),
        end_event=episode.end[0] if episode.end else None,
        lost_ts=lost_ts,
        lost_seen_by="replicas" if lost else "sentinel",
        switch_ts=switch[0] if switch else None,
        writable_ts=writable[0] if writable else None,
        no_master_seconds=seconds_between(lost_ts, until) if until and lost_ts else None,
        requested=requested is not None,
        sentinels_down=len(episode.sdown),
        sentinels=sentinels,
        agreed=episode.agreed,
        quorum=quorum,
        leader=leader,
        old_master_back_ts=back_ts,
        old_master_resync=resync,
        steps=tuple(steps),
        evidence=tuple(ev for step in steps for ev in step.evidence[:1]),
        odown=bool(episode.odown),
    )


def _both(address: str | None, name: str | None) -> str:
    return f"{address} ({name})" if name and name != address else str(address)


def _by_time(facts: dict[str, Fact]) -> list[str]:
    return sorted(facts, key=lambda key: facts[key][0] or "")


def _outcome(episode: Episode) -> str:
    if episode.end is not None and episode.end[0].startswith("-failover-abort"):
        return "aborted"
    if episode.switch:
        return "switched"
    if episode.recovered is not None:
        return "recovered"
    return "unfinished"


def _end_text(what: str) -> str:
    if what == "+failover-end":
        return "+failover-end: the leader finished reconfiguring the replicas"
    if what == "+failover-end-for-timeout":
        return "+failover-end-for-timeout: not every replica was reconfigured in failover-timeout"
    reasons = {
        "-failover-abort-no-good-slave": "no replica was fit to promote",
        "-failover-abort-not-elected": "the Sentinel was not elected leader",
        "-failover-abort-slave-timeout": "the selected replica did not turn master in time",
    }
    return f"{what}: failover aborted ({reasons.get(what, 'see the Sentinel log')})"


def _leader(episode: Episode, names: Names) -> str | None:
    fact = episode.elected or episode.try_failover
    if fact is not None:
        return names.sentinel(fact[1])
    tally: dict[str, int] = {}
    for choice in episode.votes.values():
        tally[names.sentinel(choice)] = tally.get(names.sentinel(choice), 0) + 1
    return max(tally, key=lambda k: tally[k]) if tally else None


def _master_lost(
    episode: Episode, scanner: SentinelScanner, names: Names, anchor: str | None
) -> tuple[str | None, list[str], tuple[tuple[str, int], ...]] | None:
    """The earliest moment replicas of the old master lost their link, near ``anchor``."""
    hits = []
    for source, facts in scanner.nodes.items():
        for ts, master, where in facts.links_lost:
            if master != episode.old:
                continue
            gap = seconds_between(ts, anchor) if anchor else 0.0
            if gap is not None and 0 <= gap <= _LOSS_WINDOW:
                hits.append((ts, names.by_source.get(source, source), where))
                break
    if not hits:
        return None
    hits.sort(key=lambda hit: hit[0] or "")
    return hits[0][0], sorted({h[1] for h in hits}), tuple(h[2] for h in hits)


def _writable(
    episode: Episode, scanner: SentinelScanner, names: Names, new: str | None, since: str | None
) -> Fact | None:
    source = names.source_of(new) if new else None
    if source is None or source not in scanner.nodes:
        return None
    for fact in scanner.nodes[source].master_mode:
        if since is None or (fact[0] or "") >= since:
            return fact
    return None
