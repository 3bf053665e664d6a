"""Log lines -> events: the header dialects and message rules of ``grammars/``.

:meth:`LogParser.parse_line` is pure (no I/O, no clock) and never raises: a line
that no dialect reads is ``malformed``, a header whose message no rule knows is
``unrecognized``. :meth:`LogParser.parse_file` adds the I/O edge: files, gzip,
stdin and year inference for yearless headers.

The hot path is tuned for million-line files: the dialect that matched last is
tried first, dates are converted once per distinct date, and a bounded memo
maps a message text to its kind, fields and the pre-encoded JSON tail, because
replication messages repeat a lot. :meth:`LogParser.json_records` uses that to
build ``Event.to_json()`` output without building events (tests check the bytes
are identical).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from replwatch.events import MALFORMED, UNRECOGNIZED, Event
from replwatch.grammar.dialects import LEVEL_MAP, ROLE_MAP, CompiledDialect, unescape_logfmt
from replwatch.grammar.language import GrammarError
from replwatch.grammar.loader import Grammar, load_grammar
from replwatch.grammar.rules import RuleSet
from replwatch.logs.fastpath import JsonBatch, fast_json_batches
from replwatch.logs.read import LineBatch, iter_batches, open_log, position_reader, read_chunks
from replwatch.logs.timestamps import (
    DateCache,
    YearPlan,
    local_from_epoch_ms,
    local_from_unix,
    plan_years,
    time_with_ms,
)

__all__ = ["GrammarError", "LogParser", "load_default_parser"]


#: (ts, pid, role, level, message) read from a header.
Header = tuple[str, int, str | None, str | None, str]
#: Memo value: kind, fields, message text, JSON tail ``"kind":..,"message":..,"fields":..}``.
Classified = tuple[str, dict[str, Any], str, str]
YearFor = Callable[[int], int]
#: Called with the bytes of the file read so far, about once per MiB.
Progress = Callable[[int], None]

_MEMO_MAX = 16_384
#: Year given to yearless headers when no year is known (a visible placeholder).
UNKNOWN_YEAR = 1900


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class LogParser:
    """Turns Redis / Valkey log lines into :class:`~replwatch.events.Event` records."""

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self._rules: RuleSet = grammar.rules
        self._dialects: list[CompiledDialect] = list(grammar.dialects)
        self._dates = DateCache()
        self._memo: dict[str, Classified] = {}

    # ----------------------------------------------------------------- headers
    def _read_header(self, line: str, line_no: int, year_for: YearFor) -> Header | None:
        """Try each dialect (last winner first); the header fields, or None."""
        dialects = self._dialects
        for i, dialect in enumerate(dialects):
            m = dialect.regex.fullmatch(line)
            if m is None:
                continue
            header = self._header_from_match(dialect, m, line_no, year_for)
            if header is None:
                continue
            if i:  # move to front with one assignment: safe if tail threads share us
                self._dialects = [dialect, *(d for d in dialects if d is not dialect)]
            return header
        return None

    def _header_from_match(
        self, dialect: CompiledDialect, m: Any, line_no: int, year_for: YearFor
    ) -> Header | None:
        g = m.groupdict()
        kind = dialect.ts_kind
        ts: str | None
        if kind == "dmy":
            date = self._dates.iso_date(g["date"])
            ts = None if date is None else date + "T" + time_with_ms(g["time"])
        elif kind == "dm":
            date = self._dates.iso_date(g["date"], year_for(line_no))
            ts = None if date is None else date + "T" + time_with_ms(g["time"])
        elif kind == "iso8601":
            ts = g["iso"]
        elif kind == "epoch_ms":
            ts = local_from_epoch_ms(int(g["epoch_ms"]))
        else:
            ts = local_from_unix(int(g["unix"]))
        if ts is None:
            return None
        pid = g.get("pid")
        role = g.get("role")
        level = g.get("level")
        message = g["message"]
        if dialect.logfmt:
            message = unescape_logfmt(message)
        return (
            ts,
            int(pid) if pid is not None else None,  # type: ignore[return-value]
            ROLE_MAP.get(role) if role is not None else None,
            LEVEL_MAP.get(level) if level is not None else None,
            message,
        )

    # ---------------------------------------------------------------- messages
    def _classify(self, message: str) -> Classified:
        """Kind, fields and JSON tail of a message, memoised (bounded)."""
        found = self._memo.get(message)
        if found is not None:
            return found
        result = self._rules.classify(message)
        kind, fields = result if result is not None else (UNRECOGNIZED, {})
        tail = (
            '"kind":'
            + _dumps(kind)
            + ',"message":'
            + _dumps(message)
            + ',"fields":'
            + _dumps(fields)
            + "}"
        )
        found = (kind, fields, message, tail)
        if len(self._memo) >= _MEMO_MAX:
            self._memo.clear()
        self._memo[message] = found
        return found

    # ------------------------------------------------------------------ events
    def _event(
        self, line: str, *, source: str, line_no: int, year_for: YearFor, overlong: int = 0
    ) -> Event:
        header = self._read_header(line, line_no, year_for)
        if header is None:
            fields: dict[str, Any] = {"truncated": True, "line_bytes": overlong} if overlong else {}
            return Event(None, source, line_no, None, None, None, MALFORMED, line, fields)
        ts, pid, role, level, message = header
        if overlong:
            fields = {"truncated": True, "line_bytes": overlong}
            return Event(ts, source, line_no, pid, role, level, MALFORMED, message, fields)
        kind, fields, _, _ = self._classify(message)
        return Event(ts, source, line_no, pid, role, level, kind, message, dict(fields))

    def parse_line(
        self, raw: bytes | str, *, source: str, line_no: int, year: int | None = None
    ) -> Event:
        """Parse one line (without its newline). Pure; never raises.

        Args:
            raw: the line; bytes are decoded as UTF-8 with invalid bytes replaced.
            source: the file name or ``host:port`` the line came from.
            line_no: its 1-based line number.
            year: the year for headers that carry none (default: :data:`UNKNOWN_YEAR`,
                a visible placeholder; :meth:`parse_file` infers it instead).
        """
        try:
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            if line.endswith("\r"):
                line = line[:-1]
            fixed_year = year if year is not None else UNKNOWN_YEAR
            return self._event(line, source=source, line_no=line_no, year_for=lambda _n: fixed_year)
        except Exception as exc:  # pragma: no cover - a parser bug must not stop a tail
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            return Event(
                None,
                source,
                line_no,
                None,
                None,
                None,
                MALFORMED,
                text,
                {"error": f"parser error: {type(exc).__name__}"},
            )

    def parse_lines(
        self,
        lines: Iterable[bytes | str],
        *,
        source: str,
        start_line: int = 1,
        year: int | None = None,
    ) -> Iterator[Event]:
        """Parse an iterable of lines (newlines already removed), numbering from ``start_line``."""
        for offset, raw in enumerate(lines):
            yield self.parse_line(raw, source=source, line_no=start_line + offset, year=year)

    def _batches_and_years(
        self,
        path: str | Path,
        year: int | None,
        progress: Progress | None,
        byte_range: tuple[int, int] | None = None,
        first_line: int = 1,
    ) -> tuple[Iterator[LineBatch], YearFor]:
        if byte_range is None:
            stream = open_log(path)
            limit = None
        else:  # a slice of a plain file, for parallel parsing
            stream = open(path, "rb")  # noqa: SIM115 - closed below
            stream.seek(byte_range[0])
            limit = byte_range[1] - byte_range[0]
        year_for = self._year_for(path, year)
        position = position_reader(stream) if progress is not None else None

        def batches() -> Iterator[LineBatch]:
            try:
                for batch in iter_batches(stream, first_line=first_line, limit=limit):
                    if position is not None:
                        progress(position())  # type: ignore[misc]
                    yield batch
            finally:
                if str(path) != "-":
                    stream.close()

        return batches(), year_for

    def _year_for(self, path: str | Path, year: int | None) -> YearFor:
        """The year of each line: fixed by ``year``, else planned from the file lazily."""
        if year is not None:
            return lambda _n: year
        if str(path) == "-":
            # stdin cannot be scanned twice; the CLI passes the current year.
            return lambda _n: UNKNOWN_YEAR
        plan: list[YearPlan] = []

        def year_for(line_no: int) -> int:
            if not plan:
                plan.append(self._plan_years(path))
            return plan[0].year_at(line_no)

        return year_for

    @staticmethod
    def _plan_years(path: str | Path) -> YearPlan:
        mtime = datetime.fromtimestamp(os.stat(path).st_mtime)
        with open_log(path) as stream:
            return plan_years(read_chunks(stream), end_year=mtime.year, end_month=mtime.month)

    def parse_file(
        self,
        path_or_dash: str | Path,
        *,
        source: str | None = None,
        year: int | None = None,
        progress: Progress | None = None,
    ) -> Iterator[Event]:
        """Stream the events of a file (``-`` for stdin; gzip read transparently).

        Headers without a year take ``year``, else the file's modification year,
        counted back each time the months run backwards from the end. ``progress``
        is called with the bytes read so far, about once per MiB (for a bar).

        Raises:
            OSError: the file cannot be opened or read (raised when iteration starts).
        """
        src = source if source is not None else str(path_or_dash)
        batches, year_for = self._batches_and_years(path_or_dash, year, progress)
        for batch in batches:
            line_no = batch.first_line
            overlong = batch.overlong
            for i, line in enumerate(batch.lines):
                yield self._event(
                    line,
                    source=src,
                    line_no=line_no + i,
                    year_for=year_for,
                    overlong=overlong.get(i, 0) if overlong else 0,
                )

    def json_records(
        self,
        path_or_dash: str | Path,
        *,
        source: str | None = None,
        year: int | None = None,
        progress: Progress | None = None,
    ) -> Iterator[tuple[str | None, str, str]]:
        """Like :meth:`parse_file`, yielding ``(ts, kind, json)`` with ``json`` byte-identical
        to ``Event.to_json()``: the fast path behind ``replwatch parse --json``."""
        for batch in self.json_batches(path_or_dash, source=source, year=year, progress=progress):
            yield from zip(batch.ts, batch.kinds, batch.json, strict=True)

    def json_batches(
        self,
        path_or_dash: str | Path,
        *,
        source: str | None = None,
        year: int | None = None,
        progress: Progress | None = None,
        meta: bool = True,
        byte_range: tuple[int, int] | None = None,
        first_line: int = 1,
    ) -> Iterator[JsonBatch]:
        """:meth:`json_records` in blocks of about a MiB of input (the fastest form).

        ``meta=False``: only the JSON texts are needed (``batch.ts``/``batch.kinds``
        may be left empty), which saves a little per line. ``byte_range`` (start,
        end) reads only that slice of a plain file, whose first line is numbered
        ``first_line`` (both ends must be line starts): for parallel parsing.
        """
        src = source if source is not None else str(path_or_dash)
        batches, year_for = self._batches_and_years(
            path_or_dash, year, progress, byte_range, first_line
        )
        return fast_json_batches(self, batches, source=src, year_for=year_for, meta=meta)

    def _json_line(
        self, line: str, *, source: str, line_no: int, year_for: YearFor, overlong: int = 0
    ) -> tuple[str | None, str, str]:
        """The general (slower) JSON path for one line: any dialect, malformed, overlong."""
        if overlong:
            ev = self._event(
                line, source=source, line_no=line_no, year_for=year_for, overlong=overlong
            )
            return ev.ts, ev.kind, ev.to_json()
        header = self._read_header(line, line_no, year_for)
        head = ',"source":' + _dumps(source) + ',"line":' + str(line_no)
        if header is None:
            return (
                None,
                MALFORMED,
                '{"ts":null' + head + ',"pid":null,"role":null,"level":null,'
                '"kind":"malformed","message":' + _dumps(line) + ',"fields":{}}',
            )
        ts, pid, role, level, message = header
        kind, _, _, tail = self._classify(message)
        return (
            ts,
            kind,
            '{"ts":"'
            + ts
            + '"'
            + head
            + ',"pid":'
            + ("null" if pid is None else str(pid))
            + ',"role":'
            + _dumps(role)
            + ',"level":'
            + _dumps(level)
            + ","
            + tail,
        )


def load_default_parser(
    extra_grammar_files: Iterable[str | Path] = (), user_dir: str | Path | None = None
) -> LogParser:
    """A parser with the shipped grammars, the user grammar directory and extra files.

    ``user_dir`` defaults to ``$REPLWATCH_GRAMMAR_DIR`` or
    ``~/.config/replwatch/grammars``. User and extra rules are tried first.

    Raises:
        GrammarError: a grammar file is broken (message names file, line, problem).
    """
    return LogParser(load_grammar(extra_files=extra_grammar_files, user_dir=user_dir))
