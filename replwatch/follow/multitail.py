"""Follow many log sources at once: files, directories of ``*.log``, globs, commands.

:class:`MultiTailer` owns one :class:`~replwatch.follow.follower.Follower` per file it has
found, the :class:`~replwatch.follow.command.CommandSource` of each command it was
given, and a :mod:`~replwatch.follow.watcher` that wakes it when a followed
directory changes (a command source wakes it itself). The sources own every offset;
this module only decides which files to follow and when to poll them, and hands
the lines to its consumer. Its followers share one
:class:`~replwatch.follow.registry.FileRegistry`, so a file met under a second name
(a date-named rotation matching the same glob) is not read again.
"""

from __future__ import annotations

import errno
import glob
import os
import threading
import time
from collections.abc import Callable, Iterator

from replwatch.follow.choose_watcher import make_watcher
from replwatch.follow.command import CommandSource, SourceNote
from replwatch.follow.fdlimit import RESERVE, advice, ensure_descriptors, soft_limit
from replwatch.follow.follower import ROTATE_GRACE, Follower, LineRecord
from replwatch.follow.registry import FileRegistry
from replwatch.follow.watcher import Watcher

__all__ = ["LineRecord", "MultiTailer"]

_GLOB_CHARS = frozenset("*?[")


class MultiTailer:
    """Follows many paths at once: files, directories of ``*.log``, and globs.

    Each PATH is a file (followed even before it exists), a directory (its ``*.log``
    files, including ones created later) or a glob (re-expanded every
    ``rescan_interval`` seconds). Files found at :meth:`open` begin at ``start``;
    files found later are new and are read from their start. :meth:`add_path`
    adds a PATH while it runs, from any thread, without disturbing the files
    already followed (they keep their offsets).

    Two ways to consume it, both blocking, both ending when :meth:`stop` is called
    (or the ``stop`` event passed in is set):

    * ``for rec in tailer.lines(): ...`` for a command line loop;
    * ``tailer.run(on_lines, stop)`` for a worker thread (the TUI): ``on_lines``
      gets each batch of :class:`LineRecord` in the tailer's thread.

    Errors (a file that cannot be read, inotify unavailable) go to ``on_error`` as
    exception values, once per distinct message and path; following continues.

    Args:
        specs: the PATH arguments.
        start: ``"end"``, ``"start"`` or N (last N lines), for files found at open.
        force_poll: poll instead of using inotify.
        poll_interval: seconds between polls in polling mode.
        rescan_interval: seconds between re-expansions of directories and globs.
        on_error: receives errors; by default they are dropped.
        grace: seconds a rotated-away file is still read (see :class:`Follower`).
        commands: command sources (``--exec``, ``--docker`` …) followed alongside the
            files; they are started by :meth:`open` and stopped by :meth:`close`,
            and their notes (exits, restarts, stderr) go to ``on_error`` as
            :class:`~replwatch.follow.command.SourceNote` values.
    """

    def __init__(
        self,
        specs: list[str] | tuple[str, ...],
        *,
        start: str | int = "end",
        force_poll: bool = False,
        poll_interval: float | None = None,
        rescan_interval: float = 1.0,
        on_error: Callable[[Exception], None] | None = None,
        grace: float = ROTATE_GRACE,
        commands: list[CommandSource] | tuple[CommandSource, ...] = (),
    ) -> None:
        self.specs = list(specs)
        self.commands = list(commands)
        self._registry = FileRegistry()
        self._fds_warned = False
        self._start = start
        self._force_poll = force_poll
        self._poll_interval = poll_interval
        self._rescan_interval = rescan_interval
        self._on_error = on_error or (lambda exc: None)
        self._grace = grace
        self.followers: dict[str, Follower] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._next_rescan = 0.0
        self._reported: dict[str, str] = {}
        self.watcher: Watcher | None = None
        self.has_more = False
        self._pending: list[LineRecord] = []
        #: (spec, start) pairs from add_path(), taken by the tailer's own thread.
        self._added: list[tuple[str, str | int]] = []
        self._added_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------

    def open(self) -> MultiTailer:
        """Find the files, take the starting offsets and start the watcher."""
        self.watcher = make_watcher(
            wake=self._wake.set,
            on_error=self._report,
            force_poll=self._force_poll,
            poll_interval=self._poll_interval,
            on_overflow=self._overflowed,
        )
        # Started first, so that each watch_dir() takes effect (or fails) at once.
        self.watcher.start()
        self._rescan(start=self._start)
        for source in self.commands:
            source.start(self._wake.set)
        # The first poll fixes each file's starting offset now, not at first wake-up.
        self._pending = self.poll_once()
        return self

    def close(self) -> None:
        """Stop the watcher and close every file."""
        if self.watcher is not None:
            self.watcher.stop()
        for follower in self.followers.values():
            follower.close()
        for source in self.commands:
            source.close()

    def __enter__(self) -> MultiTailer:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stop(self) -> None:
        """Ask :meth:`run` / :meth:`lines` to return; callable from any thread."""
        self._stop.set()
        self._wake.set()

    def add_path(self, spec: str, *, start: str | int = "start") -> None:
        """Follow one more PATH from the next poll on; callable from any thread.

        The files already followed keep their offsets: nothing of them is lost or
        read twice. The new PATH's files that exist at that poll begin at ``start``
        (``"start"`` by default: a log that just appeared is all news); files that
        appear later are read from their start, as always. A PATH already followed
        is left as it is.
        """
        with self._added_lock:
            self._added.append((spec, start))
        self._wake.set()

    # -- consuming ------------------------------------------------------------

    def run(
        self,
        on_lines: Callable[[list[LineRecord]], None],
        stop: threading.Event | None = None,
    ) -> None:
        """Deliver batches of new lines to ``on_lines`` until stopped."""
        for batch in self._batches(stop):
            on_lines(batch)

    def lines(self, stop: threading.Event | None = None) -> Iterator[LineRecord]:
        """Yield new lines one by one, forever (until stopped)."""
        for batch in self._batches(stop):
            yield from batch

    def _batches(self, stop: threading.Event | None) -> Iterator[list[LineRecord]]:
        assert self.watcher is not None, "call open() first"
        if self._pending:
            yield self._pending
            self._pending = []
        interval = self.watcher.interval
        while not (self._stop.is_set() or (stop is not None and stop.is_set())):
            if not self.has_more:
                # A wake-up that lands while we poll leaves the event set, so the
                # next wait returns at once: nothing is missed, at worst one
                # extra poll. A stop event set from outside is seen within 0.25 s.
                self._wake.wait(min(interval, 0.25) if stop is not None else interval)
            self._wake.clear()
            batch = self.poll_once()
            if batch:
                yield batch

    def poll_once(self) -> list[LineRecord]:
        """Poll every follower once (rescanning globs when due) and return new lines."""
        now = time.monotonic()
        if now >= self._next_rescan:
            self._rescan(start="start")
        self._take_added()
        out: list[LineRecord] = []
        more = False
        for path, follower in self.followers.items():
            out.extend(follower.poll())
            if follower.error is not None:
                if follower.error.errno in (errno.EMFILE, errno.ENFILE):
                    # One message for all of them, not one per file.
                    if not self._fds_warned:
                        self._fds_warned = True
                        problem = OSError(f"not every file can be opened: {advice()}")
                        self._report(problem, key="fds")
                    continue
                self._report(follower.error, key=path)
            else:
                self._reported.pop(path, None)  # a later failure is news again
            more = more or follower.has_more
        for source in self.commands:
            out.extend(source.poll())
            for note in source.take_notes():
                self._on_error(SourceNote(note))
            more = more or source.has_more
        self.has_more = more
        return out

    def _overflowed(self) -> None:
        """The kernel dropped inotify events: rescan and poll everything at once."""
        self._next_rescan = 0.0
        self._wake.set()

    # -- discovery ------------------------------------------------------------

    def _rescan(self, *, start: str | int) -> None:
        self._next_rescan = time.monotonic() + self._rescan_interval
        for spec in self.specs:
            self._expand(spec, start=start)

    def _take_added(self) -> None:
        """Adopt the PATHs given to :meth:`add_path` (in the tailer's thread only,
        so :attr:`followers` is never changed under a poll)."""
        with self._added_lock:
            added, self._added = self._added, []
        for spec, start in added:
            if spec not in self.specs:
                self.specs.append(spec)
                self._expand(spec, start=start)

    def _expand(self, spec: str, *, start: str | int) -> None:
        """Follow the files ``spec`` names now that are not followed yet."""
        assert self.watcher is not None
        if _GLOB_CHARS & set(spec):
            self.watcher.watch_dir(_glob_base(spec))
            found = sorted(p for p in glob.glob(spec) if os.path.isfile(p))
        elif os.path.isdir(spec):
            self.watcher.watch_dir(spec)
            found = sorted(glob.glob(os.path.join(glob.escape(spec), "*.log")))
        else:
            found = [spec]
        new = [path for path in found if path not in self.followers]
        if new:
            wanted = len(self.followers) + len(new)
            if not ensure_descriptors(wanted) and not self._fds_warned:
                # Said once, and only those that fit are opened, without a traceback.
                self._fds_warned = True
                self._report(OSError(f"{wanted} files to follow: {advice()}"), key="fds")
            limit = soft_limit()
            self._registry.max_descriptors = None if limit is None else max(1, limit - RESERVE)
        for path in new:
            self.followers[path] = Follower(
                path, start=start, grace=self._grace, registry=self._registry
            )
        for path in found:
            self.watcher.watch_dir(os.path.dirname(path) or ".")

    def _report(self, exc: Exception, *, key: str = "") -> None:
        message = str(exc)
        if self._reported.get(key) != message:
            self._reported[key] = message
            self._on_error(exc)


def _glob_base(pattern: str) -> str:
    """The directory part of ``pattern`` before its first wildcard."""
    head = pattern
    while _GLOB_CHARS & set(head):
        head = os.path.dirname(head)
    return head or "."
