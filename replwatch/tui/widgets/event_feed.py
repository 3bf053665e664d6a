"""The event feed: log and poll events merged in time order, with filter, search
and pause; the selected event's raw line and source show underneath."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from replwatch import kinds
from replwatch.events import Event
from replwatch.timeline.merge import MergeClock
from replwatch.tui.formatting import LEVEL_STYLE, short_address

#: Poll-event kinds that mean things got better: shown green.
GOOD_KINDS = frozenset({kinds.LINK_UP, kinds.NODE_UP, kinds.SYNC_FINISHED, kinds.PSYNC_SUCCEEDED})

#: How many events the feed keeps; older ones scroll away (memory stays bounded).
MAX_EVENTS = 5000


def event_style(event: Event) -> str:
    if event.kind in GOOD_KINDS:
        return "green"
    if event.kind in (kinds.UNRECOGNIZED, kinds.MALFORMED):
        return "dim"
    return LEVEL_STYLE.get(event.level or "", "")


class TimeCell(str):
    """The time column's cell: shows the time of day, sorts by the full merge key.

    Out-of-order arrivals (a log line older than the last poll event) are put in
    place by sorting the table on this key, rather than by rebuilding it.
    """

    key: tuple[str, str, int, int]

    def __new__(cls, text: str, key: tuple[str, str, int, int]) -> TimeCell:
        cell = super().__new__(cls, text)
        cell.key = key
        return cell


def _by_merge_key(cell: TimeCell) -> tuple[str, str, int, int]:
    return cell.key


class EventFeed(Vertical):
    """Holds the last :data:`MAX_EVENTS` events; shows those passing the filters."""

    paused: reactive[bool] = reactive(False)
    search: reactive[str] = reactive("")
    kinds: reactive[frozenset[str]] = reactive(frozenset())
    nodes: reactive[frozenset[str]] = reactive(frozenset())
    #: log file -> the node that writes it, so rows name nodes rather than paths.
    node_of_source: reactive[dict[str, str]] = reactive(dict)

    @dataclass
    class EventSelected(Message):
        """The user moved onto an event; the app may look up its raw line."""

        event: Event

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # (merge key, event), oldest arrivals drop off first.
        self._events: deque[tuple[tuple[str, str, int, int], Event]] = deque(maxlen=MAX_EVENTS)
        self._clock = MergeClock()
        self._row_event: dict[str, Event] = {}
        #: (log file, line) -> the row showing it, for the findings' evidence
        self._row_of_line: dict[tuple[str, int], str] = {}
        self._newest_row: tuple[str, str, int, int] | None = None
        self._pending = 0

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search events (enter to apply, esc to clear)", id="feed-search")
        table: DataTable[Text | str] = DataTable(id="feed-table", cursor_type="row")
        table.add_column("time", key="time")
        table.add_column("node", key="node")
        table.add_column("kind", key="kind")
        table.add_column("message", key="message")
        yield table
        yield Static("", id="feed-detail")

    @property
    def _table(self) -> DataTable[Text | str]:
        return self.query_one("#feed-table", DataTable)

    # -- data in ---------------------------------------------------------------------
    def add_events(self, events: Iterable[Event]) -> None:
        """Add events in the one merge order (:mod:`replwatch.timeline.merge`)."""
        fresh: list[tuple[tuple[str, str, int, int], Event]] = []
        for event in events:
            # An event without a time sorts with its own source's last time.
            key = self._clock.key(event.ts, event.source)
            self._events.append((key, event))
            fresh.append((key, event))
        if self.paused:
            self._pending += len(fresh)
            self._show_status()
        elif self.is_mounted:
            self._add_rows(fresh)

    def clear_events(self) -> None:
        self._events.clear()
        self._rebuild()

    def all_events(self) -> list[Event]:
        """Every event kept, filtered or not, oldest first."""
        return [event for _, event in sorted(self._events, key=lambda item: item[0])]

    @property
    def shown(self) -> list[Event]:
        """The events the table currently lists, top to bottom."""
        return [self._row_event[row.key.value or ""] for row in self._table.ordered_rows]

    # -- reactives -------------------------------------------------------------------
    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self._pending = 0
            self._rebuild()
        self._show_status()

    def watch_search(self) -> None:
        self._rebuild()

    def watch_kinds(self) -> None:
        self._rebuild()

    def watch_nodes(self) -> None:
        self._rebuild()

    def watch_node_of_source(self) -> None:
        self._rebuild()

    # -- drawing ---------------------------------------------------------------------
    def node_name(self, event: Event) -> str:
        return self.node_of_source.get(event.source) or event.source.rsplit("/", 1)[-1]

    def _passes(self) -> Callable[[Event], bool]:
        kinds, nodes, needle = self.kinds, self.nodes, self.search.lower()

        def passes(event: Event) -> bool:
            if kinds and event.kind not in kinds:
                return False
            if nodes and self.node_name(event) not in nodes:
                return False
            return not needle or needle in f"{event.kind} {event.message} {event.source}".lower()

        return passes

    def _add_rows(self, items: list[tuple[tuple[str, str, int, int], Event]]) -> None:
        """Add rows for the items that pass the filters; sort only if one came late."""
        table = self._table
        passes = self._passes()
        follow = table.cursor_row >= table.row_count - 1
        late = False
        for key, event in items:
            if not passes(event):
                continue
            if self._newest_row is not None and key < self._newest_row:
                late = True
            else:
                self._newest_row = key
            row_key = str(key[3])
            self._row_event[row_key] = event
            if event.line is not None:
                self._row_of_line[(event.source, event.line)] = row_key
            style = event_style(event)
            table.add_row(
                TimeCell((event.ts or "")[11:23], key),
                short_address(self.node_name(event)),
                Text(event.kind, style),
                Text(event.message, style),
                key=row_key,
            )
        if late:
            table.sort("time", key=_by_merge_key)
        excess = table.row_count - MAX_EVENTS
        if excess > 0:
            for row in table.ordered_rows[:excess]:
                gone = self._row_event.pop(row.key.value or "", None)
                if gone is not None and gone.line is not None:
                    self._row_of_line.pop((gone.source, gone.line), None)
                table.remove_row(row.key)
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self._show_status()

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        self._table.clear()
        self._row_event.clear()
        self._row_of_line.clear()
        self._newest_row = None
        self._add_rows(sorted(self._events, key=lambda item: item[0]))
        if self._table.row_count:
            self._table.move_cursor(row=self._table.row_count - 1, animate=False)

    def _show_status(self) -> None:
        parts = []
        if self.paused:
            parts.append(f"PAUSED ({self._pending} new)")
        if self.kinds:
            parts.append("kinds: " + ",".join(sorted(self.kinds)))
        if self.nodes:
            parts.append("nodes: " + ",".join(sorted(self.nodes)))
        if self.search:
            parts.append(f"search: {self.search}")
        self.border_subtitle = "  ".join(parts)

    def on_resize(self) -> None:
        # The feed shrinks when a pane above grows (the findings panel appears):
        # the selected event stays in view.
        table = self._table
        if table.row_count:
            table.call_after_refresh(table.move_cursor, row=table.cursor_row, animate=False)

    # -- user input ------------------------------------------------------------------
    def go_to(self, source: str, line: int) -> str | None:
        """Put the cursor on the event of ``source:line`` (a finding's evidence) and
        focus the feed; None when done, else why it is not on screen."""
        row_key = self._row_of_line.get((source, line))
        if row_key is None:
            if not any(e.source == source and e.line == line for _, e in self._events):
                return f"no longer in the feed (it keeps the last {MAX_EVENTS} events)"
            if self.paused:
                return "not shown while the feed is paused (p)"
            return "hidden by the feed's filter or search (f, /)"
        table = self._table
        table.move_cursor(row=table.get_row_index(row_key), animate=False)
        table.focus()
        return None

    def open_search(self) -> None:
        search = self.query_one("#feed-search", Input)
        search.value = self.search
        search.add_class("visible")
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search = event.value.strip()
        event.input.remove_class("visible")
        self._table.focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        search = self.query_one("#feed-search", Input)
        if event.key == "escape" and search.has_class("visible"):
            event.stop()
            search.value = ""
            self.search = ""
            search.remove_class("visible")
            self._table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        chosen = self._row_event.get(event.row_key.value or "")
        if chosen is not None:
            self.show_detail(chosen, raw=None)
            self.post_message(self.EventSelected(chosen))

    def show_detail(self, event: Event, *, raw: str | None) -> None:
        """Show an event's source and raw line (``raw`` read by the app, off the UI thread)."""
        where = f"{event.source}:{event.line}" if event.line is not None else event.source
        text = Text()
        text.append(where, "bold")
        text.append(f"  {event.kind}", event_style(event))
        known = {k: v for k, v in event.fields.items() if v is not None}
        if known:  # a field the poll could not tell (None) says nothing
            text.append("  " + " ".join(f"{k}={v}" for k, v in known.items()), "dim")
        text.append("\n")
        text.append(raw if raw is not None else event.message)
        self.query_one("#feed-detail", Static).update(text)
