"""The polling watcher: no thread and no kernel help, just a short interval.

Used with ``--poll`` (network filesystems, containers whose bind mounts do not
deliver inotify events) and as the fallback when inotify cannot be had. The tailer
waits at most :attr:`PollWatcher.interval` between polls, and each poll is one
``stat`` per followed file, so an 80 ms interval (a median delay of ~40 ms) costs
next to no CPU (0.3 % of a core in ``bench/bench_tail.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from replwatch.follow.watcher import Watcher

#: Default seconds between polls in polling mode.
POLL_INTERVAL = 0.08


class PollWatcher(Watcher):
    """A watcher that never wakes anyone: the tailer's interval does the work."""

    mode = "poll"

    def __init__(
        self,
        *,
        wake: Callable[[], None],
        on_error: Callable[[Exception], None],
        interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__(wake=wake, on_error=on_error)
        self.interval = interval

    def watch_dir(self, directory: str) -> bool:
        return True

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
