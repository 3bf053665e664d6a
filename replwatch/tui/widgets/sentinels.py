"""The Sentinels panel: one line per Sentinel and master, what that Sentinel believes.

``● :26379  mymaster at :6379  ok  quorum 2  3 sentinels  2 replicas`` -- where the
Sentinel places the master, whether it sees it down (``sdown``: this Sentinel alone,
``odown``: a quorum agrees, ``failover`` under way), the quorum, how many Sentinels it
knows (itself included) and the replicas it lists. A Sentinel that places the master
elsewhere than the others says ``disagrees``; one that does not answer is ``down``
with its last answer, dim. Shown only when Sentinels are polled; ``s`` hides it.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from replwatch.tui.formatting import short_address
from replwatch.tui.view import SentinelRow

#: Each Sentinel status -> its colour (the tree's: green fine, amber, red).
STATUS_STYLE: dict[str, str] = {
    "ok": "green",
    "sdown": "yellow",
    "failover": "yellow",
    "odown": "red",
    "down": "red",
}

#: Lines shown at most; the rest are counted on the last line.
MAX_LINES = 6


def sentinel_line(row: SentinelRow) -> Text:
    """One row as the panel draws it."""
    text = Text(no_wrap=True, overflow="ellipsis")
    style = STATUS_STYLE.get(row.status, "")
    text.append("● ", style)
    text.append(short_address(row.sentinel), "bold")
    if row.name is None:
        text.append("  watches no master", "dim")
        if row.status == "down":
            text.append("  down", STATUS_STYLE["down"])
        return text
    stale = "dim" if row.status == "down" else ""
    text.append(f"  {row.name} at ", stale)
    text.append(short_address(row.master or "?"), "bold red" if row.dissent else stale or "bold")
    if row.dissent:
        text.append(" disagrees", "bold red")
    text.append(f"  {row.status}", style)
    quorum = "-" if row.quorum is None else str(row.quorum)
    group = "-" if row.sentinels is None else str(row.sentinels)
    replicas = f"{row.replicas} replica" + ("" if row.replicas == 1 else "s")
    if row.replicas_down:
        replicas += f" ({row.replicas_down} down)"
    text.append(f"  quorum {quorum}  {group} sentinels  {replicas}", stale or "dim")
    return text


class SentinelPanel(Static):
    """The rows of the latest round; hidden while there are none or the user hid it."""

    rows: reactive[tuple[SentinelRow, ...]] = reactive(tuple)
    folded: reactive[bool] = reactive(False)

    def watch_rows(self) -> None:
        self._draw()

    def watch_folded(self) -> None:
        self._draw()

    def _draw(self) -> None:
        rows = self.rows
        shown = rows if len(rows) <= MAX_LINES else rows[: MAX_LINES - 1]
        lines = [sentinel_line(row) for row in shown]
        if len(shown) < len(rows):
            lines.append(Text(f"… {len(rows) - len(shown)} more", "dim"))
        self.update(Text("\n").join(lines))
        self.display = bool(rows) and not self.folded
