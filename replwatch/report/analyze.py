"""One streaming pass over the merged logs feeds every collector of the report.

Memory stays bounded by what happened (sessions, state changes, a few cited lines
per kind), not by how long the logs are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from replwatch.events import AnyEvent, parse_ts
from replwatch.report.backlog import BacklogGaps
from replwatch.report.failovers import build_failovers
from replwatch.report.findings import find_all
from replwatch.report.links import SessionFolder, build_links
from replwatch.report.model import Finding, Report
from replwatch.report.nodes import NodeScanner, segment_base
from replwatch.report.notables import Notables
from replwatch.report.persistence import PersistenceScanner
from replwatch.report.sentinel_scan import SentinelScanner
from replwatch.report.summary import summarize
from replwatch.report.unread import UnreadCounter
from replwatch.timeline.links import LinkTimeline
from replwatch.timeline.master_sessions import MasterSessionTracker
from replwatch.timeline.merge import merge_events
from replwatch.timeline.sessions import SessionTracker, SyncSession

#: A collector's method for one event: the sync sessions it completed, or nothing.
Feed = Callable[[AnyEvent], "list[SyncSession] | None"]
#: Every this many lines (a power of two, minus one) the runs of plain lines kept by
#: the collectors that read every line are read: memory stays bounded.
_CATCH_UP = 4095


#: The collectors of a report, in two parts that read the same lines independently
#: of each other (so each may read them in its own process: report/parallel.py),
#: of about the same cost on a busy log. ``sessions``: the sync sessions of both
#: sides and their folding, the notable lines; ``links``: the nodes, the links'
#: state over time and the other facts the findings read.
SESSIONS = "sessions"
LINKS = "links"
PARTS = (SESSIONS, LINKS)


class Analysis:
    """Every collector of one report: :meth:`read` the merged logs (one streaming
    pass), then :meth:`report`. A part read in another process is given with
    :meth:`take` (what :meth:`part` gave there)."""

    def __init__(self, files: Sequence[str] = ()) -> None:
        self.files = tuple(files)
        # rotated segments of one log (10001.log, 10001.log.1, 10001.log.2.gz) are one node
        segments = {name: segment_base(name) for name in files if segment_base(name) != name}
        self.scanner = NodeScanner()
        self.tracker = SessionTracker(node_of=segments)
        self.master_tracker = MasterSessionTracker()
        self.sessions = SessionFolder()
        self.timeline = LinkTimeline(node_of=segments, peer_name=str)
        self.notables = Notables()
        self.sentinels = SentinelScanner()
        self.unread = UnreadCounter()
        self.persistence = PersistenceScanner()
        self.backlog = BacklogGaps()
        self.count = 0
        self.first_ts: str | None = None
        self.last_ts: str | None = None

    def part(self, name: str) -> tuple[Any, ...]:
        """The collectors of part ``name`` once read (picklable)."""
        if name == SESSIONS:
            return (self.sessions, self.notables)
        return (
            self.scanner,
            self.timeline,
            self.sentinels,
            self.unread,
            self.persistence,
            self.backlog,
        )

    def take(self, name: str, collectors: tuple[Any, ...]) -> None:
        """Use the collectors of part ``name`` read elsewhere (from :meth:`part`)."""
        if name == SESSIONS:
            self.sessions, self.notables = collectors
        else:
            (
                self.scanner,
                self.timeline,
                self.sentinels,
                self.unread,
                self.persistence,
                self.backlog,
            ) = collectors

    def read(
        self,
        streams: Iterable[Iterable[AnyEvent]],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        clock_offsets: Mapping[str, float] | None = None,
        parts: Sequence[str] = PARTS,
    ) -> None:
        """Feed the collectors of ``parts`` with per-file event streams (each in file
        order), merged; count the lines and their first and last time."""
        # Each (file, kind) gets the feeds that read it, once: the collectors that read
        # only a few kinds get only those (most lines are none of them), and the ones
        # that read every line keep the lines they only count or cite in a list, read
        # in runs (catch_up). A feed returns the sessions it completed, or nothing.
        every: tuple[NodeScanner | SessionTracker | MasterSessionTracker, ...] = ()
        feeders: tuple[Callable[[str, str], Feed | None], ...] = ()
        collectors: tuple[Notables | SentinelScanner | UnreadCounter | PersistenceScanner
                          | BacklogGaps, ...] = ()  # fmt: skip
        whole: tuple[Feed, ...] = ()
        if SESSIONS in parts:
            every = (self.tracker, self.master_tracker)
            collectors = (self.notables,)
        if LINKS in parts:
            every += (self.scanner,)
            collectors += (self.sentinels, self.unread, self.persistence, self.backlog)
        feeders = tuple(c.feeder for c in every)
        whole = tuple(c.feed for c in (*every, *collectors))
        if LINKS in parts:
            feeders += (self.timeline.feeder,)
            whole += (self.timeline.feed,)
        tables: dict[str, dict[str, tuple[Feed, ...]]] = {}
        table: dict[str, tuple[Feed, ...]] = {}
        last_source: str | None = None
        add_session = self.sessions.add
        first_ts: str | None = None
        last_ts: str | None = None
        count = 0
        current: datetime | None = None
        first_key = last_key = ""
        window = since is not None or until is not None
        for event in merge_events(streams, clock_offsets=clock_offsets):
            ts = event.ts
            if window:
                current = parse_ts(ts) or current
                if current is not None and (
                    (since is not None and current < since)
                    or (until is not None and current > until)
                ):
                    continue
            count += 1
            if ts:
                # not simply the last line: a signal handler's line can come late with
                # whole-second time (``Received SIGTERM`` after ``bye bye``). The local
                # time is the first 23 characters (an offset is dropped, as parse_ts
                # does), and ISO text of one shape sorts as time does: no parsing here.
                key = ts[:23]
                if not first_key or key < first_key:
                    first_ts, first_key = ts, key
                if key > last_key:
                    last_ts, last_key = ts, key
            source = event.source
            if source is not last_source:
                last_source = source
                known = tables.get(source)
                if known is None:
                    # a file's first line: every collector reads it whole
                    table = tables[source] = {}
                    for feed in whole:
                        done = feed(event)
                        if done:
                            for session in done:
                                add_session(session)
                    continue
                table = known
            kind = event.kind
            feeds = table.get(kind)
            if feeds is None:
                feeds = table[kind] = (
                    *(f for feeder in feeders if (f := feeder(source, kind)) is not None),
                    *(c.feed for c in collectors if kind in c.KINDS),
                )
            for feed in feeds:
                done = feed(event)
                if done:
                    for session in done:
                        add_session(session)
            if not count & _CATCH_UP:
                for c in every:
                    c.catch_up()
        self.count, self.first_ts, self.last_ts = count, first_ts, last_ts
        if LINKS in parts:
            self.scanner.catch_up()
        if SESSIONS in parts:
            for session in (*self.tracker.flush(), *self.master_tracker.flush()):
                add_session(session)

    def report(self) -> Report:
        """The report of what was read."""
        sessions, sentinels, timeline = self.sessions, self.sentinels, self.timeline
        timeline.close(self.last_ts)
        nodes = self.scanner.nodes()
        links = build_links(nodes=nodes, sessions=sessions.entries(), timeline=timeline)
        failovers = build_failovers(scanner=sentinels, nodes=nodes, links=links)
        findings = find_all(
            nodes=nodes,
            links=links,
            notables=self.notables,
            failovers=failovers,
            persistence=self.persistence,
            backlog=self.backlog,
            sentinels=sentinels,
        )
        unread_lines = self.unread.results()
        notes = []
        if sessions.dropped:
            notes.append(f"{sessions.dropped} oldest sync sessions were dropped (memory bound)")
        if sentinels.dropped:
            notes.append(f"{sentinels.dropped} oldest failovers were dropped (memory bound)")
        if timeline.dropped:
            notes.append(
                f"{timeline.dropped} oldest link state changes were dropped (memory bound)"
            )
        return Report(
            files=self.files or tuple(node.source for node in nodes),
            nodes=tuple(nodes),
            links=tuple(links),
            findings=tuple(findings),
            start_ts=self.first_ts,
            end_ts=self.last_ts,
            events=self.count,
            notes=tuple(notes),
            failovers=tuple(failovers),
            unread=unread_lines,
            summary=summarize(
                links=links, findings=findings, unread=unread_lines, failovers=failovers
            ),
        )


def build_report(
    streams: Iterable[Iterable[AnyEvent]],
    *,
    files: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    clock_offsets: Mapping[str, float] | None = None,
) -> Report:
    """Analyse per-file event streams (each in file order) into a :class:`Report`.

    ``since``/``until`` keep only events whose time falls inside (lines without a
    time follow the last time seen). ``clock_offsets`` shifts a source's clock.
    """
    analysis = Analysis(files)
    analysis.read(streams, since=since, until=until, clock_offsets=clock_offsets)
    return analysis.report()


def diagnose(events: Iterable[AnyEvent]) -> list[Finding]:
    """The findings of a time-ordered event stream (of one or many sources), most
    likely cause first: the one entry point for live views (the TUI's findings
    panel). Pure: reads no file and no clock."""
    return list(build_report([events]).findings)
