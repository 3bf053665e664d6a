"""Wake the tailer when a followed directory changes: inotify, or a plain timer.

A watcher never reads a file and never decides what changed: it only calls
``wake()``. The tailer then polls its followers, which own every offset. That split
keeps the correctness in one place (:mod:`replwatch.follow.follower`) and makes a missed or
spurious wake-up harmless: the tailer also polls every :attr:`Watcher.interval`
seconds whatever the watcher says.

Two backends: :class:`InotifyWatcher` (watchdog's observer, one non-recursive watch
per parent directory) and :class:`~replwatch.follow.poll_watcher.PollWatcher` (no thread;
a short interval). :func:`make_watcher` picks one and falls back to polling when
inotify cannot be had (no inotify, ``max_user_watches`` or instances exhausted).
Errors never cross the observer thread: they go to ``on_error`` as values.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

#: Safety poll while inotify is active: a missed event costs at most this long.
SAFETY_INTERVAL = 1.0
#: Seconds :meth:`InotifyWatcher.stop` gives busy emitter threads to finish their event.
_EMITTER_DRAIN = 0.05


class Watcher(ABC):
    """Calls ``wake`` when something under a watched directory may have changed.

    Args:
        wake: called from any thread, cheap and non-blocking (sets an Event).
        on_error: receives exceptions instead of having them raised in a thread.
    """

    #: How often the tailer polls anyway, in seconds.
    interval: float = SAFETY_INTERVAL
    #: ``"inotify"`` or ``"poll"``, for messages and tests.
    mode: str = ""

    def __init__(
        self,
        *,
        wake: Callable[[], None],
        on_error: Callable[[Exception], None],
        on_overflow: Callable[[], None] | None = None,
    ) -> None:
        self._wake = wake
        self._on_error = on_error
        #: called when the kernel dropped events: the tailer must rescan.
        self._on_overflow = on_overflow or wake

    @abstractmethod
    def watch_dir(self, directory: str) -> bool:
        """Start watching ``directory``; False when it could not be watched."""

    @abstractmethod
    def start(self) -> None:
        """Start delivering wake-ups."""

    @abstractmethod
    def stop(self) -> None:
        """Stop and release everything; safe to call twice."""


class _WatchdogLog(logging.Handler):
    """watchdog's own log records, which would reach stderr unprefixed, as values.

    ``Inotify queue overflowed`` means the kernel dropped events: the tailer is told
    to rescan (``on_overflow``) and the user gets one ``replwatch:`` line. Other
    warnings become ``on_error`` values like every other watcher error.
    """

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(level=logging.WARNING)
        self._watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not take the emitter down
            message = str(record.msg)
        if "overflow" in message.lower():
            self._watcher._on_overflow()
            message = "inotify queue overflowed (events were lost); rescanned the followed files"
        self._watcher._on_error(RuntimeError(message))


class InotifyWatcher(Watcher):
    """watchdog's inotify observer on the parent directories of followed files."""

    mode = "inotify"

    def __init__(
        self,
        *,
        wake: Callable[[], None],
        on_error: Callable[[Exception], None],
        on_overflow: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(wake=wake, on_error=on_error, on_overflow=on_overflow)
        from watchdog import events
        from watchdog.observers.inotify import InotifyObserver

        wake_up = self._wake

        class _Handler(events.FileSystemEventHandler):
            def on_any_event(self, event: events.FileSystemEvent) -> None:
                wake_up()

        # Only what can mean new lines or a new file. Not opens, reads or closes
        # without writing: our own reads would wake us up again.
        self._event_filter: list[type[events.FileSystemEvent]] = [
            events.FileModifiedEvent,
            events.FileCreatedEvent,
            events.FileMovedEvent,
            events.FileDeletedEvent,
            events.FileClosedEvent,
        ]

        # Creating the observer opens the inotify instance: OSError if there is none.
        self._observer = InotifyObserver()
        self._handler = _Handler()
        self._watched: set[str] = set()
        # watch_dir() may be called from the tailer thread while stop() runs in another.
        self._lock = threading.Lock()
        self._stopped = False

    def watch_dir(self, directory: str) -> bool:
        directory = os.path.abspath(directory)
        with self._lock:
            if directory in self._watched:
                return True
            if self._stopped or not os.path.isdir(directory):
                return False  # not there yet: the safety poll covers it until it is
            try:
                self._observer.schedule(
                    self._handler, directory, recursive=False, event_filter=self._event_filter
                )
            except OSError as exc:
                # A directory that does not exist yet is covered by the safety poll;
                # anything else (watch limit reached, permission) is worth saying.
                if not isinstance(exc, FileNotFoundError):
                    self._on_error(exc)
                return False
            self._watched.add(directory)
            return True

    def start(self) -> None:
        self._log_handler = _WatchdogLog(self)
        logging.getLogger("watchdog").addHandler(self._log_handler)
        # Ours alone: without this, Python's last-resort handler prints them too.
        logging.getLogger("watchdog").propagate = False
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        """Stop the observer once, without tearing a watch down under a busy emitter.

        watchdog's ``observer.stop()`` stops each emitter by dropping its inotify
        group at once; an emitter thread that is just handling an event (a log
        being written as we stop) then logs ``InotifyEmitter.queue_events() called
        when the thread is inactive`` on stderr. So, in this order: no new watches;
        each emitter is told to leave its loop after the event in hand and busy ones
        are given a moment to do so (idle ones wait, blocked, for the next step);
        then ``observer.stop()`` unschedules every watch (which stops and joins the
        emitters) and the observer thread is joined.
        """
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            emitters = list(self._observer.emitters)
            for emitter in emitters:
                emitter.stopped_event.set()
            deadline = time.monotonic() + _EMITTER_DRAIN
            for emitter in emitters:
                if emitter.is_alive():
                    emitter.join(timeout=max(0.0, deadline - time.monotonic()))
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=2.0)
        except Exception as exc:  # a dying observer must not take the tailer down
            self._on_error(exc)
        finally:
            handler = getattr(self, "_log_handler", None)
            if handler is not None:
                watchdog_log = logging.getLogger("watchdog")
                watchdog_log.removeHandler(handler)
                if not watchdog_log.handlers:
                    watchdog_log.propagate = True
