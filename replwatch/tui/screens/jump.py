"""Replay's jump-to-time prompt."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


def parse_offset(text: str) -> float | None:
    """``90``, ``1:30`` or ``1m30s`` -> seconds; ``None`` when unreadable."""
    text = text.strip().lower()
    try:
        if ":" in text:
            minutes, _, seconds = text.partition(":")
            return int(minutes or 0) * 60 + float(seconds or 0)
        if "m" in text:
            minutes, _, seconds = text.partition("m")
            return int(minutes or 0) * 60 + float(seconds.rstrip("s") or 0)
        return float(text.rstrip("s"))
    except ValueError:
        return None


class JumpScreen(ModalScreen[float | None]):
    """Dismissed with seconds since the recording's start, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Cancel")]

    def __init__(self, duration: float) -> None:
        super().__init__()
        self._duration = duration

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-body"):
            yield Label(f"jump to (seconds or m:ss, recording is {self._duration:.1f} s long)")
            yield Input(placeholder="e.g. 1:30", id="jump-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(parse_offset(event.value))
