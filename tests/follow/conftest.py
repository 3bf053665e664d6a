"""Helpers for the tail tests: a tailer running in a thread, and a real writer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from replwatch.follow.multitail import LineRecord, MultiTailer


class Collector:
    """Runs a :class:`MultiTailer` in a worker thread (as the TUI would)."""

    def __init__(self, specs: list[str], **options: object) -> None:
        self.records: list[LineRecord] = []
        self.errors: list[Exception] = []
        self._lock = threading.Lock()
        self.tailer = MultiTailer(specs, on_error=self.errors.append, **options)  # type: ignore[arg-type]
        self.tailer.open()
        self._thread = threading.Thread(target=self.tailer.run, args=(self._add,), daemon=True)
        self._thread.start()

    def _add(self, batch: list[LineRecord]) -> None:
        with self._lock:
            self.records.extend(batch)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[LineRecord]:
        """Wait until ``count`` lines arrived (or time out), then a little more."""
        deadline = time.monotonic() + timeout
        while len(self.records) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # anything extra (a duplicate) would show up now
        with self._lock:
            return list(self.records)

    def stop(self) -> None:
        self.tailer.stop()
        self._thread.join(timeout=5)
        self.tailer.close()


@pytest.fixture(params=["inotify", "poll"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def collect(mode: str) -> Iterator:
    started: list[Collector] = []

    def start(specs: list[str], **options: object) -> Collector:
        c = Collector(specs, force_poll=(mode == "poll"), **options)
        assert c.tailer.watcher is not None and c.tailer.watcher.mode == mode
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()
