"""Replay: a recording played back through the same dashboard, with no server.

:class:`ReplayClock` is the pure part (which records are due at a virtual time);
:class:`ReplaySource` drives it with a timer on the dashboard screen and offers
pause, step, speed and jump.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.css.query import NoMatches

from replwatch.recording import Record, Recording
from replwatch.topology.snapshot import Snapshot
from replwatch.tui.screens.jump import JumpScreen
from replwatch.tui.source import Source

if TYPE_CHECKING:
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.screens.dashboard import DashboardScreen

#: Seconds between replay ticks (at speed 1 a record is at most this late).
TICK = 0.1
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0)


class ReplayClock:
    """Where playback is in a recording: a virtual time and the next record due."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = records
        self.position = 0
        self.now = 0.0

    @property
    def done(self) -> bool:
        return self.position >= len(self.records)

    @property
    def duration(self) -> float:
        return self.records[-1].t if self.records else 0.0

    def advance(self, seconds: float) -> list[Record]:
        """Move the clock on and return the records that became due."""
        return self._until(self.now + seconds)

    def step(self) -> list[Record]:
        """Everything up to and including the next snapshot (one poll forward)."""
        due: list[Record] = []
        while not self.done:
            record = self.records[self.position]
            self.position += 1
            self.now = max(self.now, record.t)
            due.append(record)
            if record.kind == "snapshot":
                break
        return due

    def rewind(self) -> None:
        self.position = 0
        self.now = 0.0

    def seek(self, t: float) -> tuple[bool, list[Record]]:
        """Go to ``t``; returns (whether the view must be reset first, the records due)."""
        t = min(max(t, 0.0), self.duration)
        backwards = t < self.now
        if backwards:
            self.rewind()
        return backwards, self._until(t)

    def _until(self, t: float) -> list[Record]:
        due: list[Record] = []
        while not self.done and self.records[self.position].t <= t:
            due.append(self.records[self.position])
            self.position += 1
        self.now = min(t, self.duration) if self.done else t
        return due


def _clock_text(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


REPLAY_HELP = """\
**Replay**: `space` play/pause, `n` step to the next poll, `+`/`-` speed,
`g` jump to a time, `home` back to the start.
"""


class ReplaySource(Source):
    """A recording, played on a timer of the dashboard screen."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "source('toggle_play')", "Play/Pause"),
        Binding("n", "source('step')", "Step"),
        Binding("plus,equals_sign", "source('faster')", "Faster", key_display="+"),
        Binding("minus", "source('slower')", "Slower", key_display="-"),
        Binding("g", "source('jump')", "Jump"),
        Binding("home", "source('restart')", "Restart", show=False),
    ]
    # d still works (see ? and the palette; the findings panel's title says d):
    # the footer keeps its room for the replay's own keys.
    QUIET_KEYS: ClassVar[frozenset[str]] = frozenset({"d"})
    title = "replwatch replay"
    help = REPLAY_HELP

    def __init__(self, recording: Recording, *, speed: float = 1.0, paused: bool = False) -> None:
        super().__init__()
        self.recording = recording
        self.clock = ReplayClock(recording.records)
        self.speed = speed
        self.playing = not paused

    def start(self, app: DashboardApp, dashboard: DashboardScreen) -> None:
        super().start(app, dashboard)
        dashboard.set_interval(TICK, self._tick, name="replay")
        self._show_position()

    def _tick(self) -> None:
        with contextlib.suppress(NoMatches):  # a last tick during shutdown finds no widgets
            self._advance()

    def _advance(self) -> None:
        if self.playing and not self.clock.done:
            second = int(self.clock.now)
            records = self.clock.advance(TICK * self.speed)
            if records:
                self.play(records)
            elif int(self.clock.now) != second:  # the position shows whole seconds
                self._show_position()

    def play(self, records: list[Record]) -> None:
        """Show records: events in batches, each snapshot in its place."""
        assert self.dashboard is not None
        batch = []
        for record in records:
            if record.kind == "event":
                batch.append(record.event())
                continue
            if batch:
                self.dashboard.show_events(batch)
                batch = []
            self.dashboard.show_snapshot(Snapshot.from_dict(record.data))
        if batch:
            self.dashboard.show_events(batch)
        self._show_position()

    def _show_position(self) -> None:
        if self.app is None:
            return
        state = "▶" if self.playing and not self.clock.done else "❚❚"
        if self.clock.done:
            state = "end"
        self.app.sub_title = (
            f"{state} {_clock_text(self.clock.now)} / {_clock_text(self.clock.duration)}"
            f"  ×{self.speed:g}  (started {self.recording.header.started})"
        )

    def action_toggle_play(self) -> None:
        self.playing = not self.playing
        self._show_position()

    def action_step(self) -> None:
        self.playing = False
        self.play(self.clock.step())

    def action_faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])
        self._show_position()

    def action_slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])
        self._show_position()

    def action_restart(self) -> None:
        """``home``: back to the start and play from there."""
        self.jump_to(0.0)
        self.playing = True
        self._show_position()

    def action_jump(self) -> None:
        def chosen(t: float | None) -> None:
            if t is not None:
                self.jump_to(t)

        assert self.app is not None
        self.app.push_screen(JumpScreen(self.clock.duration), chosen)

    def jump_to(self, t: float) -> None:
        """Show the state at ``t`` and hold there (space plays on)."""
        assert self.dashboard is not None
        self.playing = False
        backwards, records = self.clock.seek(t)
        if backwards:
            self.dashboard.reset_view()
        self.play(records)
