"""Lag history: a sparkline per replica over the last minutes, with catch-up rate
and backlog headroom beside it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Label, Sparkline

from replwatch.tui.formatting import human_bytes, short_address
from replwatch.tui.view import Frame, LinkView


class LagRow(Horizontal):
    """One replica's line: name, sparkline of lag bytes, current figures."""

    samples: reactive[tuple[float, ...]] = reactive(())
    link: reactive[LinkView | None] = reactive(None)

    def __init__(self, replica: str) -> None:
        super().__init__(classes="lag-row")
        self.replica = replica

    def compose(self) -> ComposeResult:
        yield Label(short_address(self.replica), classes="lag-name")
        yield Sparkline(list(self.samples) or [0.0], classes="lag-spark")
        yield Label(_figures(self.link), classes="lag-figures")

    def watch_samples(self, samples: tuple[float, ...]) -> None:
        if self.is_mounted and self.children:
            self.query_one(Sparkline).data = list(samples) or [0.0]

    def watch_link(self, old: LinkView | None, link: LinkView | None) -> None:
        # Updating a label re-lays the screen out; most polls change nothing here.
        text = _figures(link)
        if self.is_mounted and self.children and text != _figures(old):
            self.query_one(".lag-figures", Label).update(text)


def _figures(link: LinkView | None) -> str:
    if link is None:
        return ""
    rate = "-" if link.catchup_rate is None else human_bytes(link.catchup_rate) + "/s"
    headroom = human_bytes(link.backlog_headroom)
    return f"lag {human_bytes(link.lag_bytes)}  catch-up {rate}  headroom {headroom}"


class LagHistory(VerticalScroll):
    """The parent sets ``history`` (replica -> recent lag samples) and ``frame``."""

    history: reactive[dict[str, tuple[float, ...]]] = reactive(dict)
    frame: reactive[Frame] = reactive(Frame)

    def watch_history(self) -> None:
        self._refresh_rows()

    def watch_frame(self) -> None:
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        if not self.is_mounted:
            return
        links = {link.replica: link for link in self.frame.links}
        wanted = sorted(set(self.history) | set(links))
        rows = {row.replica: row for row in self.query(LagRow)}
        for replica, old in rows.items():
            if replica not in wanted:
                old.remove()
        for replica in wanted:
            row = rows.get(replica)
            if row is None:
                row = LagRow(replica)
                self.mount(row)
            row.samples = self.history.get(replica, ())
            row.link = links.get(replica)
