"""The event feed: log and poll events merged in time order, with filter, search
and pause; the selected event's raw line and source show underneath."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from replwatch.events import Event
from replwatch.tui.formatting import LEVEL_STYLE, short_address

#: Poll-event kinds that mean things got better: shown green.
GOOD_KINDS = frozenset({"link_up", "node_up", "sync_finished", "psync_succeeded"})

#: How many events the feed keeps; older ones scroll away (memory stays bounded).
MAX_EVENTS = 5000


def event_style(event: Event) -> str:
    if event.kind in GOOD_KINDS:
        return "green"
    if event.kind in ("unrecognized", "malformed"):
        return "dim"
    return LEVEL_STYLE.get(event.level or "", "")


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
        self._events: deque[tuple[tuple[str, int], Event]] = deque(maxlen=MAX_EVENTS)
        self._serial = 0
        self._shown: list[Event] = []
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

    # -- data in ---------------------------------------------------------------------
    def add_events(self, events: Iterable[Event]) -> None:
        """Append events, keeping time order; out-of-order arrivals redraw the table."""
        in_order = True
        appended: list[Event] = []
        for event in events:
            self._serial += 1
            key = (event.ts or (self._events[-1][0][0] if self._events else ""), self._serial)
            if self._events and key < self._events[-1][0]:
                in_order = False
                items = list(self._events)
                bisect.insort(items, (key, event), key=lambda item: item[0])
                self._events = deque(items, maxlen=MAX_EVENTS)
            else:
                self._events.append((key, event))
            appended.append(event)
        if self.paused:
            self._pending += len(appended)
            self._show_status()
        elif in_order:
            self._append_rows(appended)
        else:
            self._rebuild()

    def clear_events(self) -> None:
        self._events.clear()
        self._rebuild()

    def all_events(self) -> list[Event]:
        """Every event kept, filtered or not, oldest first."""
        return [event for _, event in self._events]

    @property
    def shown(self) -> list[Event]:
        """The events the table currently lists, top to bottom."""
        return list(self._shown)

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

    def _row(self, event: Event) -> tuple[Text | str, ...]:
        style = event_style(event)
        time = (event.ts or "")[11:23]
        node = short_address(self.node_name(event))
        return (time, node, Text(event.kind, style), Text(event.message, style))

    def _append_rows(self, events: list[Event]) -> None:
        if not self.is_mounted:
            return
        table = self.query_one("#feed-table", DataTable)
        passes = self._passes()
        follow = table.cursor_row >= table.row_count - 1
        for event in events:
            if passes(event):
                self._shown.append(event)
                table.add_row(*self._row(event))
        overflow = table.row_count - MAX_EVENTS
        if overflow > 0:
            self._rebuild()
            return
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self._show_status()

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        table = self.query_one("#feed-table", DataTable)
        table.clear()
        passes = self._passes()
        self._shown = [event for _, event in self._events if passes(event)]
        for event in self._shown:
            table.add_row(*self._row(event))
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self._show_status()

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

    # -- user input ------------------------------------------------------------------
    def open_search(self) -> None:
        search = self.query_one("#feed-search", Input)
        search.value = self.search
        search.add_class("visible")
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search = event.value.strip()
        event.input.remove_class("visible")
        self.query_one("#feed-table", DataTable).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        search = self.query_one("#feed-search", Input)
        if event.key == "escape" and search.has_class("visible"):
            event.stop()
            search.value = ""
            self.search = ""
            search.remove_class("visible")
            self.query_one("#feed-table", DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self._shown):
            chosen = self._shown[event.cursor_row]
            self.show_detail(chosen, raw=None)
            self.post_message(self.EventSelected(chosen))

    def show_detail(self, event: Event, *, raw: str | None) -> None:
        """Show an event's source and raw line (``raw`` read by the app, off the UI thread)."""
        where = f"{event.source}:{event.line}" if event.line is not None else event.source
        text = Text()
        text.append(where, "bold")
        text.append(f"  {event.kind}", event_style(event))
        if event.fields:
            text.append("  " + " ".join(f"{k}={v}" for k, v in event.fields.items()), "dim")
        text.append("\n")
        text.append(raw if raw is not None else event.message)
        self.query_one("#feed-detail", Static).update(text)
