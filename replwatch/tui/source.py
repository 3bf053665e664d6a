"""What feeds the dashboard: live servers, a demo lab or a recording.

A source is not an App: the one :class:`~replwatch.tui.app.DashboardApp` shows
the one :class:`~replwatch.tui.screens.dashboard.DashboardScreen`, and a source
is started with that screen to post messages to (from its workers) and stopped
when the app ends. It may bring keys of its own (``BINDINGS``, whose actions the
app runs on the source as ``source('name', args…)``) and a title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding

if TYPE_CHECKING:
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.screens.dashboard import DashboardScreen


class Source:
    """Nothing: the dashboard shows only what is handed to it (tests, snapshots)."""

    #: keys of this source; actions are method names of the source, without ``action_``
    BINDINGS: ClassVar[list[Binding]] = []
    #: dashboard keys a source with many keys of its own keeps out of the footer
    QUIET_KEYS: ClassVar[frozenset[str]] = frozenset()
    title = "replwatch"
    #: lines the help screen adds for this source's keys
    help = ""

    def __init__(self) -> None:
        self.app: DashboardApp | None = None
        self.dashboard: DashboardScreen | None = None

    def start(self, app: DashboardApp, dashboard: DashboardScreen) -> None:
        """Begin feeding ``dashboard`` (called once it is mounted, on the app's loop:
        anything that blocks goes to a worker)."""
        self.app = app
        self.dashboard = dashboard

    def stop(self) -> None:
        """Stop everything this source started (called when the app ends, also on
        ctrl+c): threads told to end, files closed, servers stopped."""
