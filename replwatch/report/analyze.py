"""One streaming pass over the merged logs feeds every collector of the report.

Memory stays bounded by what happened (sessions, state changes, a few cited lines
per kind), not by how long the logs are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

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
    scanner = NodeScanner()
    # rotated segments of one log (10001.log, 10001.log.1, 10001.log.2.gz) are one node
    segments = {name: segment_base(name) for name in files if segment_base(name) != name}
    tracker = SessionTracker(node_of=segments)
    master_tracker = MasterSessionTracker()
    timeline = LinkTimeline(node_of=segments, peer_name=str)
    notables = Notables()
    sessions = SessionFolder()
    sentinels = SentinelScanner()
    unread = UnreadCounter()
    persistence = PersistenceScanner()
    backlog = BacklogGaps()
    # Each (file, kind) gets the feeds that read it, once: the collectors that read
    # only a few kinds get only those (most lines are none of them), and the ones
    # that read every line keep the lines they only count or cite in a list, read
    # in runs (catch_up). A feed returns the sessions it completed, or nothing.
    collectors = (notables, sentinels, unread, persistence, backlog, timeline)
    every = (scanner, tracker, master_tracker)
    whole: tuple[Feed, ...] = tuple(c.feed for c in (*every, *collectors))
    tables: dict[str, dict[str, tuple[Feed, ...]]] = {}
    table: dict[str, tuple[Feed, ...]] = {}
    last_source: str | None = None
    add_session = sessions.add
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
                (since is not None and current < since) or (until is not None and current > until)
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
                *(c.feeder(source, kind) for c in every),
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
    scanner.catch_up()
    for session in (*tracker.flush(), *master_tracker.flush()):
        sessions.add(session)
    timeline.close(last_ts)
    nodes = scanner.nodes()
    links = build_links(nodes=nodes, sessions=sessions.entries(), timeline=timeline)
    failovers = build_failovers(scanner=sentinels, nodes=nodes, links=links)
    findings = find_all(
        nodes=nodes,
        links=links,
        notables=notables,
        failovers=failovers,
        persistence=persistence,
        backlog=backlog,
        sentinels=sentinels,
    )
    unread_lines = unread.results()
    notes = []
    if sessions.dropped:
        notes.append(f"{sessions.dropped} oldest sync sessions were dropped (memory bound)")
    if sentinels.dropped:
        notes.append(f"{sentinels.dropped} oldest failovers were dropped (memory bound)")
    if timeline.dropped:
        notes.append(f"{timeline.dropped} oldest link state changes were dropped (memory bound)")
    return Report(
        files=tuple(files) or tuple(node.source for node in nodes),
        nodes=tuple(nodes),
        links=tuple(links),
        findings=tuple(findings),
        start_ts=first_ts,
        end_ts=last_ts,
        events=count,
        notes=tuple(notes),
        failovers=tuple(failovers),
        unread=unread_lines,
        summary=summarize(links=links, findings=findings, unread=unread_lines, failovers=failovers),
    )


def diagnose(events: Iterable[AnyEvent]) -> list[Finding]:
    """The findings of a time-ordered event stream (of one or many sources), most
    likely cause first: the one entry point for live views (the TUI's findings
    panel). Pure: reads no file and no clock."""
    return list(build_report([events]).findings)
