"""``replwatch parse``: log files -> events, as aligned text, JSON Lines or counts.

Thin over :mod:`replwatch.logs.parser`: this module only opens the outputs, merges
the files, filters, and turns errors into one-line messages and exit codes.
"""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TextIO, cast

import click

from replwatch import kinds as kinds_module
from replwatch.cli.errors import WRITE_ERRORS, Command, ExitCode, fail
from replwatch.cli.render import format_event
from replwatch.cli.time_options import iso_bound, skew_offsets, skew_option, year_option
from replwatch.events import MALFORMED, UNRECOGNIZED, shift_ts
from replwatch.grammar.language import GrammarError
from replwatch.logs.files import json_batches, json_records, parse_file
from replwatch.logs.parallel import can_split, write_json_two_processes
from replwatch.logs.parser import LogParser, load_default_parser
from replwatch.timeline.merge import merge_timed

EPILOG = """\b
Exit codes:
  0  every file was read
  1  a file could not be read (the others are still parsed; one error line each)
  3  usage error (bad option, bad --since/--until, broken grammar file)

\b
Examples:
  replwatch parse 10000.log 10001.log
  replwatch parse --json --kind full_resync_requested,psync_accepted *.log | jq .
  zcat old.log.gz | replwatch parse --year 2019 -
"""

_PROGRESS_MIN_BYTES = 32 * 1024 * 1024
#: Files from this size are parsed by two processes (``--json``, one file, no filters).
_PARALLEL_MIN_BYTES = 32 * 1024 * 1024


def _real_fd(out: TextIO) -> int | None:
    """The OS file descriptor behind ``out``, or None (CliRunner's in-memory streams)."""
    try:
        return out.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def _kinds(values: tuple[str, ...]) -> frozenset[str] | None:
    kinds = {k.strip() for v in values for k in v.split(",") if k.strip()}
    return frozenset(kinds) or None


