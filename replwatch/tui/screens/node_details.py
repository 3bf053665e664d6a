"""Node details: the node's whole INFO replication and server version."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static


class NodeDetailsScreen(ModalScreen[None]):
    """Shows ``text`` (set by the app when the INFO reply arrives, off the UI thread)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    text: reactive[str] = reactive("loading…")

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details-body") as body:
            body.border_title = f"{self.address}  (esc to close)"
            yield Static(self.text, id="details-text", markup=False)

    def watch_text(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#details-text", Static).update(text)
