"""The two background workers of ``export``: the poll loop and the log tailer.

Each runs in its own daemon thread and only writes into
:class:`~replwatch.export.counters.ExportState`; the HTTP threads only read it.
So a dead, hung (SIGSTOP) or password-refusing node costs its own row a
``replwatch_node_up 0`` after the round deadline, and a scrape never waits.

Log files are found as the dashboard finds them: ``CONFIG GET logfile``/``dir`` of
local nodes (sticky: a node that goes down keeps its log), plus ``--logs``.
Counting begins at the end of each file found at start (a counter counts from
when the exporter started, as Prometheus expects); a log that appears later is
read from its start, like every file :class:`MultiTailer` finds later.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from replwatch.events import Event
from replwatch.export.counters import ExportState
from replwatch.follow.multitail import LineRecord, MultiTailer
from replwatch.follow.sources import LogSource, is_local, log_path_from_config, resolve_sources
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions
from replwatch.poll.rounds import MIN_ROUND_WAIT, Poller, PollSettings
from replwatch.topology.diff import diff
from replwatch.topology.snapshot import Snapshot


def discovered_logs(snapshot: Snapshot) -> dict[str, Path]:
    """node -> log path, for the local nodes that told us where they log.

    (The same rule as the dashboard's; it lives in tui/live.py, which imports
    Textual, so it is restated here rather than imported.)
    """
    found: dict[str, Path] = {}
    for node in snapshot.nodes:
        host = node.address.rpartition(":")[0]
        if not is_local(host) or not node.config:
            continue
        path = log_path_from_config(node.config.get("logfile"), node.config.get("dir"))
        if path is not None:
            found[node.address] = path
    return found


class PollWorker:
    """Polls ``targets`` every ``interval`` seconds in a thread of its own."""

    def __init__(
        self,
        state: ExportState,
        targets: Sequence[Address],
        *,
        credentials: Credentials,
        tls: TlsOptions,
        settings: PollSettings,
        interval: float,
        follow: bool = False,
        sentinels: Sequence[Address] = (),
        sentinel_credentials: Credentials | None = None,
        master_name: str | None = None,
        on_snapshot: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self.state = state
        self.targets = tuple(targets)
        self.credentials = credentials
        self.tls = tls
        self.settings = settings
        self.interval = interval
        self.follow = follow
        self.sentinels = tuple(sentinels)
        self.sentinel_credentials = sentinel_credentials
        self.master_name = master_name
        self.on_snapshot = on_snapshot
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="replwatch-poll", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                asyncio.run(self._loop())
            except Exception:  # a bug must not end the polling: start over
                self._stop.wait(max(self.interval, 1.0))

    async def _loop(self) -> None:
        prev: Snapshot | None = None
        round_wait = max(self.interval, MIN_ROUND_WAIT)
        async with Poller(
            self.targets,
            credentials=self.credentials,
            tls=self.tls,
            settings=self.settings,
            follow=self.follow,
            sentinels=self.sentinels,
            sentinel_credentials=self.sentinel_credentials,
            master_name=self.master_name,
        ) as poller:
            while not self._stop.is_set():
                started = time.monotonic()
                snapshot = await poller.poll(deadline=round_wait)
                duration = time.monotonic() - started
                self.state.record_round(snapshot, duration, diff(prev, snapshot))
                prev = snapshot
                if self.on_snapshot is not None:
                    self.on_snapshot(snapshot)
                delay = self.interval - (time.monotonic() - started)
                end = time.monotonic() + max(delay, 0.0)
                while not self._stop.is_set() and time.monotonic() < end:
                    await asyncio.sleep(min(0.1, max(end - time.monotonic(), 0.0)))


class LogWorker:
    """Follows the nodes' log files, parses each line and counts its kind."""

    def __init__(
        self,
        state: ExportState,
        nodes: Sequence[str],
        *,
        overrides: Sequence[LogSource] = (),
        discover: bool = True,
    ) -> None:
        self.state = state
        self.nodes = list(nodes)
        self.overrides = list(overrides)
        self.discover = discover
        self._discovered: dict[str, Path] = {}
        self._node_of: dict[str, str] = {}
        #: path -> node of files given to the tailer but not yet opened by it.
        self._pending: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.errors: list[str] = []
        self.tailer = MultiTailer([], start="end", on_error=self._on_error)
        self.parser: Any = None
        self.thread = threading.Thread(target=self._run, name="replwatch-logs", daemon=True)

    def start(self) -> None:
        """Load the grammars first (about a second), so that a log reported by the
        first poll round is read on from that moment, not from a second later."""
        from replwatch.logs.parser import load_default_parser

        try:
            self.parser = load_default_parser()
        except Exception as exc:  # a broken user grammar: polls go on, logs off
            self._on_error(exc)
            return
        self.tailer.open()
        self._use(resolve_sources({}, self.overrides, self.nodes), start="end")
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.tailer.stop()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Called by the poll thread after each round: adopt newly reported logs."""
        if self.parser is None:
            return
        self._promote()
        if not self.discover:
            return
        found = discovered_logs(snapshot)
        with self._lock:
            if all(self._discovered.get(node) == path for node, path in found.items()):
                return
            self._discovered.update(found)
            discovered = dict(self._discovered)
        self._use(resolve_sources(discovered, self.overrides, self.nodes), start="end")

    def _use(self, sources: Sequence[LogSource], *, start: str) -> None:
        for source in sources:
            path = str(source.path)
            with self._lock:
                if path in self._node_of:
                    continue
                node = source.node or source.path.name
                self._node_of[path] = node
                self._pending[path] = node
            self.tailer.add_path(path, start=start)

    def _promote(self) -> None:
        """A node's flaps come from its log once the tailer really reads it; until
        then (the tailer adopts a file at its next poll) the poller counts them."""
        with self._lock:
            adopted = [path for path in self._pending if path in self.tailer.followers]
            nodes = [self._pending.pop(path) for path in adopted]
        for node in nodes:
            self.state.follow_log_of(node)

    def _on_error(self, exc: Exception) -> None:
        if len(self.errors) < 100:  # bounded: the same trouble repeats
            self.errors.append(str(exc))

    def _run(self) -> None:
        parser = self.parser
        year = datetime.now().year

        def on_lines(batch: list[LineRecord]) -> None:
            by_node: dict[str, list[Event]] = {}
            for rec in batch:
                event = parser.parse_line(rec.raw, source=rec.path, line_no=rec.line_no, year=year)
                node = self._node_of.get(rec.path, Path(rec.path).name)
                by_node.setdefault(node, []).append(event)
            for node, events in by_node.items():
                self.state.record_log_events(node, events)

        try:
            self.tailer.run(on_lines, self._stop)
        except Exception as exc:
            self._on_error(exc)
        finally:
            self.tailer.close()
