"""The links table: one row per master -> replica link, with lag, offsets and why.

Which columns depend on the room: at 80 columns the pane is about 46 cells wide
and keeps replica, state, lag, ack age, since and flaps (what an operator looks
for first); a wider pane adds the master, io and both offsets. The last column
says in words why a link is not up. Each header's tooltip is its glossary line.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from replwatch.tui.formatting import (
    STATE_STYLE,
    compact_int,
    human_bytes,
    human_seconds,
    short_address,
)
from replwatch.tui.glossary import COLUMNS as GLOSSARY
from replwatch.tui.view import Frame, LinkView

#: every column, in order, by key
WIDE = (
    "replica",
    "master",
    "state",
    "lag_b",
    "ack",
    "io",
    "m_off",
    "r_off",
    "since",
    "flaps",
    "why",
)
#: what is left when the pane is narrow (80-column terminals)
NARROW = ("replica", "state", "lag_b", "ack", "since", "flaps", "why")
#: below this many cells of pane width, the narrow set
NARROW_BELOW = 72

HEADERS = {key: header for key, (header, _) in GLOSSARY.items()} | {"why": "why"}
TIPS = {key: text for key, (_, text) in GLOSSARY.items()} | {
    "why": "what the logs say about a link that is not up"
}


def flaps_text(count: int, span: float | None) -> Text | str:
    """``⚡3/2h``: losses over the logs' span (one loss has no span)."""
    if not count:
        return ""
    text = f"⚡{count}"
    if span and count > 1:
        text += f"/{human_seconds(span)}"
    return Text(text, "bold yellow")


class LinksTable(DataTable[Text | str]):
    """Cells are updated in place, so the cursor and scroll stay put across polls."""

    frame: reactive[Frame] = reactive(Frame)
    flaps: reactive[dict[str, int]] = reactive(dict)

    @dataclass
    class NodeChosen(Message):
        """The user pressed enter on a link's row: show its replica."""

        address: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.flap_spans: dict[str, float] = {}
        self._keys: tuple[str, ...] = WIDE  # until mounted and measured

    def on_mount(self) -> None:
        self._set_columns(NARROW if 0 < self.size.width < NARROW_BELOW else WIDE)

    def on_resize(self, event: events.Resize) -> None:
        wanted = NARROW if event.size.width < NARROW_BELOW else WIDE
        if wanted != self._keys:
            self._set_columns(wanted)

    def _set_columns(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self.clear(columns=True)
        for key in keys:
            self.add_column(HEADERS[key], key=key)
        self._refresh_rows()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Over a header: its glossary line as the tooltip."""
        meta = event.style.meta
        if meta.get("row") == -1 and isinstance(meta.get("column"), int):
            index = meta["column"]
            self.tooltip = TIPS.get(self._keys[index]) if 0 <= index < len(self._keys) else None
        else:
            self.tooltip = None

    def watch_frame(self) -> None:
        self._refresh_rows()

    def watch_flaps(self) -> None:
        self._refresh_rows()

    def _cells(self, link: LinkView) -> dict[str, Text | str]:
        state = Text(link.state, STATE_STYLE[link.state])
        if link.state == "syncing" and link.sync_progress is not None:
            state = Text(f"sync {link.sync_progress * 100:.0f}%", STATE_STYLE[link.state])
        elif link.state == "syncing" and link.sync_left_bytes is not None:
            # Before 6.2 INFO tells only the bytes left, and 0 once the RDB is loading.
            left = link.sync_left_bytes
            text = f"{human_bytes(left)} left" if left > 0 else "loading"
            state = Text(text, STATE_STYLE[link.state])
        stale = "~" if link.stale else ""
        cells: dict[str, Text | str] = {
            "replica": short_address(link.replica),
            "master": short_address(link.master),
            "state": state,
            "lag_b": _maybe_stale(stale + human_bytes(link.lag_bytes), link.stale),
            "ack": _maybe_stale(stale + human_seconds(link.lag_seconds), link.stale),
            "io": human_seconds(link.last_io_seconds),
            "m_off": compact_int(link.master_offset),
            "r_off": _maybe_stale(stale + compact_int(link.replica_offset), link.stale),
            "since": human_seconds(link.since),
            "flaps": flaps_text(self.flaps.get(link.replica, 0), self.flap_spans.get(link.replica)),
            "why": Text(link.cause or "", STATE_STYLE[link.state] if link.cause else ""),
        }
        return {key: cells[key] for key in self._keys}

    def _refresh_rows(self) -> None:
        if not self.columns:
            return
        wanted = {link.key: link for link in self.frame.links}
        for gone in [k for k in self.rows if k.value not in wanted]:
            self.remove_row(gone)
        for key, link in sorted(wanted.items()):
            cells = self._cells(link)
            if key in self.rows:
                for column, value in cells.items():
                    if self.get_cell(key, column) != value:
                        # Re-measuring a column costs a pass over all its rows: only
                        # when the new value does not fit the column as it is.
                        wider = cell_len(str(value)) > self.columns[ColumnKey(column)].content_width
                        self.update_cell(key, column, value, update_width=wider)
            else:
                self.add_row(*cells.values(), key=key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.NodeChosen(event.row_key.value))


def _maybe_stale(text: str, stale: bool) -> Text | str:
    return Text(text, "dim") if stale else text
