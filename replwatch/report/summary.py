"""The first lines of the report: what happened, to which link, why, what to change.

An operator decides from the first screen whether the report can be trusted. So
the summary says only what the findings and links below show: the link that
suffered most, the most likely cause (the first finding, see
:mod:`~replwatch.report.ranking`) and its fix, how many lines were not read (a
cause may hide in them), and "every link synced and stayed up" only when that is
true of every link and every line was read.
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.report.model import (
    Failover,
    Finding,
    LinkReport,
    UnreadLines,
    format_seconds,
)
from replwatch.report.ranking import CAUSE_RANK

#: Links named in the "what happened" line; the rest are counted.
MAX_LINKS = 3


def link_trouble(link: LinkReport) -> str | None:
    """What went wrong on ``link`` in a few words, or None when nothing did."""
    c = link.counts
    parts = []
    if link.outages:
        longest = max((o.seconds for o in link.outages if o.seconds is not None), default=None)
        still = any(o.end_ts is None for o in link.outages)
        how_long = f", longest {format_seconds(longest)}" if longest is not None else ""
        parts.append(
            f"lost {len(link.outages)} time(s){how_long}"
            + (", still down at the end" if still else "")
        )
    if c.get("failed_attempts"):
        parts.append(f"{c['failed_attempts']} failed sync attempt(s)")
    if c.get("full_syncs", 0) > 1:
        parts.append(f"{c['full_syncs']} full resyncs")
    if not parts and not c.get("full_syncs") and not c.get("partial_syncs"):
        parts.append("never synced" if link.sessions else "no sync seen")
    return f"{link.title}: " + ", ".join(parts) if parts else None


def healthy(
    links: Sequence[LinkReport], findings: Sequence[Finding], unread: Sequence[UnreadLines]
) -> bool:
    """True only when there are links, every one synced and stayed up, no finding
    warns, and every line was read."""
    return (
        bool(links)
        and not unread
        and not any(f.severity == "warning" for f in findings)
        and all(link_trouble(link) is None for link in links)
    )


def summarize(
    *,
    links: Sequence[LinkReport],
    findings: Sequence[Finding],
    unread: Sequence[UnreadLines],
    failovers: Sequence[Failover] = (),
) -> tuple[str, ...]:
    """A few lines for the top of the report (each a sentence, no wrapping)."""
    out: list[str] = []
    troubles = [t for link in links if (t := link_trouble(link))]
    lost = [f for f in findings if f.code == "link-down" and f.title.startswith("? -> ")]
    troubles.extend(f.title for f in lost)
    if troubles:
        more = len(troubles) - MAX_LINKS
        out.append(
            "What happened: "
            + "; ".join(troubles[:MAX_LINKS])
            + (f"; and {more} more link(s)" if more > 0 else "")
            + "."
        )
    for failover in [f for f in failovers if f.outcome != "unfinished" or f.requested][:2]:
        out.append(f"Failover: {failover.title}.")
    # a FAILOVER, REPLICAOF or promotion someone asked for explains the breaks it makes
    on_purpose = [f.title for f in findings if f.code == "role-change"]
    if on_purpose:
        extra = f"; and {len(on_purpose) - 2} more" if len(on_purpose) > 2 else ""
        out.append("Changed on purpose: " + "; ".join(on_purpose[:2]) + extra + ".")
    causes = [f for f in findings if f.rank < CAUSE_RANK]
    if causes:
        top = causes[0]
        where = f" ({top.node})" if top.node and top.node not in top.title else ""
        out.append(f"Most likely cause: {top.title}{where}.")
        if top.fix or top.setting:
            out.append(f"What to change: {top.fix or f'look at `{top.setting}`'}.")
        others = [f.title for f in causes[1:3] if f.code != top.code]
        if others:
            out.append("Also: " + "; ".join(others) + ".")
    elif warnings := [f for f in findings if f.severity == "warning"]:
        out.append(
            f"No line in these logs says why; the main finding: {warnings[0].title}. "
            "The other side's log may tell more."
        )
        if warnings[0].fix or warnings[0].setting:
            out.append(f"What to look at: {warnings[0].fix or f'`{warnings[0].setting}`'}.")
    if unread:
        total = sum(u.total for u in unread)
        files = ", ".join(f"{u.source.rsplit('/', 1)[-1]} {u.total}" for u in unread[:4])
        out.append(
            f"Not read: {total} line(s) no rule understood ({files}); a cause may hide "
            "in them (see 'Unread lines')."
        )
    if not links and not failovers and not lost:
        out.append("No replication link appears in these logs.")
    elif healthy(links, findings, unread):
        out.append("Every link synced and stayed up in these logs.")
    return tuple(out)
