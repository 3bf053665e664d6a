"""The dashboard screen: topology, links, Sentinels, lag history, findings, the event feed, notes.

It only shows what it is given: snapshots and events arrive as messages
(:mod:`replwatch.tui.messages`) from whichever source feeds it (live servers, a
demo lab, a recording, a test) or through :meth:`show_snapshot` /
:meth:`show_events`. It keeps them in a :class:`DashboardState` and sets the
widgets' reactives; the app around it owns the keys that are not about the view.

The findings panel shows what ``replwatch report``'s rules make of the log events
read so far (:func:`replwatch.report.diagnose`, the newest events of each log):
run in a thread worker, at most every :data:`DIAGNOSIS_EVERY` seconds (longer
when a diagnosis takes long) and only when log events arrived since the last.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Header

from replwatch.events import Event
from replwatch.report import diagnose
from replwatch.timeline.merge import merge_events
from replwatch.topology.snapshot import NodeState, Snapshot
from replwatch.topology.split_brain import rejoining, split_brains
from replwatch.tui.formatting import short_address
from replwatch.tui.messages import EventsArrived, FindingsReady, Note, SnapshotPolled, SourcesFound
from replwatch.tui.screens.feed_filter import FeedFilter, FeedFilterScreen
from replwatch.tui.screens.node_details import NodeDetailsScreen
from replwatch.tui.state import DashboardState
from replwatch.tui.widgets.event_feed import EventFeed
from replwatch.tui.widgets.findings import FindingsPanel, where
from replwatch.tui.widgets.lag_history import LagHistory
from replwatch.tui.widgets.links_table import LinksTable
from replwatch.tui.widgets.notes import NotesBar
from replwatch.tui.widgets.sentinels import SentinelPanel
from replwatch.tui.widgets.topology import TopologyTree

#: What a node that turned the dashboard away needs, by ``NodeView.auth_problem``:
#: a wrong password must not read as a missing one.
AUTH_NOTES = {
    "noauth": "needs a password (REDISCLI_AUTH, --askpass or -a)",
    "wrongpass": "refused the password (check REDISCLI_AUTH / --askpass / -a, and --user)",
    "noperm": "lets this ACL user not run INFO or ROLE (grant +info +role +ping +config|get)",
}


def open_note(replica: str, master: str) -> str:
    """The notes line on a replica anyone can read (see ``unprotected_replicas``)."""
    return (
        f"{short_address(replica)} has no password while its master "
        f"{short_address(master)} has one: anyone who reaches it reads the data"
    )


#: ``NodeState.password_required`` in the details screen's words.
_PASSWORD_WORDS = {True: "required", False: "none (answers anyone)", None: "not known"}


def details_text(snapshot: Snapshot | None, address: str, last_up: NodeState | None = None) -> str:
    """The node details screen's text: version, status, then every INFO field.

    A node that is down shows what it said the last time it answered.
    """
    node = snapshot.node(address) if snapshot else None
    if node is None:
        return f"{address}: not polled (seen only as the other end of a link)"
    lines = [
        f"address: {node.address}",
        f"status:  {node.status_text}" + (f" ({node.error})" if node.error else ""),
        f"password: {_PASSWORD_WORDS[node.password_required]}",
    ]
    if not node.ok and last_up is not None:
        lines.append("(below: what it said when it last answered)")
        node = last_up
    lines += [
        f"version: {node.version or '?'}",
        f"role:    {node.role or '?'}",
        "",
        "# INFO replication + server",
    ]
    replication = node.replication.to_dict() if node.replication else {}
    raw = dict(node.info)
    if raw:
        lines += [f"{key}:{value}" for key, value in raw.items()]
    else:
        lines += [f"{key}:{value}" for key, value in replication.items()]
    if node.config:
        lines += ["", "# Config"] + [f"{key} {value}" for key, value in node.config.items()]
    return "\n".join(lines)


#: terminals narrower than this show each link's cause on the notes line too
WHY_ON_NOTES_BELOW = 120

#: Seconds between two diagnoses at least (one that took long waits twice its time).
DIAGNOSIS_EVERY = 2.0
#: What the findings panel says before, and after, the first diagnosis finds nothing.
NO_LOGS_YET = "no findings: no log line read yet (findings come from the servers' logs)"
NOTHING_FOUND = "no findings: the logs read so far show nothing the report's rules explain"


class DashboardScreen(Screen[None]):
    """Shows snapshots and events posted to it; knows nothing of where they come from."""

    def __init__(self, *, node_of_source: dict[str, str] | None = None) -> None:
        super().__init__()
        # ``-short`` terminals (24 lines) list one finding until the panel has the focus
        # (set here: Textual's ``ClassVar[...] | None`` reads as an instance variable)
        self.VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
        self.state = DashboardState(node_of_source=node_of_source)
        self.feed_filter = FeedFilter()
        self._pane_sizes: tuple[int, int] = (0, 0)
        # the diagnosis: which log events it has seen, when it may run next
        self._diagnosed_version = 0
        self._diagnosing = False
        self._diagnosis_epoch = 0
        self._next_diagnosis = 0.0
        self._diagnosis_timer: Timer | None = None
        #: diagnoses run so far (the tests count them)
        self.diagnoses = 0
        self._focus_before: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield TopologyTree(id="topology")
            yield LinksTable(id="links")
        yield SentinelPanel(id="sentinels")
        yield LagHistory(id="lag")
        yield FindingsPanel(id="findings")
        yield EventFeed(id="feed")
        yield NotesBar(id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#topology").border_title = "topology"
        self.query_one("#links").border_title = "links"
        self.query_one("#sentinels").border_title = "sentinels"
        self.query_one("#lag").border_title = "lag history"
        self.query_one("#feed").border_title = "events"
        self.query_one(EventFeed).node_of_source = dict(self.state.node_of_source)
        self.query_one(LinksTable).focus()
        self.query_one(FindingsPanel).empty_text = NO_LOGS_YET
        self.watch(self, "focused", self._focus_moved, init=False)

    # -- data in ---------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show one poll round (called for each SnapshotPolled, and by replay)."""
        frame = self.state.apply_snapshot(snapshot)
        self.query_one(TopologyTree).frame = frame
        self.query_one(LinksTable).frame = frame
        self.query_one(SentinelPanel).rows = frame.sentinels
        lag = self.query_one(LagHistory)
        lag.frame = frame
        lag.history = self.state.history()
        self._fit_panes(len(frame.nodes), len(frame.links))
        # On a border, not in the header: a header change re-lays out the whole
        # screen, and this changes with every poll.
        self.query_one(LinksTable).border_subtitle = "polled " + snapshot.ts.replace("T", " ")[:19]
        notes = dict(self.query_one(NotesBar).notes)
        for node in frame.nodes:
            open_key = f"open:{node.address}"
            if node.open_under is not None:
                notes[open_key] = open_note(node.address, node.open_under)
            else:
                notes.pop(open_key, None)
            key = f"node:{node.address}"
            if node.status == "auth":
                hint = AUTH_NOTES.get(node.auth_problem or "noauth", AUTH_NOTES["noauth"])
                notes[key] = f"{node.address} {hint}"
            elif node.status == "down":
                notes[key] = f"{node.address} is down: {node.error or 'no answer'}"
            else:
                notes.pop(key, None)
        # Two masters that are one data set: said until the round that no longer shows it.
        for key in [k for k in notes if k.startswith("split:")]:
            del notes[key]
        for brain in split_brains(snapshot):
            notes[f"split:{brain.label}"] = brain.message
        for key in [k for k in notes if k.startswith("rejoin:")]:
            del notes[key]
        for back in rejoining(snapshot):  # an old master the Sentinels are converting
            notes[f"rejoin:{back.address}"] = back.message
        # The why column is off screen on a narrow terminal: say it on the notes line.
        narrow = self.size.width < WHY_ON_NOTES_BELOW
        for key in [k for k in notes if k.startswith("link:")]:
            del notes[key]
        for link in frame.links:
            if narrow and link.cause and not link.stale:
                notes[f"link:{link.replica}"] = f"{short_address(link.replica)} {link.cause}"
        self.query_one(NotesBar).notes = notes

    def _fit_panes(self, nodes: int, links: int) -> None:
        """Give the top row and the lag history the lines their rows need (borders,
        table header and scrollbar included) and leave the rest to the feed;
        neither takes more than about a third of the screen."""
        third = max(self.size.height // 3, 5)
        top = min(max(nodes + 2, links + 4, 6), third)
        lag = min(max(len(self.state.lag_history), 1) + 2, third - 2)
        sizes = (top, max(lag, 3))
        if sizes != self._pane_sizes:  # setting a height re-lays out the whole screen
            self._pane_sizes = sizes
            self.query_one("#top").styles.height = sizes[0]
            self.query_one("#lag").styles.height = sizes[1]

    def show_events(self, events: Iterable[Event]) -> None:
        """Add events to the feed and let the logs mark link flaps."""
        events = list(events)
        known = len(self.state.node_of_source)
        self.state.apply_events(events)
        feed = self.query_one(EventFeed)
        if len(self.state.node_of_source) != known:
            feed.node_of_source = dict(self.state.node_of_source)
        feed.add_events(events)
        self._show_flaps()
        self._schedule_diagnosis()
        notes = self.query_one(NotesBar).notes
        arrived = {f"log:{e.source}" for e in events if e.line is not None} & set(notes)
        if arrived:  # a log that was missing has appeared
            self.query_one(NotesBar).notes = {k: v for k, v in notes.items() if k not in arrived}

    def _show_flaps(self) -> None:
        flaps = self.state.flaps()
        self.query_one(TopologyTree).flaps = flaps
        table = self.query_one(LinksTable)
        table.flap_spans = self.state.flap_spans()
        table.flaps = flaps

    def reset_view(self) -> None:
        """Forget everything shown (replay jumping back rebuilds from the start)."""
        self.state = DashboardState(node_of_source=self.state.node_of_source)
        self.query_one(EventFeed).clear_events()
        self.query_one(LagHistory).history = {}
        self._show_flaps()
        # a diagnosis under way is of the old view: its result is dropped
        self._diagnosis_epoch += 1
        self._diagnosed_version = 0
        self.query_one(FindingsPanel).findings = ()

    # -- diagnosis -------------------------------------------------------------------
    def _schedule_diagnosis(self) -> None:
        """Diagnose now if log events arrived and the last diagnosis is old enough,
        else when it is (one timer at a time; a running diagnosis re-checks at its end)."""
        if self._diagnosing or self._diagnosis_timer is not None:
            return
        if self.state.diagnosis_logs.version == self._diagnosed_version:
            return
        wait = self._next_diagnosis - time.monotonic()
        if wait > 0:
            self._diagnosis_timer = self.set_timer(wait, self._diagnosis_due, name="diagnosis")
            return
        logs = self.state.diagnosis_logs
        self._diagnosed_version = logs.version
        self._diagnosing = True
        self.diagnoses += 1
        self.run_diagnosis(logs.streams(), self._diagnosis_epoch)

    def _diagnosis_due(self) -> None:
        self._diagnosis_timer = None
        self._schedule_diagnosis()

    @work(thread=True, group="diagnosis", exit_on_error=False)
    def run_diagnosis(self, streams: list[tuple[Event, ...]], epoch: int) -> None:
        """The report's rules on each log's newest events (a copy), in a thread."""
        started = time.monotonic()
        try:
            findings = tuple(diagnose(merge_events(streams)))
            error = None
        except Exception as exc:  # a rule's bug must not take the dashboard down
            findings, error = (), f"{type(exc).__name__}: {exc}"
        self.post_message(FindingsReady(findings, epoch, time.monotonic() - started, error))

    def on_findings_ready(self, message: FindingsReady) -> None:
        self._diagnosing = False
        self._next_diagnosis = time.monotonic() + max(DIAGNOSIS_EVERY, 2 * message.seconds)
        if message.epoch == self._diagnosis_epoch:
            with contextlib.suppress(NoMatches):
                notes = dict(self.query_one(NotesBar).notes)
                notes.pop("diagnosis", None)
                if message.error is not None:
                    notes["diagnosis"] = f"diagnosis failed: {message.error}"
                else:
                    panel = self.query_one(FindingsPanel)
                    panel.findings = message.findings
                    panel.empty_text = NOTHING_FOUND
                self.query_one(NotesBar).notes = notes
        self._schedule_diagnosis()

    def set_sources(self, node_of_source: dict[str, str]) -> None:
        self.state.set_sources(node_of_source)
        self.query_one(EventFeed).node_of_source = dict(node_of_source)

    def add_note(self, text: str, *, key: str = "") -> None:
        notes = dict(self.query_one(NotesBar).notes)
        notes[key or text] = text
        self.query_one(NotesBar).notes = notes

    # A source's message may land while the app shuts down and the widgets are
    # gone; it is dropped then (NoMatches), never raised into the user's face.
    def on_snapshot_polled(self, message: SnapshotPolled) -> None:
        with contextlib.suppress(NoMatches):
            self.show_snapshot(message.snapshot)

    def on_events_arrived(self, message: EventsArrived) -> None:
        with contextlib.suppress(NoMatches):
            self.show_events(message.events)

    def on_sources_found(self, message: SourcesFound) -> None:
        with contextlib.suppress(NoMatches):
            self.set_sources(message.node_of_source)

    def on_note(self, message: Note) -> None:
        with contextlib.suppress(NoMatches):
            self.add_note(message.text, key=message.key)

    # -- user actions ----------------------------------------------------------------
    def on_topology_tree_node_chosen(self, message: TopologyTree.NodeChosen) -> None:
        self.open_details(message.address)

    def on_links_table_node_chosen(self, message: LinksTable.NodeChosen) -> None:
        self.open_details(message.address)

    def open_details(self, address: str) -> None:
        screen = NodeDetailsScreen(address)
        screen.text = details_text(self.state.snapshot, address, self.state.last_up.get(address))
        self.app.push_screen(screen)

    def on_event_feed_event_selected(self, message: EventFeed.EventSelected) -> None:
        event = message.event
        if event.line is not None:
            self.read_raw_line(event)

    @work(thread=True, exclusive=True, group="raw-line")
    def read_raw_line(self, event: Event) -> None:
        """Read the selected event's line from its file, off the UI thread."""
        assert event.line is not None
        try:
            with open(event.source, "rb") as stream:
                raw = next(itertools.islice(stream, event.line - 1, None), None)
        except OSError:  # not a file (a recording's source), or gone
            return
        if raw is not None:
            text = raw.rstrip(b"\r\n").decode("utf-8", "replace")[:2000]
            self.app.call_from_thread(self.query_one(EventFeed).show_detail, event, raw=text)

    def on_findings_panel_evidence_chosen(self, message: FindingsPanel.EvidenceChosen) -> None:
        """Enter on a finding: its evidence event, selected in the feed."""
        why = self.query_one(EventFeed).go_to(message.source, message.line)
        notes = dict(self.query_one(NotesBar).notes)
        notes.pop("evidence", None)
        if why is not None:
            notes["evidence"] = f"{where(message.source, message.line)}: {why}"
        self.query_one(NotesBar).notes = notes

    def _focus_moved(self) -> None:
        """The findings panel with the focus: a short terminal hides the lag history."""
        with contextlib.suppress(NoMatches):
            self.set_class(self.query_one(FindingsPanel).has_focus_within, "-diagnosis")

    def action_diagnosis(self) -> None:
        """``d``: the findings panel, focused (again: back to where the focus was)."""
        panel = self.query_one(FindingsPanel)
        if panel.has_focus_within:
            before = self._focus_before
            if before is None or not before.is_attached or before is panel.option_list:
                before = self.query_one(LinksTable)
            before.focus()
        else:
            self._focus_before = self.focused
            panel.open()

    def action_sentinels(self) -> None:
        """``s``: hide the Sentinels panel (again: show it)."""
        panel = self.query_one(SentinelPanel)
        panel.folded = not panel.folded

    def action_search(self) -> None:
        self.query_one(EventFeed).open_search()

    def action_pause_feed(self) -> None:
        feed = self.query_one(EventFeed)
        feed.paused = not feed.paused

    def action_filter(self) -> None:
        feed = self.query_one(EventFeed)
        events = feed.all_events()
        kinds = sorted({e.kind for e in events} | self.feed_filter.kinds)
        nodes = sorted({feed.node_name(e) for e in events} | self.feed_filter.nodes)

        def apply(chosen: FeedFilter | None) -> None:
            if chosen is not None:
                self.feed_filter = chosen
                feed.kinds = chosen.kinds
                feed.nodes = chosen.nodes

        self.app.push_screen(
            FeedFilterScreen(kinds=kinds, nodes=nodes, current=self.feed_filter), apply
        )
