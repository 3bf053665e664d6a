"""Follow a command's output as a log: ``--exec``, ``--docker``, ``--kubectl``, ``--journal``.

Most Redis of 2026 logs to a container runtime or to journald, and the lines are
reached through a command (``docker logs -f``, ``ssh host tail -F …``). A
:class:`CommandSource` runs that command and offers its standard output through
the same interface as a file :class:`~replwatch.follow.follower.Follower`
(``poll``/``close``/``has_more``/``error``), so the tailer, ``tail`` and the TUI
treat both alike. The lines are split by :mod:`replwatch.follow.lines`, the same
code as for files: bytes, ``\\n``, cut at ``max_line``, a torn last line emitted as
it is when the command ends.

Why a thread per command: a pipe has no offset to come back to, so it is read as
soon as the command writes, into a bounded queue (a command faster than the parser
is held back by its full pipe, memory stays bounded); the tailer's thread takes
from the queue at its next poll and is woken when there is something to take.

The command never dies with the tailer's knowledge lost:

* it runs in its own process group (``start_new_session``), so Ctrl-C on the
  terminal does not reach it half-way; :meth:`CommandSource.close` ends the whole
  group (TERM, then KILL), so ``ssh``/``sh -c`` pipelines leave no orphan; on
  Linux the child is also told to die with us (``PR_SET_PDEATHSIG``) should we be
  killed outright;
* when it exits it is restarted with backoff (1, 2, 4 … :data:`MAX_BACKOFF` s; back
  to 1 s after a run of :data:`HEALTHY_RUN` s), with one message each time. Every
  line it wrote before exiting is delivered first. A :class:`Resume` strategy
  (given by the shortcuts) restarts it after the last line delivered, and drops the
  lines the new run repeats, so nothing is lost or printed twice at the boundary;
* what it writes on standard error is shown as notes, prefixed with the source's
  name, each line cut at :data:`STDERR_LINE` bytes and at most
  :data:`STDERR_LINES` lines per run.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from replwatch.follow.lines import MAX_LINE, LineRecord, LineSplitter

#: Seconds before the first restart; doubled after each quick exit.
FIRST_BACKOFF = 1.0
#: The longest wait between two restarts.
MAX_BACKOFF = 30.0
#: A run at least this long was fine: the next restart waits FIRST_BACKOFF again.
HEALTHY_RUN = 60.0
#: Chunks (of up to 64 KiB) waiting for the tailer; a full queue holds the command back.
QUEUE_CHUNKS = 64
#: Bytes of one standard-error line shown; the rest of it is dropped.
STDERR_LINE = 512
#: Standard-error lines shown per run of the command.
STDERR_LINES = 20
#: Seconds a TERMinated process group gets before it is KILLed.
KILL_AFTER = 2.0
_READ = 64 * 1024


class SourceNote(Exception):
    """Something a command source wants the user to see (an exit, its stderr).

    Delivered through the tailer's ``on_error`` like file errors; ``tail`` prints it
    as ``replwatch: <text>``.
    """


class Resume(Protocol):
    """How to restart a command after its last delivered line, without repeats."""

    def restart_argv(self, argv: Sequence[str], last: bytes | None) -> list[str]:
        """The command to run again, given the last line delivered (None: none yet)."""

    def key(self, raw: bytes) -> Any:
        """A sortable position of ``raw`` (a timestamp), or None when it has none.

        After a restart, lines whose key is at or before the last delivered line's
        are dropped: the new run repeats them.
        """


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command to follow.

    Attributes:
        name: the events' ``source`` (``exec:CMD``, ``docker:redis-1``).
        argv: the program and its arguments (no shell unless argv says ``sh -c``).
        merge_stderr: standard error carries log lines too (``docker logs``).
        untimed_are_notes: with ``merge_stderr``, a line that has no position for
            ``resume`` (no leading timestamp) is the program's own message (``docker:
            Cannot connect to the Docker daemon``), shown as a note, not a log line.
        install_hint: what to tell the user when the program is not installed.
        resume: how to restart without losing or repeating lines, if it can.
    """

    name: str
    argv: tuple[str, ...]
    merge_stderr: bool = False
    untimed_are_notes: bool = False
    install_hint: str = ""
    resume: Resume | None = field(default=None, compare=False)

    @property
    def display(self) -> str:
        """The command as a user would type it."""
        return shlex.join(self.argv)


