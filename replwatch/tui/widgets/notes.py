"""The notes line: things the user should know that are not events."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class NotesBar(Static):
    """Shows the latest note of each key (a missing log, a node needing a password)."""

    notes: reactive[dict[str, str]] = reactive(dict)

    def watch_notes(self, notes: dict[str, str]) -> None:
        self.update("  ·  ".join(notes.values()))
        self.display = bool(notes)
