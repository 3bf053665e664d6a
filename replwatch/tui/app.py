"""The dashboard app: one App, one dashboard screen, fed by one source.

Live servers (:mod:`replwatch.tui.live`), a demo lab (:mod:`replwatch.tui.demo`)
and a recording (:mod:`replwatch.tui.replay`) are :class:`~replwatch.tui.source.Source`
objects, not App subclasses: the app shows the
:class:`~replwatch.tui.screens.dashboard.DashboardScreen`, starts the source on
it, and stops the source when it ends, whichever way (``q``, ``ctrl+c``, a signal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from replwatch.events import Event
from replwatch.topology.snapshot import Snapshot
from replwatch.tui.screens.dashboard import AUTH_NOTES, DashboardScreen, details_text
from replwatch.tui.screens.help import HelpScreen
from replwatch.tui.source import Source
from replwatch.tui.state import DashboardState

__all__ = ["AUTH_NOTES", "DashboardApp", "details_text"]


class DashboardApp(App[None]):
    """The dashboard on whatever ``source`` brings (nothing: only what tests hand it)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "replwatch"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        # Textual's own ctrl+c only says "press ctrl+q"; here it quits like q, and
        # the source (a demo's servers too) is stopped on the way out.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("slash", "screen.search", "Search", key_display="/"),
        Binding("f", "screen.filter", "Filter"),
        Binding("p", "screen.pause_feed", "Pause"),
        Binding("d", "screen.diagnosis", "Findings"),
        Binding("s", "screen.sentinels", "Sentinels", show=False),
        Binding("t", "toggle_theme", "Theme", show=False),
    ]

    def __init__(
        self, source: Source | None = None, *, node_of_source: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.source = source or Source()
        self.dashboard = DashboardScreen(node_of_source=node_of_source)
        for binding in self.source.BINDINGS:
            self.bind(
                binding.key,
                binding.action,
                description=binding.description,
                show=binding.show,
                key_display=binding.key_display,
            )
        # Out of the footer (still in ? and the palette) to leave room for the source's.
        bindings = self._bindings.key_to_bindings
        for key in self.source.QUIET_KEYS:
            bindings[key] = [replace(b, show=False) for b in bindings.get(key, [])]

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        self.title = self.source.title
        self.source.start(self, self.dashboard)

    def on_unmount(self) -> None:
        self.source.stop()

    # -- the dashboard, for sources and tests -------------------------------------------
    @property
    def state(self) -> DashboardState:
        return self.dashboard.state

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.dashboard.show_snapshot(snapshot)

    def show_events(self, events: Iterable[Event]) -> None:
        self.dashboard.show_events(events)

    # -- keys ----------------------------------------------------------------------------
    def action_source(self, name: str, *args: object) -> None:
        """Run one of the source's own actions (its BINDINGS say ``source('name', …)``)."""
        method = getattr(self.source, f"action_{name}", None)
        if method is not None:
            method(*args)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(extra=self.source.help))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        dashboard = self.dashboard
        yield SystemCommand(
            "Filter events", "Pick kinds and nodes to show", dashboard.action_filter
        )
        yield SystemCommand("Search events", "Find text in the event feed", dashboard.action_search)
        yield SystemCommand(
            "Pause / resume events", "Freeze the event feed", dashboard.action_pause_feed
        )
        yield SystemCommand(
            "Findings",
            "What the report's rules make of the logs: causes, settings, evidence",
            dashboard.action_diagnosis,
        )
        yield SystemCommand(
            "Sentinels panel",
            "Hide / show what each Sentinel believes",
            dashboard.action_sentinels,
        )
        yield SystemCommand("Toggle light / dark", "Switch theme", self.action_toggle_theme)
