"""``replwatch tail``: follow many logs live, like ``tail -F``, as events.

A thin loop over :class:`replwatch.follow.multitail.MultiTailer` (the lines), the parser (the
events), :func:`replwatch.cli.render.format_event` (one line each for people) and
:class:`replwatch.timeline.sessions.SessionTracker` (one summary line when a replica's sync
attempt ends; :class:`replwatch.timeline.fold.FailureFolder` folds a retry loop's
identical failures into the first one and a count).

``--json`` prints exactly the contract's JSON Lines (``Event.to_json()``), one per
log line and nothing else, so ``tail --json`` and ``parse --json`` over the same
lines give the same records. Sync-session summaries are for people: they are
printed in text mode only, as ``== sync: <summary>`` lines. ``--kind`` filters
the event lines; it keeps the summaries when it names the pseudo-kind
``sync_session``.

Live sources besides files (``--exec``, ``--docker``, ``--kubectl``, ``--journal``,
see :mod:`replwatch.cli.source_options`) are followed alongside, their lines named
``exec:CMD``, ``docker:C`` …; a command that exits is restarted with backoff, saying
``replwatch: exec 'CMD' exited with status N; restarting in Ns``.

Exit codes: 0 on Ctrl-C and when the reader of stdout goes away (``| head``),
2 for usage errors, 1 when the grammars cannot be loaded or a source's program
is not installed; 128+N on signal N (TERM, HUP), after the commands are stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

import click

from replwatch.cli.errors import Command, ExitCode, fail, warn
from replwatch.cli.source_options import source_options
from replwatch.cli.time_options import year_option
from replwatch.follow.command import CommandSource, CommandSpec, SourceNote
from replwatch.follow.multitail import LineRecord, MultiTailer

if TYPE_CHECKING:
    from replwatch.logs.parser import LogParser

#: the pseudo-kind that ``--kind`` uses for session summary lines.
SESSION_KIND = "sync_session"


@click.command(cls=Command)
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines events (the contract).")
@click.option(
    "-n",
    "--lines",
    "last",
    type=click.IntRange(min=0),
    default=None,
    help="Start with the last N lines of each file (default: only new lines).",
)
@click.option("--from-start", is_flag=True, help="Start at the beginning of each file.")
@click.option(
    "--kind",
    "kinds",
    default=None,
    help="Only events of these kinds (comma list); add sync_session to keep the sync summaries.",
)
@click.option("--poll", is_flag=True, help="Poll files instead of using inotify.")
@year_option
@source_options
def tail(
    paths: tuple[str, ...],
    commands: tuple[CommandSpec, ...],
    as_json: bool,
    last: int | None,
    from_start: bool,
    kinds: str | None,
    poll: bool,
    year: int | None,
) -> None:
    """Follow log files and commands live and print each line as an event.

    PATH is a log file (it may not exist yet), a directory (its *.log files,
    including ones created later) or a quoted glob ('/var/log/redis/*.log'). Files
    are followed across rotation (rename or copytruncate) and re-creation; nothing
    is lost or printed twice. --exec/--docker/--kubectl/--journal follow a
    command's output instead (or as well). Ctrl-C stops.
    """
    if not paths and not commands:
        fail("give a PATH, or --exec/--docker/--kubectl/--journal", ExitCode.USAGE)
    if last is not None and from_start:
        fail("-n/--lines and --from-start cannot be used together", ExitCode.USAGE)
    start: str | int = "start" if from_start else ("end" if last is None else last)
    wanted = frozenset(k.strip() for k in kinds.split(",") if k.strip()) if kinds else None
    sources = [CommandSource(spec) for spec in commands]
    tailer = MultiTailer(
        list(paths), start=start, force_poll=poll, on_error=_warn_error, commands=sources
    )
    try:
        # Opened first: "from now on" means from when the command was typed, not
        # from when the grammars finished loading.
        with _signals_exit(), tailer:
            for path in paths:
                if not any(c in path for c in "*?[") and not os.path.exists(path):
                    warn(f"{path} does not exist yet; waiting for it")
            printer = _Printer(
                parser=_load_parser(), as_json=as_json, wanted=wanted, year=year,
                out=sys.stdout.buffer,
            )  # fmt: skip
            tailer.run(printer.print_batch)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        _quiet_stdout()
    sys.exit(ExitCode.OK)


class _Printer:
    """Lines -> events -> output, flushed once per batch so a live tail is live."""

    def __init__(
        self,
        *,
        parser: LogParser,
        as_json: bool,
        wanted: frozenset[str] | None,
        year: int | None,
        out: BinaryIO,
    ) -> None:
        self._parse = parser.feed  # per source: CRI partial lines wait for their end
        if not as_json:  # JSON needs neither the renderer nor the session tracker
            from replwatch.cli.render import format_event
            from replwatch.timeline.fold import FailureFolder
            from replwatch.timeline.sessions import SessionTracker

            self._format = format_event
            self._sessions = SessionTracker()
            self._fold = FailureFolder()
        self._as_json = as_json
        self._wanted = wanted
        self._year = year
        self._out = out
        self._color = out.isatty() and "NO_COLOR" not in os.environ
        # On a terminal each event fits one row (as in ``parse``); in a pipe, whole.
        self._width = shutil.get_terminal_size().columns if out.isatty() else None
        self._show_sessions = not as_json and (wanted is None or SESSION_KIND in wanted)

    def print_batch(self, batch: list[LineRecord]) -> None:
        # The year of *now*, read per batch, so a tail left running over New
        # Year's Eve dates January lines in the new year.
        year = self._year if self._year is not None else datetime.now().year
        parse, wanted, lines = self._parse, self._wanted, []
        for rec in batch:
            event = parse(rec.raw, source=rec.path, line_no=rec.line_no, year=year)
            if event is None:
                continue
            if wanted is None or event.kind in wanted:
                lines.append(
                    event.to_json()
                    if self._as_json
                    else self._format(event, color=self._color, width=self._width)
                )
            if self._show_sessions:
                for session in self._sessions.feed(event):
                    lines.extend(self._session_line(text) for text in self._fold.feed(session))
        if lines:
            # UTF-8 whatever the locale: messages may hold any character.
            self._out.write(("\n".join(lines) + "\n").encode("utf-8", "replace"))
            self._out.flush()

    def _session_line(self, summary: str) -> str:
        text = f"== sync: {summary}"
        return click.style(text, bold=True) if self._color else text


def _load_parser() -> LogParser:
    from replwatch.logs.parser import GrammarError, load_default_parser

    try:
        return load_default_parser()
    except GrammarError as exc:
        fail(str(exc), ExitCode.USAGE)
        raise  # fail() exits; this keeps type checkers content


def _warn_error(exc: Exception) -> None:
    if isinstance(exc, SourceNote):  # a command's exit or stderr: news, not a fault
        click.echo(f"replwatch: {exc}", err=True)
    else:
        warn(str(exc))


@contextmanager
def _signals_exit() -> Iterator[None]:
    """TERM and HUP leave through ``finally``, so the followed commands are stopped
    (their process groups ended) instead of outliving us."""

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _quiet_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the exit flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
