"""The live source: the INFO poller and the log tailer as background workers.

Two threads, one per concern:

* ``poller`` (its own thread with its own asyncio loop): one snapshot per
  interval, its poll events from ``diff``, and the log paths the servers report
  (``CONFIG GET logfile`` / ``dir``) for local nodes. Not on the app's loop: a
  frame of a large topology takes a tenth of a second to draw, and replies that
  waited behind it read as timeouts (answering nodes shown unreachable);
* ``tailer`` (a thread): follows the log files, parses each line into an event.
  A log file found later (a node that answers CONFIG GET only now, a node
  started later) is added to the running tailer, so the files already followed
  keep their place; only when a file is dropped is the tailer restarted.

Both post messages to the dashboard screen; neither touches a widget. Nothing
blocking runs on the event loop: opening and stat-ing log files happens in a
thread, and with a recorder every record is written by its own thread
(:class:`BackgroundRecorder`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from replwatch.events import Event
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
from replwatch.tui.messages import EventsArrived, Note, SnapshotPolled, SourcesFound
from replwatch.tui.source import Source


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
        follow / sentinels / sentinel_credentials / master_name: discovery, as for
            ``status`` (see :class:`replwatch.poll.rounds.Poller`).
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
    follow: bool = True
    sentinels: Sequence[Address] = ()
    sentinel_credentials: Credentials | None = None
    master_name: str | None = None


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


class BackgroundRecorder:
    """Appends to a recording from its own thread, so no write waits on the disk
    on the event loop (or holds up the tailer). Records are queued in order;
    :meth:`close` writes what is queued, then closes the file."""

    _DONE = object()

    def __init__(self, writer: RecordingWriter) -> None:
        self.writer = writer
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def snapshot(self, t: float, snapshot: Snapshot) -> None:
        self._queue.put(("snapshot", t, snapshot))

    def events(self, t: float, events: Sequence[Event]) -> None:
        if events:
            self._queue.put(("events", t, tuple(events)))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._DONE:
                return
            assert isinstance(item, tuple)
            what: str = item[0]
            t: float = item[1]
            try:
                if what == "snapshot":
                    self.writer.write_snapshot(t, item[2].to_dict())
                else:
                    for event in item[2]:
                        self.writer.write_event(t, event)
            except (OSError, ValueError):  # a full disk stops the recording, not the screen
                return

    def close(self) -> None:
        self._queue.put(self._DONE)
        self._thread.join(timeout=5)
        self.writer.close()


class LiveSource(Source):
    """Live servers: polled every interval, their logs tailed."""

    title = "replwatch"

    def __init__(self, settings: LiveSettings, *, recorder: RecordingWriter | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.recorder = BackgroundRecorder(recorder) if recorder is not None else None
        self._started = time.monotonic()
        self._sources: list[LogSource] = []
        self._discovered: dict[str, Path] = {}
        self._tail_stop: threading.Event | None = None
        self._tailer: MultiTailer | None = None
        self._tailed: set[str] = set()
        self._log_verifier = LogVerifier()
        self._stopped = False
        self._app_loop: asyncio.AbstractEventLoop | None = None
        self._poll_thread: threading.Thread | None = None
        self._poll_thread_loop: asyncio.AbstractEventLoop | None = None
        self._poll_task: asyncio.Task[None] | None = None

    def start(self, app, dashboard) -> None:  # type: ignore[no-untyped-def]
        super().start(app, dashboard)
        self._app_loop = asyncio.get_running_loop()
        self._poll_thread = threading.Thread(
            target=self._run_poller, name="replwatch-poller", daemon=True
        )
        self._poll_thread.start()

    def _run_poller(self) -> None:
        """The poller thread: its own loop, until :meth:`stop` cancels it."""

        async def main() -> None:
            self._poll_task = asyncio.current_task()
            self._poll_thread_loop = asyncio.get_running_loop()
            if self._stopped:
                return
            with contextlib.suppress(asyncio.CancelledError):
                await self.poll_loop()

        asyncio.run(main())

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        loop, task = self._poll_thread_loop, self._poll_task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # its loop already closed
                loop.call_soon_threadsafe(task.cancel)
        if self._poll_thread is not None and self._poll_thread is not threading.current_thread():
            self._poll_thread.join(timeout=5)  # it closes its connections first
        if self._tail_stop is not None:
            self._tail_stop.set()
        if self.recorder is not None:
            self.recorder.close()

    def _post(self, message: object) -> None:
        """To the dashboard screen (thread-safe, like every post_message)."""
        assert self.dashboard is not None
        self.dashboard.post_message(message)  # type: ignore[arg-type]

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    # -- poller ----------------------------------------------------------------------
    async def poll_loop(self) -> None:
        """Poll forever; each round becomes a SnapshotPolled and its poll events."""
        nodes = [target.key for target in self.settings.targets]
        await self._switch_sources(resolve_sources({}, self.settings.logs, nodes))
        while True:
            try:
                await self._poll_forever()
            except Exception as exc:  # a bug must not freeze the screen: say so, go on
                self._post(Note(f"poller restarted after an error: {exc}", key="poller"))
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
            follow=settings.follow,
            sentinels=settings.sentinels,
            sentinel_credentials=settings.sentinel_credentials,
            master_name=settings.master_name,
        ) as poller:
            async for snapshot in poller.watch(settings.interval):
                # what the Sentinels announced since the last round (a +switch-master
                # started this one), then what changed
                heard = [announcement.to_event() for announcement in poller.take_announcements()]
                events = heard + diff(prev, snapshot)
                prev = snapshot
                if self.recorder is not None:
                    t = self._elapsed()
                    self.recorder.snapshot(t, snapshot)
                    self.recorder.events(t, events)
                self._post(SnapshotPolled(snapshot))
                if events:
                    self._post(EventsArrived(events))
                if settings.discover_logs:
                    # Sticky: a node that goes down stops answering CONFIG GET, but
                    # its log is still where it was (and shows why it went down).
                    refused: dict[str, str] = {}
                    self._discovered.update(discovered_logs(snapshot, self._log_verifier, refused))
                    for node, why in refused.items():
                        self._post(Note(f"{node}: {why}", key=f"log-refused:{node}"))
                    sources = resolve_sources(self._discovered, settings.logs, nodes)
                    if sources != self._sources:
                        await self._switch_sources(sources)

    # -- tailer ----------------------------------------------------------------------
    async def _switch_sources(self, sources: list[LogSource]) -> None:
        """Tail these files from now on: the file work in a thread, then (on the
        loop) the tailer's worker if a new tailer was opened."""
        opened = await asyncio.to_thread(self._use_sources, sources)
        if opened is not None and self._app_loop is not None and not self._stopped:
            # workers belong to the app: started on its loop, not this thread's
            with contextlib.suppress(RuntimeError):  # the app's loop has ended
                self._app_loop.call_soon_threadsafe(self._start_tailer, opened)

    def _start_tailer(self, opened: tuple[MultiTailer, threading.Event]) -> None:
        if self.app is None or self._stopped:
            opened[0].close()
            return
        self.app.run_worker(
            lambda: self.tail_logs(*opened),
            thread=True,
            group="tailer",
            exclusive=True,
            name="tailer",
        )

    def _use_sources(self, sources: list[LogSource]) -> tuple[MultiTailer, threading.Event] | None:
        """Tail these files from now on (in a thread: it stats and opens files).

        New files are added to the running tailer (the others keep their offsets:
        nothing written meanwhile is lost or shown twice). The tailer is started
        afresh only the first time, or when a file is no longer wanted; a restart
        reads on from the end, the old files having been shown up to about now.
        Returns the new tailer (opened) and its stop flag, for the caller to run.
        """
        self._sources = sources
        mapping = {str(s.path): s.node for s in sources if s.node is not None}
        self._post(SourcesFound(mapping))
        paths = [str(s.path) for s in sources]
        if self._tailer is not None and self._tailed <= set(paths):
            for path in paths:
                if path not in self._tailed:
                    self._note_if_missing(path)
                    self._tailer.add_path(path, start=start_for_new_log(path, self.settings.start))
            self._tailed = set(paths)
            return None
        start = self.settings.start if self._tail_stop is None else "end"
        if self._tail_stop is not None:
            self._tail_stop.set()
        self._tailer = None
        self._tailed = set(paths)
        if not paths and not self.settings.commands:
            return None
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
            self._post(Note(f"log tailing stopped: {exc}", key="tailer"))
            return None
        return self._tailer, self._tail_stop

    def _note_if_missing(self, path: str) -> None:
        if not Path(path).exists():
            self._post(Note(f"no log file at {path} (yet): showing polls only", key=f"log:{path}"))

    def _on_tail_error(self, exc: Exception) -> None:
        """Tailer errors (in the tailer's thread) become notes."""
        self._post(Note(f"log: {exc}", key=f"log-error:{exc}"))

    def tail_logs(self, tailer: MultiTailer, stop: threading.Event) -> None:
        """Follow ``tailer``'s files (opened by the caller) until ``stop`` is set; parse
        and post each batch. Closes the tailer when done. Runs in a thread."""
        from replwatch.grammar.language import GrammarError
        from replwatch.logs.parser import load_default_parser

        try:
            parser = load_default_parser()
        except GrammarError as exc:  # a broken user grammar: say so, keep polling
            tailer.close()
            self._post(Note(f"log parsing off: {exc}", key="grammar"))
            return
        year = datetime.now().year

        def on_lines(batch: list[LineRecord]) -> None:
            fed = (
                parser.feed(rec.raw, source=rec.path, line_no=rec.line_no, year=year)
                for rec in batch
            )
            events = [event for event in fed if event is not None]  # None: a CRI part
            if self.recorder is not None:
                self.recorder.events(self._elapsed(), events)
            self._post(EventsArrived(events))

        try:
            tailer.run(on_lines, stop)
        except Exception as exc:  # the polls go on without the logs
            self._post(Note(f"log tailing stopped: {exc}", key="tailer"))
        finally:
            tailer.close()
