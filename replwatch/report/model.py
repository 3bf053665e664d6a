"""The report as plain immutable records, so every renderer reads the same facts."""

from __future__ import annotations

from dataclasses import dataclass, field

from replwatch.timeline.links import LinkInterval
from replwatch.timeline.sessions import SyncSession

#: ``(file, line)`` of a log line that shows a fact.
Evidence = tuple[tuple[str, int], ...]


def evidence_text(evidence: Evidence, *, limit: int = 6, strip: str = "") -> str:
    """``a.log:12, b.log:40, ... (+3 more)``: evidence as people cite it.

    ``strip`` is a folder prefix common to every file (see :func:`common_folder`),
    left out so that the file names stay readable.
    """
    shown = [f"{source.removeprefix(strip)}:{line}" for source, line in evidence[:limit]]
    more = len(evidence) - limit
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def common_folder(files: tuple[str, ...] | list[str]) -> str:
    """The folder prefix (with its trailing slash) that every file shares, or ``""``."""
    folders = {f.rsplit("/", 1)[0] + "/" if "/" in f else "" for f in files}
    return folders.pop() if len(folders) == 1 else ""


def observed_text(observer: str) -> str:
    """Whose logs told a link's story (``master``, ``replica``, ``both``), in words:
    ``master's log``, ``master's and replica's logs``."""
    return {"both": "master's and replica's logs"}.get(observer, f"{observer}'s log")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One log file's server: its short name (the port when known) and what it did."""

    name: str
    source: str
    port: str | None
    version: str | None
    roles: tuple[str, ...]
    first_ts: str | None
    last_ts: str | None
    restarts: tuple[tuple[str | None, tuple[str, int], bool], ...]
    """(time, evidence, whether a clean shutdown preceded it) of each restart."""
    replids: tuple[str, ...]
    files: tuple[str, ...] = ()
    """Every file of this node: rotated segments (``10001.log``, ``10001.log.1``,
    ``10001.log.2.gz``) are one node; ``source`` is the first of them."""


def format_seconds(seconds: float | None) -> str:
    """``3.9 s``, ``0.016 s`` (short spans keep their milliseconds), ``?``."""
    if seconds is None:
        return "?"
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds:.3f} s"


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """A sync session, or a run of identical failures folded into one line."""

    session: SyncSession
    repeats: int = 1
    last_ts: str | None = None

    def summary(self) -> str:
        text = self.session.summary()
        if self.repeats > 1:
            text += f" (x{self.repeats}, last at {self.last_ts or '?'})"
        return text


@dataclass(frozen=True, slots=True)
class Outage:
    """The link was up, then lost, until it was up again (``end_ts`` None: never)."""

    start_ts: str | None
    end_ts: str | None
    seconds: float | None
    cause: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class LinkReport:
    """One replication link: master node -> replica node, from whichever logs saw it.

    ``title`` reads like every link replwatch names (``status``, the dashboard):
    ``10000 -> 10001``, master first."""

    replica: str
    master: str
    master_address: str | None
    observed_by: str
    sessions: tuple[SessionEntry, ...]
    outages: tuple[Outage, ...]
    intervals: tuple[LinkInterval, ...]
    counts: dict[str, int] = field(default_factory=dict)
    ended: tuple[str | None, str] | None = None

    @property
    def title(self) -> str:
        return f"{self.master} -> {self.replica}"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something worth a person's attention, with why and which setting to look at."""

    code: str
    severity: str
    title: str
    explanation: str
    setting: str | None
    node: str | None
    ts: str | None
    evidence: Evidence
    count: int = 1
    rank: int = 50
    """How likely this caused the rest: 0 a root cause in one error line (a refused
    password, a full disk), higher for consequences (a link down, a full resync).
    Findings are listed by rank, then time (see :mod:`~replwatch.report.ranking`)."""
    fix: str | None = None
    """What to change, in one sentence, for the summary at the top of the report."""


@dataclass(frozen=True, slots=True)
class UnreadLines:
    """Lines of one file the report could not read: malformed (not a log line) or
    unrecognized (a log line no grammar rule knows). Findings may hide in them."""

    source: str
    malformed: int
    unrecognized: int
    examples: tuple[tuple[int, str], ...]
    """(line number, message) of the first few, to show what was not understood."""

    @property
    def total(self) -> int:
        return self.malformed + self.unrecognized


@dataclass(frozen=True, slots=True)
class FailoverStep:
    """One moment of a failover, told in operator terms, with the lines that show it."""

    ts: str | None
    text: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Failover:
    """A monitored master went down and (usually) Sentinel replaced it.

    ``outcome``: ``switched``, ``aborted`` (Sentinel gave up: ``end_event`` says why),
    ``recovered`` (the master came back before a switch) or ``unfinished``. Node names
    are the report's node names when the logs include that node, else addresses.
    """

    master_name: str
    old_master: str
    new_master: str | None
    outcome: str
    end_event: str | None
    lost_ts: str | None
    """When the master was lost: its replicas' links broke, else the first ``+sdown``."""
    lost_seen_by: str
    """``replicas`` (their logs show the link break) or ``sentinel`` (first ``+sdown``,
    which comes ``down-after-milliseconds`` after the master stopped answering)."""
    switch_ts: str | None
    """The first ``+switch-master``: when Sentinel clients learn the new address."""
    writable_ts: str | None
    """The new master's ``MASTER MODE enabled`` (needs its log)."""
    no_master_seconds: float | None
    sentinels_down: int
    sentinels: int
    agreed: int | None
    quorum: int | None
    leader: str | None
    old_master_back_ts: str | None
    old_master_resync: str | None
    """``full`` / ``partial`` / None: how the old master resynced as a replica."""
    requested: bool
    """SENTINEL FAILOVER (the master was up): then there is no master-less window but
    the old master stays a master until Sentinel converts it."""
    steps: tuple[FailoverStep, ...]
    evidence: Evidence
    odown: bool = False
    """Whether a ``+odown`` line is in the logs: only then did the quorum agree."""

    @property
    def title(self) -> str:
        new = self.new_master or "?"
        how = f"requested, {self.outcome}" if self.requested else self.outcome
        return f"{self.master_name}: {self.old_master} -> {new} ({how})"


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``replwatch report`` found in a set of logs."""

    files: tuple[str, ...]
    nodes: tuple[NodeInfo, ...]
    links: tuple[LinkReport, ...]
    findings: tuple[Finding, ...]
    start_ts: str | None
    end_ts: str | None
    events: int
    notes: tuple[str, ...] = ()
    failovers: tuple[Failover, ...] = ()
    unread: tuple[UnreadLines, ...] = ()
    """Per file with lines the report could not read (files without any are left out)."""
    summary: tuple[str, ...] = ()
    """A few lines for the top of the report: what happened, to which link, the root
    cause and what to change (see :mod:`~replwatch.report.summary`)."""
