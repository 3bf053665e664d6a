"""The live dashboard: the INFO poller and the log tailer as background workers.

Two workers, one per concern, each ``exclusive`` in its own group:

* ``poller`` (async, on the app's loop; redis-py's asyncio client never blocks
  it): one snapshot per interval, its poll events from ``diff``, and the log
  paths the servers report (``CONFIG GET logfile`` / ``dir``) for local nodes;
* ``tailer`` (a thread): follows the log files, parses each line into an event.
  A log file found later (a node that answers CONFIG GET only now, a node
  started later) is added to the running tailer, so the files already followed
  keep their place; only when a file is dropped is the tailer restarted.

Both post messages to the app; neither touches a widget. With ``record`` set
they also append what they saw to a recording.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textual import work

from replwatch.follow.command import CommandSource, CommandSpec
from replwatch.follow.discovery import LogVerifier, Refused
from replwatch.follow.multitail import LineRecord, MultiTailer
from replwatch.follow.sources import LogSource, is_local, log_path_from_config, resolve_sources
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions
from replwatch.poll.rounds import Poller, PollSettings
from replwatch.recording import RecordingWriter
from replwatch.topology.diff import diff
from replwatch.topology.snapshot import Snapshot
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
        commands: live sources (``--exec``, ``--docker`` …) tailed with the files.
    """

    targets: Sequence[Address]
    credentials: Credentials = field(default_factory=Credentials)
    tls: TlsOptions = field(default_factory=TlsOptions)
    poll: PollSettings = field(default_factory=PollSettings)
    interval: float = 1.0
    logs: tuple[LogSource, ...] = ()
    discover_logs: bool = True
    start: str | int = 20
    commands: tuple[CommandSpec, ...] = ()


#: A log found mid-session at most this big is read from its start: it belongs to a
#: node that just started, and all of it (the startup lines) is news. A bigger one
#: is the history of a node that was already running; it begins like the logs
#: found at launch (``LiveSettings.start``).
NEW_LOG_MAX_BYTES = 64 * 1024


def start_for_new_log(path: str, launch_start: str | int) -> str | int:
    """Where to begin in a log file that turned up while the dashboard runs."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return "start"  # not there yet: read from its start when it appears
    return "start" if size <= NEW_LOG_MAX_BYTES else launch_start


def discovered_logs(
    snapshot: Snapshot,
    verifier: LogVerifier | None = None,
    refused: dict[str, str] | None = None,
) -> dict[str, Path]:
    """node -> log path, for the local nodes that told us where they log.

    A reported path is opened only if this machine says it is that server's log
    (:mod:`replwatch.follow.discovery`); the others go to ``refused`` (node -> why).
    """
    verifier = verifier if verifier is not None else LogVerifier()
    found: dict[str, Path] = {}
    for node in snapshot.nodes:
        host, _, port = node.address.rpartition(":")
        if not is_local(host) or not node.config:
            continue
        path = log_path_from_config(node.config.get("logfile"), node.config.get("dir"))
        if path is None:
            continue
        pid = node.server.process_id if node.server is not None else None
        try:
            found[node.address] = verifier.check(node.address, path, pid=pid, port=int(port))
        except Refused as exc:
            if refused is not None:
                refused[node.address] = str(exc)
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
        self._tailer: MultiTailer | None = None
        self._tailed: set[str] = set()
        self._log_verifier = LogVerifier()

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
                    refused: dict[str, str] = {}
                    self._discovered.update(discovered_logs(snapshot, self._log_verifier, refused))
                    for node, why in refused.items():
                        self.post_message(Note(f"{node}: {why}", key=f"log-refused:{node}"))
                    sources = resolve_sources(self._discovered, settings.logs, nodes)
                    if sources != self._sources:
                        self._use_sources(sources)

    # -- tailer ----------------------------------------------------------------------
    def _use_sources(self, sources: list[LogSource]) -> None:
        """Tail these files from now on.

        New files are added to the running tailer (the others keep their offsets:
        nothing written meanwhile is lost or shown twice). The tailer is started
        afresh only the first time, or when a file is no longer wanted; a restart
        reads on from the end, the old files having been shown up to about now.
        """
        self._sources = sources
        mapping = {str(s.path): s.node for s in sources if s.node is not None}
        self.post_message(SourcesFound(mapping))
        paths = [str(s.path) for s in sources]
        if self._tailer is not None and self._tailed <= set(paths):
            for path in paths:
                if path not in self._tailed:
                    self._note_if_missing(path)
                    self._tailer.add_path(path, start=start_for_new_log(path, self.settings.start))
            self._tailed = set(paths)
            return
        start = self.settings.start if self._tail_stop is None else "end"
        if self._tail_stop is not None:
            self._tail_stop.set()
        self._tailer = None
        self._tailed = set(paths)
        if not paths and not self.settings.commands:
            return
        for path in paths:
            self._note_if_missing(path)
        self._tail_stop = threading.Event()
        commands = [CommandSource(spec) for spec in self.settings.commands]
        self._tailer = MultiTailer(
            paths, start=start, on_error=self._on_tail_error, commands=commands
        )
        # Take the starting offsets now: the worker first loads the grammars (about a
        # second), and with start="end" the lines written meanwhile were skipped.
        try:
            self._tailer.open()
        except Exception as exc:  # the polls go on without the logs
            self._tailer = None
            self.post_message(Note(f"log tailing stopped: {exc}", key="tailer"))
            return
        self.tail_logs(self._tailer, self._tail_stop)

    def _note_if_missing(self, path: str) -> None:
        if not Path(path).exists():
            self.post_message(
                Note(f"no log file at {path} (yet): showing polls only", key=f"log:{path}")
            )

    def _on_tail_error(self, exc: Exception) -> None:
        """Tailer errors (in the tailer's thread) become notes."""
        self.post_message(Note(f"log: {exc}", key=f"log-error:{exc}"))

    @work(thread=True, exclusive=True, group="tailer")
    def tail_logs(self, tailer: MultiTailer, stop: threading.Event) -> None:
        """Follow ``tailer``'s files (opened by the caller) until ``stop`` is set; parse
        and post each batch. Closes the tailer when done."""
        from replwatch.grammar.language import GrammarError
        from replwatch.logs.parser import load_default_parser

        try:
            parser = load_default_parser()
        except GrammarError as exc:  # a broken user grammar: say so, keep polling
            tailer.close()
            self.post_message(Note(f"log parsing off: {exc}", key="grammar"))
            return
        year = datetime.now().year

        def on_lines(batch: list[LineRecord]) -> None:
            fed = (
                parser.feed(rec.raw, source=rec.path, line_no=rec.line_no, year=year)
                for rec in batch
            )
            events = [event for event in fed if event is not None]  # None: a CRI part
            if self.recorder is not None:
                t = self._elapsed()
                for event in events:
                    self.recorder.write_event(t, event)
            self.post_message(EventsArrived(events))

        try:
            tailer.run(on_lines, stop)
        except Exception as exc:  # the polls go on without the logs
            self.post_message(Note(f"log tailing stopped: {exc}", key="tailer"))
        finally:
            tailer.close()