def missing_program(spec: CommandSpec) -> str | None:
    """Why ``spec`` cannot run here (its program is not installed), or None."""
    program = spec.argv[0] if spec.argv else ""
    if not program:
        return "an empty command"
    if os.sep in program:
        if os.path.isfile(program) and os.access(program, os.X_OK):
            return None
        where = f"{program} is not an executable file"
    elif shutil.which(program) is not None:
        return None
    else:
        where = f"{program} not found on PATH"
    hint = f": {spec.install_hint}" if spec.install_hint else ""
    return f"cannot follow {spec.name}: {where}{hint}"


class _End:
    """Queue marker: the current run ended (its torn last line is complete)."""


_END = _End()


class CommandSource:
    """A running command whose standard output is followed like a log file.

    Args:
        spec: what to run.
        max_line: longest line kept, in bytes (as for files).
        first_backoff, max_backoff, healthy_run: the restart schedule (seconds).
        clock: monotonic clock.
    """

    def __init__(
        self,
        spec: CommandSpec,
        *,
        max_line: int = MAX_LINE,
        first_backoff: float = FIRST_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        healthy_run: float = HEALTHY_RUN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.path = spec.name
        self._splitter = LineSplitter(spec.name, max_line=max_line)
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._healthy_run = healthy_run
        self._clock = clock
        #: output chunks, run ends and (str) exit notes, in the order they happened.
        self._queue: queue.Queue[bytes | _End | str] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._notes: deque[str] = deque(maxlen=200)
        self._stop = threading.Event()
        self._wake: Callable[[], None] = lambda: None
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._proc_lock = threading.Lock()
        self._line_no = 0
        #: the last line delivered; the restart resumes after it.
        self._last: bytes | None = None
        #: after a restart: lines at or before this key repeat delivered ones.
        self._skip_key: Any = None
        #: the program's own messages noted in this run (bounded like stderr).
        self._own_lines = 0
        #: how many times the command was started.
        self.runs = 0
        self.has_more = False
        #: always None: a command's trouble is told as notes, not as a read error.
        self.error: OSError | None = None

    # -- the source interface ---------------------------------------------------

    def start(self, wake: Callable[[], None]) -> None:
        """Run the command (and keep it running) in a thread; ``wake`` on news."""
        self._wake = wake
        self._thread = threading.Thread(
            target=self._supervise, name=f"replwatch {self.path}", daemon=True
        )
        self._thread.start()

    def poll(self, *, budget: int = 1024 * 1024) -> list[LineRecord]:
        """The complete lines the command wrote since the last call."""
        out: list[LineRecord] = []
        split: list[LineRecord] = []
        read = 0
        while read < budget:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, str):
                self._deliver(split, out)  # the lines before it come first
                split.clear()
                self._notes.append(item)
                continue
            if isinstance(item, _End):
                self._splitter.end(split)
                self._deliver(split, out)
                split.clear()
                self._own_lines = 0
                resume = self.spec.resume
                if resume is not None and self._last is not None:
                    self._skip_key = resume.key(self._last)
                continue
            self._splitter.feed(item, split)
            read += len(item)
        self._deliver(split, out)
        self.has_more = not self._queue.empty()
        return out

    def take_notes(self) -> list[str]:
        """The messages gathered since the last call (exits, restarts, stderr)."""
        notes = []
        while self._notes:
            notes.append(self._notes.popleft())
        return notes

    def close(self) -> list[LineRecord]:
        """Stop the command (its whole process group) and the thread; last lines."""
        self._stop.set()
        with self._proc_lock:
            proc = self._proc
        if proc is not None:
            _end_group(proc)
        if self._thread is not None:
            self._thread.join(timeout=KILL_AFTER + 3.0)
        lines = self.poll(budget=1 << 62)
        torn: list[LineRecord] = []
        self._splitter.end(torn)
        self._deliver(torn, lines)
        return lines

    @property
    def is_open(self) -> bool:
        with self._proc_lock:
            return self._proc is not None and self._proc.poll() is None

    @property
    def open_files(self) -> int:
        return 0

    # -- consumer side (the tailer's thread) --------------------------------------

    def _deliver(self, split: list[LineRecord], out: list[LineRecord]) -> None:
        """Number the split lines in this source's own count, dropping repeats.

        The count runs on across restarts: the command's output is one stream.
        """
        resume = self.spec.resume
        own = self.spec.untimed_are_notes and resume is not None
        for rec in split:
            if own and resume is not None and resume.key(rec.raw) is None:
                self._own_lines = self._note_lines([rec], self._own_lines)
                continue
            if self._skip_key is not None and resume is not None:
                key = resume.key(rec.raw)
                if key is not None and key <= self._skip_key:
                    continue  # the restarted command repeats what was delivered
                self._skip_key = None
            self._line_no += 1
            out.append(LineRecord(self.path, self._line_no, rec.raw))
            self._last = rec.raw

    # -- supervisor side (the source's thread) --------------------------------------

    def _supervise(self) -> None:
        delay = self._first_backoff
        while not self._stop.is_set():
            argv = list(self.spec.argv)
            if self.runs and self.spec.resume is not None:
                argv = self.spec.resume.restart_argv(self.spec.argv, self._last)
            started = self._clock()
            outcome = self._run_once(argv)
            self._put(_END)
            if self._stop.is_set():
                return
            if self._clock() - started >= self._healthy_run:
                delay = self._first_backoff
            # Through the queue: told after the run's last lines, not before them.
            self._put(f"exec '{self.spec.display}' {outcome}; restarting in {delay:g}s")
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._max_backoff)

    def _run_once(self, argv: list[str]) -> str:
        """Run the command to its end, queueing its output; how it ended, in words."""
        self.runs += 1
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if self.spec.merge_stderr else subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                close_fds=True,
            )
        except OSError as exc:
            return f"could not be started ({exc.strerror or exc})"
        with self._proc_lock:
            self._proc = proc
        if self._stop.is_set():
            _end_group(proc)
        errors = None
        if proc.stderr is not None:
            errors = threading.Thread(target=self._read_stderr, args=(proc.stderr,), daemon=True)
            errors.start()
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        try:
            while chunk := os.read(fd, _READ):
                if not self._put(chunk):
                    _end_group(proc)
                    break
        except OSError:
            pass
        finally:
            proc.stdout.close()
        status = proc.wait()
        if errors is not None:
            errors.join(timeout=1.0)
        with self._proc_lock:
            self._proc = None
        if status < 0:
            return f"was killed by signal {-status}"
        return f"exited with status {status}"

    def _put(self, item: bytes | _End | str) -> bool:
        """Queue ``item`` (waiting while the queue is full); False once stopped."""
        while True:
            try:
                self._queue.put(item, timeout=0.25)
            except queue.Full:
                if self._stop.is_set():
                    return False
                continue
            self._wake()
            return True

    def _read_stderr(self, stream: Any) -> None:
        """Show the command's stderr as notes, bounded; read it all, so it never blocks."""
        splitter = LineSplitter(self.path, max_line=STDERR_LINE * 4)
        shown = 0
        lines: list[LineRecord] = []
        try:
            while chunk := os.read(stream.fileno(), _READ):
                splitter.feed(chunk, lines)
                shown = self._note_lines(lines, shown)
                lines.clear()
        except OSError:
            pass
        finally:
            splitter.end(lines)
            self._note_lines(lines, shown)
            stream.close()

    def _note_lines(self, lines: list[LineRecord], shown: int) -> int:
        """Note the program's own lines, cut and at most STDERR_LINES per run."""
        for rec in lines:
            if shown < STDERR_LINES:
                text = rec.raw[:STDERR_LINE].decode("utf-8", "replace").rstrip("\r")
                text = "".join(c if c.isprintable() else "?" for c in text)
                self._notes.append(f"{self.path}: {text}")
            elif shown == STDERR_LINES:
                self._notes.append(f"{self.path}: (more standard error not shown)")
            shown += 1
        if lines:
            self._wake()
        return shown


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM the command's process group, KILL it if it lingers."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_AFTER)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=KILL_AFTER)
    # Whatever else of the group outlived its leader goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _load_prctl() -> Callable[[int, int], int] | None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    return lambda option, value: int(prctl(option, value, 0, 0, 0))


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the thread that started us dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def sources_for(specs: Sequence[CommandSpec], **options: Any) -> list[CommandSource]:
    """One :class:`CommandSource` per spec, with the same options."""
    return [CommandSource(spec, **options) for spec in specs]
