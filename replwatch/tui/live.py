"""The live dashboard: the INFO poller and the log tailer as background workers.

Two workers, one per concern, each ``exclusive`` in its own group:

* ``poller`` (async, on the app's loop; redis-py's asyncio client never blocks
  it): one snapshot per interval, its poll events from ``diff``, and the log
  paths the servers report (``CONFIG GET logfile`` / ``dir``) for local nodes;
* ``tailer`` (a thread): follows the log files, parses each line into an event.
  It is restarted (the old one stopped) when new log files are found.

Both post messages to the app; neither touches a widget. With ``record`` set
they also append what they saw to a recording.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textual import work

from replwatch.addresses import Address
from replwatch.auth import Credentials, TlsOptions
from replwatch.logsources import LogSource, is_local, log_path_from_config, resolve_sources
from replwatch.model import Snapshot, diff
from replwatch.multitail import LineRecord, MultiTailer
from replwatch.poller import Poller, PollSettings
from replwatch.recording import RecordingWriter
from replwatch.tui.app import DashboardApp
from replwatch.tui.messages import EventsArrived, Note, SnapshotPolled, SourcesFound


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """What to watch and how.

    Attributes:
        targets: the nodes to poll.
        interval: seconds between poll rounds.
        logs: ``--logs`` files (added to, or overriding, what servers report).
        discover_logs: ask local servers where their log is.
        start: where to begin in each log: ``"end"``, ``"start"`` or the last N lines.
    """

    targets: Sequence[Address]
    credentials: Credentials = field(default_factory=Credentials)
    tls: TlsOptions = field(default_factory=TlsOptions)
    poll: PollSettings = field(default_factory=PollSettings)
    interval: float = 1.0
    logs: tuple[LogSource, ...] = ()
    discover_logs: bool = True
    start: str | int = 20


def discovered_logs(snapshot: Snapshot) -> dict[str, Path]:
    """node -> log path, for the local nodes that told us where they log."""
    found: dict[str, Path] = {}
    for node in snapshot.nodes:
        host = node.address.rpartition(":")[0]
        if not is_local(host) or not node.config:
            continue
        path = log_path_from_config(node.config.get("logfile"), node.config.get("dir"))
        if path is not None:
            found[node.address] = path
    return found


class LiveApp(DashboardApp):
    """The dashboard on live servers."""

    def __init__(self, settings: LiveSettings, *, recorder: RecordingWriter | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.recorder = recorder
        self._started = time.monotonic()
        self._sources: list[LogSource] = []
        self._discovered: dict[str, Path] = {}
        self._tail_stop: threading.Event | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.title = "replwatch"
        nodes = [target.key for target in self.settings.targets]
        self._use_sources(resolve_sources({}, self.settings.logs, nodes))
        self.poll_loop()

    def on_unmount(self) -> None:
        if self._tail_stop is not None:
            self._tail_stop.set()
        if self.recorder is not None:
            self.recorder.close()

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    # -- poller ----------------------------------------------------------------------
    @work(exclusive=True, group="poller")
    async def poll_loop(self) -> None:
        """Poll forever; each round becomes a SnapshotPolled and its poll events."""
        while True:
            try:
                await self._poll_forever()
            except Exception as exc:  # a bug must not freeze the screen: say so, go on
                self.post_message(Note(f"poller restarted after an error: {exc}", key="poller"))
                await asyncio.sleep(max(self.settings.interval, 1.0))

    async def _poll_forever(self) -> None:
        settings = self.settings
        nodes = [target.key for target in settings.targets]
        prev: Snapshot | None = None
        async with Poller(
            settings.targets,
            credentials=settings.credentials,
            tls=settings.tls,
            settings=settings.poll,
        ) as poller:
            async for snapshot in poller.watch(settings.interval):
                events = diff(prev, snapshot)
                prev = snapshot
                if self.recorder is not None:
                    t = self._elapsed()
                    self.recorder.write_snapshot(t, snapshot.to_dict())
                    for event in events:
                        self.recorder.write_event(t, event)
                self.post_message(SnapshotPolled(snapshot))
                if events:
                    self.post_message(EventsArrived(events))
                if settings.discover_logs:
                    # Sticky: a node that goes down stops answering CONFIG GET, but
                    # its log is still where it was (and shows why it went down).
                    self._discovered.update(discovered_logs(snapshot))
                    sources = resolve_sources(self._discovered, settings.logs, nodes)
                    if sources != self._sources:
                        self._use_sources(sources)

    # -- tailer ----------------------------------------------------------------------
    def _use_sources(self, sources: list[LogSource]) -> None:
        """Tail these files from now on (the old tailer thread is told to stop)."""
        self._sources = sources
        mapping = {str(s.path): s.node for s in sources if s.node is not None}
        self.post_message(SourcesFound(mapping))
        # A restart (a new log file was found) reads on from the end: the files the
        # old tailer followed were already shown up to about now.
        start = self.settings.start if self._tail_stop is None else "end"
        if self._tail_stop is not None:
            self._tail_stop.set()
        if not sources:
            return
        self._tail_stop = threading.Event()
        self.tail_logs([str(s.path) for s in sources], self._tail_stop, start)

    @work(thread=True, exclusive=True, group="tailer")
    def tail_logs(self, paths: list[str], stop: threading.Event, start: str | int) -> None:
        """Follow ``paths`` until ``stop`` is set; parse and post each batch of lines."""
        from replwatch.grammar.language import GrammarError
        from replwatch.parser import load_default_parser

        for path in paths:
            if not Path(path).exists():
                self.post_message(
                    Note(f"no log file at {path} (yet): showing polls only", key=f"log:{path}")
                )
        try:
            parser = load_default_parser()
        except GrammarError as exc:  # a broken user grammar: say so, keep polling
            self.post_message(Note(f"log parsing off: {exc}", key="grammar"))
            return
        year = datetime.now().year

        def on_lines(batch: list[LineRecord]) -> None:
            events = [
                parser.parse_line(rec.raw, source=rec.path, line_no=rec.line_no, year=year)
                for rec in batch
            ]
            if self.recorder is not None:
                t = self._elapsed()
                for event in events:
                    self.recorder.write_event(t, event)
            self.post_message(EventsArrived(events))

        def on_error(exc: Exception) -> None:
            self.post_message(Note(f"log: {exc}", key=f"log-error:{exc}"))

        try:
            with MultiTailer(paths, start=start, on_error=on_error) as tailer:
                tailer.run(on_lines, stop)
        except Exception as exc:  # the polls go on without the logs
            self.post_message(Note(f"log tailing stopped: {exc}", key="tailer"))
