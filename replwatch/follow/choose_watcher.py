"""Which watcher a tailer gets: inotify when it can be had, else polling.

Its own module so that the two watchers (:mod:`watcher`, :mod:`poll_watcher`) do not
import each other: the polling one subclasses the base, and only this choice needs both.
"""

from __future__ import annotations

from collections.abc import Callable

from replwatch.follow.poll_watcher import POLL_INTERVAL, PollWatcher
from replwatch.follow.watcher import InotifyWatcher, Watcher


def make_watcher(
    *,
    wake: Callable[[], None],
    on_error: Callable[[Exception], None],
    force_poll: bool = False,
    poll_interval: float | None = None,
    on_overflow: Callable[[], None] | None = None,
) -> Watcher:
    """The inotify watcher, or the polling one when asked or when inotify fails."""
    interval = POLL_INTERVAL if poll_interval is None else poll_interval
    if not force_poll:
        try:
            return InotifyWatcher(wake=wake, on_error=on_error, on_overflow=on_overflow)
        except (OSError, ImportError) as exc:
            on_error(RuntimeError(f"inotify unavailable ({exc}); polling every {interval} s"))
    return PollWatcher(wake=wake, on_error=on_error, interval=interval)
