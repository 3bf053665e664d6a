"""The I/O edge of the parser: log files (plain, gzip, stdin) -> events or JSON text.

:class:`~replwatch.logs.parser.LogParser` is pure (text in, events out); this module
opens and stats files, streams them in bounded batches (:mod:`replwatch.logs.read`)
and plans the years of yearless headers (Redis 2.x-4.0) from the file's months and
modification time (:mod:`replwatch.logs.timestamps`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from replwatch.events import Event, EventRecord
from replwatch.logs.classifier import YearFor
from replwatch.logs.crash import fold_crash_batches, fold_crash_reports
from replwatch.logs.fastpath import JsonBatch, fast_json_batches, fast_record_batches
from replwatch.logs.parser import UNKNOWN_YEAR, LogParser, Progress
from replwatch.logs.read import (
    CHUNK,
    LineBatch,
    iter_batches,
    open_log,
    position_reader,
    read_chunks,
)
from replwatch.logs.timestamps import YearPlan, plan_years

#: Input bytes per list of records (see record_batches).
_RECORD_CHUNK = 256 << 10

__all__ = ["json_batches", "json_records", "parse_file", "plan_file_years", "record_batches"]


def parse_file(
    parser: LogParser,
    path_or_dash: str | Path,
    *,
    source: str | None = None,
    year: int | None = None,
    progress: Progress | None = None,
) -> Iterator[Event]:
    """Stream the events of a file (``-`` for stdin; gzip read transparently).

    Headers without a year take ``year``, else the file's modification year,
    counted back each time the months run backwards from the end (an envelope's
    dated time, when the line has one, decides instead). ``progress`` is called
    with the bytes read so far, about once per MiB (for a bar). CRI partial lines
    are joined; one still open at the end becomes its own event.

    Crash reports (``=== REDIS BUG REPORT START ===`` ... ``END``) come out as one
    ``crash`` event and ``crash_report`` lines (:func:`replwatch.logs.crash.fold_crash_reports`).

    Raises:
        OSError: the file cannot be opened or read (raised when iteration starts).
    """
    return fold_crash_reports(_events(parser, path_or_dash, source, year, progress))


def _events(
    parser: LogParser,
    path_or_dash: str | Path,
    source: str | None,
    year: int | None,
    progress: Progress | None,
) -> Iterator[Event]:
    src = source if source is not None else str(path_or_dash)
    batches, year_for = _batches_and_years(path_or_dash, year, progress)
    read = parser.read
    for batch in batches:
        line_no = batch.first_line
        overlong = batch.overlong
        for i, line in enumerate(batch.lines):
            reading = read(
                line,
                source=src,
                line_no=line_no + i,
                year_for=year_for,
                overlong=overlong.get(i, 0) if overlong else 0,
            )
            if reading is not None:
                yield reading.event(src)
    for reading in parser.flush(src):
        yield reading.event(src)


def record_batches(
    parser: LogParser,
    path_or_dash: str | Path,
    *,
    source: str | None = None,
    year: int | None = None,
    progress: Progress | None = None,
    size: int | None = None,
) -> Iterator[list[EventRecord]]:
    """:func:`parse_file` for the report, in lists of records (about a MiB of input
    each): the same events (crash reports folded), read by the ``parse --json``
    loop (:func:`replwatch.logs.fastpath.fast_record_batches`). ``size``: read only
    that many bytes of a plain (not gzip) file.

    Raises:
        OSError: the file cannot be opened or read (raised when iteration starts).
    """
    src = source if source is not None else str(path_or_dash)
    span = (0, size) if size is not None else None
    # smaller blocks than parse's: the report keeps a block's records while it
    # reads them, and the next block's while the parser makes them
    batches, year_for = _batches_and_years(path_or_dash, year, progress, span, chunk=_RECORD_CHUNK)
    return fold_crash_batches(fast_record_batches(parser, batches, source=src, year_for=year_for))


def json_records(
    parser: LogParser,
    path_or_dash: str | Path,
    *,
    source: str | None = None,
    year: int | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[str | None, str, str]]:
    """Like :func:`parse_file`, yielding ``(ts, kind, json)`` with ``json`` byte-identical
    to ``Event.to_json()``: the fast path behind ``replwatch parse --json``."""
    for batch in json_batches(parser, path_or_dash, source=source, year=year, progress=progress):
        yield from zip(batch.ts, batch.kinds, batch.json, strict=True)


def json_batches(
    parser: LogParser,
    path_or_dash: str | Path,
    *,
    source: str | None = None,
    year: int | None = None,
    progress: Progress | None = None,
    meta: bool = True,
    byte_range: tuple[int, int] | None = None,
    first_line: int = 1,
) -> Iterator[JsonBatch]:
    """:func:`json_records` in blocks of about a MiB of input (the fastest form).

    ``meta=False``: only the JSON texts are needed (``batch.ts``/``batch.kinds``
    may be left empty), which saves a little per line. ``byte_range`` (start,
    end) reads only that slice of a plain file, whose first line is numbered
    ``first_line`` (both ends must be line starts): for parallel parsing.
    """
    src = source if source is not None else str(path_or_dash)
    batches, year_for = _batches_and_years(path_or_dash, year, progress, byte_range, first_line)
    return fast_json_batches(parser, batches, source=src, year_for=year_for, meta=meta)


def _batches_and_years(
    path: str | Path,
    year: int | None,
    progress: Progress | None,
    byte_range: tuple[int, int] | None = None,
    first_line: int = 1,
    chunk: int = CHUNK,
) -> tuple[Iterator[LineBatch], YearFor]:
    if byte_range is None:
        stream = open_log(path)
        limit = None
    else:  # a slice of a plain file, for parallel parsing
        stream = open(path, "rb")  # noqa: SIM115 - closed below
        stream.seek(byte_range[0])
        limit = byte_range[1] - byte_range[0]
    year_for = _year_for(path, year)
    position = position_reader(stream) if progress is not None else None

    def batches() -> Iterator[LineBatch]:
        try:
            for batch in iter_batches(stream, first_line=first_line, limit=limit, size=chunk):
                if position is not None:
                    progress(position())  # type: ignore[misc]
                yield batch
        finally:
            if str(path) != "-":
                stream.close()

    return batches(), year_for


def _year_for(path: str | Path, year: int | None) -> YearFor:
    """The year of each line: fixed by ``year``, else planned from the file lazily."""
    if year is not None:
        return lambda _n: year
    if str(path) == "-":
        # stdin cannot be scanned twice; the CLI passes the current year.
        return lambda _n: UNKNOWN_YEAR
    plan: list[YearPlan] = []

    def year_for(line_no: int) -> int:
        if not plan:
            plan.append(plan_file_years(path))
        return plan[0].year_at(line_no)

    return year_for


def plan_file_years(path: str | Path) -> YearPlan:
    """The year plan of a file: its months read from the end, its mtime's year."""
    mtime = datetime.fromtimestamp(os.stat(path).st_mtime)
    with open_log(path) as stream:
        return plan_years(read_chunks(stream), end_year=mtime.year, end_month=mtime.month)