def _check_kinds(wanted: frozenset[str] | None, known: frozenset[str]) -> None:
    """A misspelt ``--kind`` would silently print nothing: make it a usage error."""
    for kind in sorted((wanted or frozenset()) - known):
        close = difflib.get_close_matches(kind, sorted(known), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else " (docs/events.md lists them)"
        fail(f"--kind {kind!r} is not a kind replwatch knows{hint}", ExitCode.USAGE)


class _Progress:
    """A bar on stderr for big files, redrawn at most 10 times a second."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.done_before = 0  # bytes of files already finished
        self.last_draw = 0.0

    def for_file(self, size: int) -> Callable[[int], None]:
        base = self.done_before
        self.done_before += size

        def update(position: int) -> None:
            now = time.monotonic()
            if now - self.last_draw < 0.1:
                return
            self.last_draw = now
            share = min((base + position) / self.total, 1.0)
            bar = "#" * int(share * 30)
            self.stream.write(f"\r[{bar:<30}] {share:4.0%}")
            self.stream.flush()

        return update

    def close(self) -> None:
        if self.last_draw:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()


def _guarded(
    stream: Iterator[tuple[str | None, str, object]], path: str, failures: list[str]
) -> Iterator[tuple[str | None, tuple[str, object]]]:
    """Yield ``(ts, (kind, item))``; an unreadable file becomes one error line."""
    try:
        for ts, kind, item in stream:
            yield ts, (kind, item)
    except OSError as exc:
        failures.append(path)
        click.echo(f"replwatch: error: {path}: {exc.strerror or exc}", err=True)


def _event_triples(
    parser: LogParser,
    path: str,
    year: int | None,
    progress: Callable[[int], None] | None,
    skew: float = 0.0,
    as_json: bool = False,
) -> Iterator[tuple[str | None, str, object]]:
    """``(ts, kind, item)`` of each line: the Event, or its JSON text with ``as_json``.

    ``skew`` moves the file's clock (``--skew``), so the merge and the output both
    carry the corrected time.
    """
    for ev in parse_file(parser, path, year=year, progress=progress):
        if skew and ev.ts:
            ev = replace(ev, ts=shift_ts(ev.ts, skew))
        yield ev.ts, ev.kind, (ev.to_json() if as_json else ev)


def _default_year(path: str, year: int | None) -> int | None:
    # stdin cannot be scanned for months: the current year unless --year says otherwise.
    return year if year is not None or path != "-" else datetime.now().year


@click.command(cls=Command, epilog=EPILOG)
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Write JSON Lines (Event.to_json()).")
@click.option("--kind", "kind_opts", multiple=True, metavar="K,...", help="Only these kinds.")
@click.option("--since", metavar="TIME", help="Only events at or after this ISO time.")
@click.option("--until", metavar="TIME", help="Only events at or before this ISO time.")
@year_option
@click.option("--stats", is_flag=True, help="Print counts per kind instead of events.")
@click.option(
    "--grammar",
    "grammar_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Extra grammar file (tried before the shipped rules). Repeatable.",
)
@skew_option
def parse(
    files: tuple[str, ...],
    as_json: bool,
    kind_opts: tuple[str, ...],
    since: str | None,
    until: str | None,
    year: int | None,
    stats: bool,
    grammar_files: tuple[str, ...],
    skew: tuple[str, ...],
) -> None:
    """Parse Redis/Valkey log FILES into events ('-' reads stdin; .gz is decompressed).

    Several files are merged by time. Text columns: time, source, role, kind and
    the kind's key fields; colours only on a terminal.
    """
    # Ctrl-C is not caught here: replwatch.cli.main turns it into a quiet exit 130
    # for every subcommand. That holds for the two-process path too: the helper
    # process exits 130 on its own, and this one's KeyboardInterrupt reaches main.
    since_ts = iso_bound(since, "--since")
    until_ts = iso_bound(until, "--until")
    kinds = _kinds(kind_opts)
    offsets = skew_offsets(skew)
    try:
        parser = load_default_parser(extra_grammar_files=grammar_files)
    except GrammarError as exc:
        fail(str(exc), ExitCode.USAGE)
        return
    _check_kinds(kinds, frozenset(parser.grammar.rules.kinds) | kinds_module.all_kinds())

    out = sys.stdout
    err = sys.stderr
    sizes = {p: _size(p) for p in files}
    progress = None
    if err.isatty() and sum(sizes.values()) >= _PROGRESS_MIN_BYTES and not stats:
        progress = _Progress(sum(sizes.values()), err)

    failures: list[str] = []
    _install_sigpipe_quiet()
    filtered = kinds or since_ts or until_ts or offsets
    if as_json and not stats and len(files) == 1 and not filtered:
        _json_one_file(parser, files[0], _default_year(files[0], year), progress, out, failures)
        if failures:
            sys.exit(ExitCode.FAILURE)
        return

    streams: list[Iterator[tuple[str | None, Any]]] = []
    for path in files:
        hook = progress.for_file(sizes[path]) if progress else None
        y = _default_year(path, year)
        if as_json and not stats and path not in offsets:
            raw: Iterator[Any] = json_records(parser, path, year=y, progress=hook)
        else:
            raw = _event_triples(
                parser, path, y, hook, offsets.get(path, 0.0), as_json=as_json and not stats
            )
        streams.append(_guarded(raw, path, failures))
    merged = streams[0] if len(streams) == 1 else _merged(files, streams)

    try:
        if stats:
            _write_stats(_filtered(merged, kinds, since_ts, until_ts), out)
        elif as_json:
            json_lines = (item for _, item in _filtered(merged, kinds, since_ts, until_ts))
            _write_lines(cast(Iterator[str], json_lines), out, live="-" in files)
        else:
            color = out.isatty() and "NO_COLOR" not in os.environ
            width = shutil.get_terminal_size().columns if out.isatty() else None
            _write_lines(
                (
                    format_event(ev, color=color, width=width)  # type: ignore[arg-type]
                    for _, ev in _filtered(merged, kinds, since_ts, until_ts)
                ),
                out,
                live="-" in files,
            )
        out.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    finally:
        if progress:
            progress.close()
    if failures:
        sys.exit(ExitCode.FAILURE)


def _merged(files: Sequence[str], streams: list[Any]) -> Iterator[tuple[str | None, Any]]:
    """The files' ``(ts, item)`` streams in the one merge order (timeline.merge)."""
    return merge_timed(_named(path, stream) for path, stream in zip(files, streams, strict=True))


def _named(path: str, stream: Iterator[tuple[str | None, Any]]) -> Iterator[Any]:
    for ts, item in stream:
        yield ts, path, (ts, item)


def _json_one_file(
    parser: LogParser,
    path: str,
    year: int | None,
    progress: _Progress | None,
    out: TextIO,
    failures: list[str],
) -> None:
    """The fastest route: one file, no filters, whole JSON blocks written at once;
    a big plain file is split over two processes (see :mod:`parse_parallel`)."""
    hook = progress.for_file(_size(path)) if progress else None
    try:
        min_bytes = int(os.environ.get("REPLWATCH_PARALLEL_MIN_BYTES", _PARALLEL_MIN_BYTES))
        out_fd = _real_fd(out)
        if out_fd is not None and can_split(path, min_bytes=min_bytes):
            out.flush()
            write_json_two_processes(parser, path, year=year, out_fd=out_fd, progress=hook)
            return
        for batch in json_batches(parser, path, year=year, progress=hook, meta=False):
            if batch.json:
                batch.json.append("")
                out.write("\n".join(batch.json))
        out.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        if exc.errno in WRITE_ERRORS:  # the output's fault, not the file's
            raise
        failures.append(path)
        click.echo(f"replwatch: error: {path}: {exc.strerror or exc}", err=True)
    finally:
        if progress:
            progress.close()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size if path != "-" else 0
    except OSError:
        return 0


def _filtered(
    merged: Iterator[tuple[str | None, tuple[str, object]]],
    kinds: frozenset[str] | None,
    since: str | None,
    until: str | None,
) -> Iterator[tuple[str, object]]:
    if kinds is None and since is None and until is None:
        for _, pair in merged:
            yield pair
        return
    last_ts = ""
    for ts, (kind, item) in merged:
        if ts is not None:
            last_ts = ts[:23]
        if kinds is not None and kind not in kinds:
            continue
        if since is not None and last_ts < since:
            continue
        if until is not None and last_ts > until:
            continue
        yield kind, item


def _write_lines(lines: Iterator[str], out: TextIO, *, live: bool = False) -> None:
    """Write in blocks: one write per ~1000 lines keeps the CLI out of the profile.

    ``live`` (stdin is read, perhaps ``tail -f … | replwatch parse -``): each line is
    written and flushed as it comes, so nothing waits for a block to fill.
    """
    if live:
        for line in lines:
            out.write(line + "\n")
            out.flush()
        return
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= 1000:
            block.append("")
            out.write("\n".join(block))
            block = []
    if block:
        block.append("")
        out.write("\n".join(block))


def _write_stats(pairs: Iterator[tuple[str, object]], out: TextIO) -> None:
    counts: Counter[str] = Counter(kind for kind, _ in pairs)
    total = sum(counts.values())
    width = max((len(k) for k in counts), default=4)
    for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"{kind:<{width}}  {n:>9}\n")
    out.write(f"{'total':<{width}}  {total:>9}\n")
    for kind in (UNRECOGNIZED, MALFORMED):
        share = counts.get(kind, 0) / total if total else 0.0
        out.write(f"{kind} share: {share:.2%}\n")


def _install_sigpipe_quiet() -> None:
    """Let ``| head`` end us like any Unix filter when we run as the main program."""
    if hasattr(signal, "SIGPIPE") and _is_main_process_cli():
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def _is_main_process_cli() -> bool:
    # Under CliRunner sys.stdout is not the real fd 1: keep Python's default there.
    try:
        return sys.stdout.fileno() == 1
    except (OSError, ValueError, AttributeError):
        return False


def _quiet_broken_pipe() -> None:
    """Python's recipe: point stdout at /dev/null so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(ExitCode.OK)
