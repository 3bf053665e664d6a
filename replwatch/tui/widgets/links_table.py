"""The links table: one row per replica -> master link, with lag and offsets.

Short headers, lag before the offsets and compact numbers: at 80 columns the
pane is about 46 cells wide, and lag is what an operator looks for first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
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
from replwatch.tui.view import Frame, LinkView

COLUMNS: tuple[tuple[str, str], ...] = (
    ("replica", "replica"),
    ("master", "master"),
    ("state", "state"),
    ("lag_b", "lag"),
    ("lag_s", "lag s"),
    ("io", "io"),
    ("m_off", "m.off"),
    ("r_off", "r.off"),
    ("since", "since"),
    ("flaps", "flaps"),
)


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

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def watch_frame(self) -> None:
        self._refresh_rows()

    def watch_flaps(self) -> None:
        self._refresh_rows()

    def _cells(self, link: LinkView) -> dict[str, Text | str]:
        flaps = self.flaps.get(link.replica, 0)
        state = Text(link.state, STATE_STYLE[link.state])
        if link.state == "syncing" and link.sync_progress is not None:
            state = Text(f"sync {link.sync_progress * 100:.0f}%", STATE_STYLE[link.state])
        elif link.state == "syncing" and link.sync_left_bytes is not None:
            # Before 6.2 INFO tells only the bytes left, and 0 once the RDB is loading.
            left = link.sync_left_bytes
            text = f"{human_bytes(left)} left" if left > 0 else "loading"
            state = Text(text, STATE_STYLE[link.state])
        return {
            "replica": short_address(link.replica),
            "master": short_address(link.master),
            "state": state,
            "lag_b": human_bytes(link.lag_bytes),
            "lag_s": human_seconds(link.lag_seconds),
            "io": human_seconds(link.last_io_seconds),
            "m_off": compact_int(link.master_offset),
            "r_off": compact_int(link.replica_offset),
            "since": human_seconds(link.since),
            "flaps": Text(f"⚡{flaps}", "bold yellow") if flaps else "",
        }

    def _refresh_rows(self) -> None:
        if not self.columns:
            return
        wanted = {link.key: link for link in self.frame.links}
        for key in [k.value for k in self.rows if k.value not in wanted]:
            self.remove_row(key)
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
