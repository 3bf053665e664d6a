"""What every findings rule reads, and the small helpers rules share."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from replwatch.events import parse_ts
from replwatch.report.backlog import BacklogGaps
from replwatch.report.model import Failover, Finding, LinkReport, NodeInfo
from replwatch.report.notables import NotableGroup, Notables
from replwatch.report.persistence import PersistenceScanner
from replwatch.report.sentinel_scan import SentinelScanner
from replwatch.timeline.sessions import SyncSession

WARNING = "warning"
INFO = "info"


@dataclass(frozen=True, slots=True)
class Context:
    """What every rule may read."""

    nodes: Sequence[NodeInfo]
    links: Sequence[LinkReport]
    notables: Notables
    failovers: Sequence[Failover] = ()
    persistence: PersistenceScanner = field(default_factory=PersistenceScanner)
    backlog: BacklogGaps = field(default_factory=BacklogGaps)
    sentinels: SentinelScanner = field(default_factory=SentinelScanner)

    def node_of(self, source: str) -> str:
        for node in self.nodes:
            if node.source == source or source in node.files:
                return node.name
        return source

    def node_info(self, name: str) -> NodeInfo | None:
        return next((node for node in self.nodes if node.name == name), None)

    def sessions_of(self, replica: str) -> list[SyncSession]:
        return [
            entry.session
            for link in self.links
            if link.replica == replica
            for entry in link.sessions
        ]


Rule = Callable[[Context], list[Finding]]


def first_ts(group: NotableGroup) -> str | None:
    return group.first[0].ts if group.first else None


def group_finding(
    group: NotableGroup,
    code: str,
    title: str,
    explanation: str,
    setting: str | None,
    node: str | None,
    *,
    severity: str = WARNING,
) -> Finding:
    """A finding about a run of notable lines of one kind: it dates from the first
    line, cites the group's lines and counts them, as every such rule does."""
    return Finding(
        code,
        severity,
        title,
        explanation,
        setting,
        node,
        first_ts(group),
        group.evidence,
        group.count,
    )


class Moments:
    """Times sorted once, so that "soon after one of them?" is a binary search, not a
    scan of all of them per question (a node restarted 5,000 times in a long log)."""

    def __init__(self, moments: Iterable[str | None]) -> None:
        self._sorted = sorted(m for m in (parse_ts(t) for t in moments) if m is not None)

    def soon_before(self, ts: str | None, *, within: float = 60.0) -> bool:
        """True when ``ts`` falls less than ``within`` seconds after one of them."""
        moment = parse_ts(ts)
        if moment is None or not self._sorted:
            return False
        index = bisect_right(self._sorted, moment)
        return index > 0 and (moment - self._sorted[index - 1]).total_seconds() <= within


def soon_after(moments: Sequence[str], ts: str | None, *, within: float = 60.0) -> bool:
    """True when ``ts`` falls less than ``within`` seconds after one of ``moments``."""
    return Moments(moments).soon_before(ts, within=within)


def recovered_after(ctx: Context, replica: str, ts: str | None) -> SyncSession | None:
    """The first successful sync of ``replica`` after ``ts``, if any."""
    for session in ctx.sessions_of(replica):
        if session.outcome == "success" and (ts is None or (session.start_ts or "") >= ts):
            return session
    return None


def has_psync2(version: str | None) -> bool | None:
    """Whether a server of ``version`` (``2.8.24``, ``2.x``, ``7.2.7``) has PSYNC2.

    Redis 4.0 brought PSYNC2: a replica keeps its replication id and offset in its RDB
    and resumes from them after a restart. Before, a restarted replica always takes a
    full copy. ``None`` when the version is unknown. Every Valkey is 7.2 or later.
    """
    major = (version or "").split(".", 1)[0]
    return int(major) >= 4 if major.isdigit() else None


def is_auth_error(text: str) -> bool:
    upper = text.upper()
    return any(
        w in upper
        for w in ("NOAUTH", "WRONGPASS", "INVALID PASSWORD", "AUTHENTICATION", "NOPERM",
                  "OPERATION NOT PERMITTED", "WITHOUT ANY PASSWORD", "NO PASSWORD IS SET")
    )  # fmt: skip
