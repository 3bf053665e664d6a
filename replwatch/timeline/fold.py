"""Fold a streak of identical sync failures into a few lines.

While a master is down, its replica retries about once a second and every attempt
ends the same way (``19001 sync failed: Connection refused``). One line per attempt
buries everything else, so :class:`FailureFolder` turns a streak of failures of one
node with the same reason into:

* the first failure, as it is;
* while the streak lasts, at most one ``(xN in S s, still failing)`` line per
  ``every`` seconds;
* when the streak ends (a success, an interruption or a different reason), one
  ``(xN in S s)`` line with the whole count, then the session that ended it.

Time is the log's own (the sessions' ``end_ts``), so the folding is the same live
and on replayed input. Pure: no I/O, no clock; memory bounded by the number of
nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from replwatch.events import seconds_between
from replwatch.timeline.sessions import SyncSession

#: Seconds between two "still failing" lines of one streak.
REPORT_EVERY = 60.0


@dataclass(slots=True)
class _Streak:
    """Identical failures of one node in a row."""

    summary: str
    first_ts: str | None
    last_ts: str | None
    count: int = 1
    #: count and time of the last line printed for this streak.
    shown_count: int = 1
    shown_ts: str | None = None

    def tally(self, *, ongoing: bool) -> str:
        span = seconds_between(self.first_ts, self.last_ts)
        took = f" in {span:.0f} s" if span is not None else ""
        still = ", still failing" if ongoing else ""
        return f"{self.summary} (x{self.count}{took}{still})"


class FailureFolder:
    """Sessions in, summary lines out, with repeated failures folded.

    Args:
        every: seconds (of log time) between two "still failing" lines of a streak.
    """

    def __init__(self, *, every: float = REPORT_EVERY) -> None:
        self._every = every
        self._streaks: dict[str, _Streak] = {}

    def feed(self, session: SyncSession) -> list[str]:
        """The lines to print for ``session`` (none while a streak is being folded)."""
        summary = session.summary()
        streak = self._streaks.get(session.source)
        if session.outcome == "failed":
            if streak is not None and streak.summary == summary:
                return self._repeat(streak, session.end_ts)
            lines = self._end(session.source)
            self._streaks[session.source] = _Streak(
                summary, session.end_ts, session.end_ts, shown_ts=session.end_ts
            )
            return [*lines, summary]
        return [*self._end(session.source), summary]

    def flush(self) -> list[str]:
        """The tallies of the streaks still going (at the end of the input)."""
        lines: list[str] = []
        for source in list(self._streaks):
            lines.extend(self._end(source))
        return lines

    def _repeat(self, streak: _Streak, ts: str | None) -> list[str]:
        streak.count += 1
        streak.last_ts = ts
        since = seconds_between(streak.shown_ts, ts)
        if since is None or since < self._every:
            return []
        streak.shown_count = streak.count
        streak.shown_ts = ts
        return [streak.tally(ongoing=True)]

    def _end(self, source: str) -> list[str]:
        streak = self._streaks.pop(source, None)
        if streak is None or streak.count == streak.shown_count:
            return []  # a lone failure, or nothing new since the last tally
        return [streak.tally(ongoing=False)]
