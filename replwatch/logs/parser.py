"""Log lines -> events: the header dialects and message rules of ``grammars/``.

Pure: text in, events out (no files, no clock; :mod:`replwatch.logs.files` is the
I/O edge that reads files, gzip and stdin and plans the years of yearless
headers). :meth:`LogParser.parse_line` never raises: a line that no dialect
reads is ``malformed``, a header whose message no rule knows is
``unrecognized``.

Lines that are not bare Redis lines take the unusual route: stray blanks around
the line, an envelope in front (``docker logs -t``, compose, kubectl, CRI,
json-file, journald, syslog, a label: :mod:`replwatch.logs.envelopes`) or a
message pasted without its header (typed by the message alone, ``ts`` null).
An envelope's facts go into ``fields`` under the reserved keys of
``docs/events.md``; a bare line never gets them.

CRI writes a long line as ``P`` parts ended by an ``F`` part; :meth:`LogParser.feed`
joins them into one event and so keeps state (the pending part per source and
stream) while staying pure. :meth:`LogParser.parse_line` is the stateless form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from replwatch.events import (
    MALFORMED,
    Event,
    EventRecord,
    close_body,
    encode_fields_inner,
    encode_middle,
    encode_source,
    encode_ts,
)
from replwatch.grammar.language import GrammarError
from replwatch.grammar.loader import Grammar, load_grammar
from replwatch.logs.classifier import Classified, LineClassifier, YearFor
from replwatch.logs.envelopes import Unwrapped, Unwrapper, path_facts, syslog_ts
from replwatch.logs.read import MAX_LINE

if TYPE_CHECKING:  # only a type here: the parser itself opens nothing
    from pathlib import Path

__all__ = ["UNKNOWN_YEAR", "GrammarError", "LogParser", "load_default_parser"]


#: Called with the bytes of the file read so far, about once per MiB.
Progress = Callable[[int], None]

#: Year given to yearless headers when no year is known (a visible placeholder).
UNKNOWN_YEAR = 1900
#: Sources x streams with a CRI partial line waiting for its end.
_PENDING_MAX = 64


class Reading(NamedTuple):
    """One line read: the event's values before they become an Event or JSON text."""

    ts: str | None
    line: int
    pid: int | None
    role: str | None
    level: str | None
    kind: str
    message: str
    fields: Mapping[str, Any]
    #: The memo entry when a header/message was classified (the JSON pieces).
    found: Classified | None = None
    #: The envelope's facts, merged after ``fields`` (None: a bare line).
    facts: dict[str, Any] | None = None

    def event(self, source: str) -> Event:
        return Event(*self._values(source))

    def record(self, source: str) -> EventRecord:
        """The values of :meth:`event` as an :class:`~replwatch.events.EventRecord`."""
        return EventRecord(*self._values(source))

    def _values(
        self, source: str
    ) -> tuple[str | None, str, int, int | None, str | None, str | None, str, str, dict[str, Any]]:
        fields = dict(self.fields)
        for facts in (self.facts, path_facts(source)):
            if facts:
                for key, value in facts.items():
                    fields.setdefault(key, value)
        return (
            self.ts,
            source,
            self.line,
            self.pid,
            self.role,
            self.level,
            self.kind,
            self.message,
            fields,
        )

    def json(self, source: str) -> str:
        """``self.event(source).to_json()``, glued from the memoised pieces."""
        found = self.found
        from_path = path_facts(source)
        if found is None or ((self.facts or from_path) and found.clash):
            return self.event(source).to_json()
        facts = self.facts or {}
        if from_path:  # after the envelope's own facts, as event() merges them
            facts = {**facts, **{k: v for k, v in from_path.items() if k not in facts}}
        extra = encode_fields_inner(facts) if facts else ""
        return (
            encode_ts(self.ts)
            + encode_source(source)
            + str(self.line)
            + encode_middle(self.pid, self.role, self.level)
            + close_body(found.body_open, found.fields_inner, extra)
        )


#: "No Redis line inside" from the file's-envelope shortcut (the full route decides).
_NO_HEADER = Reading(None, 0, None, None, None, MALFORMED, "", {})


def _malformed(line: str, line_no: int, fields: Mapping[str, Any] | None = None) -> Reading:
    return Reading(None, line_no, None, None, None, MALFORMED, line, fields or {})


def _classified(
    ts: str | None,
    line_no: int,
    pid: int | None,
    role: str | None,
    level: str | None,
    found: Classified,
    facts: dict[str, Any] | None = None,
) -> Reading:
    return Reading(ts, line_no, pid, role, level, found.kind, found.message, found.fields, found,
                   facts)  # fmt: skip


class LogParser:
    """Turns Redis / Valkey log lines into :class:`~replwatch.events.Event` records.

    Attributes:
        classifier: the dialects, rules and caches (shared with the fast path).
        unwrapper: takes envelopes off lines (remembers the file's envelope).
    """

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self.classifier = LineClassifier(grammar)
        self.unwrapper = Unwrapper()
        self._pending: dict[tuple[str, str], tuple[int, Unwrapped]] = {}

    # ------------------------------------------------------------ the reading
    def read(
        self,
        line: str,
        *,
        source: str,
        line_no: int,
        year_for: YearFor,
        overlong: int = 0,
        join: bool = True,
    ) -> Reading | None:
        """Read one line (without its newline); None for a CRI partial line held
        until its end (only with ``join``)."""
        cls = self.classifier
        if self.unwrapper.last_json and not overlong:
            wrapped = self.unwrapper.unwrap_json(line)
            if wrapped is not None:
                reading = self._wrapped(wrapped, source, line_no, year_for, join, header=True)
                if reading is not _NO_HEADER:
                    return reading
        elif self.unwrapper.last_chain and not overlong and not cls.top_reads(line):
            # The file's envelope, tried before every dialect reads the line whole.
            wrapped = self.unwrapper.unwrap_last(line)
            if wrapped is not None:
                reading = self._wrapped(wrapped, source, line_no, year_for, join, header=True)
                if reading is not _NO_HEADER:
                    return reading
        header = cls.read_header(line, line_no, year_for)
        if header is not None:
            self.unwrapper.last_chain = ()  # a bare line: the fast path's route has none
            self.unwrapper.last_json = False
            ts, pid, role, level, message = header
            if overlong:
                fields = {"truncated": True, "line_bytes": overlong}
                return Reading(ts, line_no, pid, role, level, MALFORMED, message, fields)
            return _classified(ts, line_no, pid, role, level, cls.classify(message))
        if overlong:
            return _malformed(line, line_no, {"truncated": True, "line_bytes": overlong})
        return self._unusual(line, source, line_no, year_for, join)

    def _unusual(
        self, line: str, source: str, line_no: int, year_for: YearFor, join: bool
    ) -> Reading | None:
        """Not a bare Redis line: stray blanks, an envelope, a headerless paste."""
        cls = self.classifier
        text = line.strip()
        if text != line and text:
            # Blanks in front were added (a paste); blanks behind may be the server's.
            header = cls.read_header(line.lstrip(), line_no, year_for)
            if header is None:
                header = cls.read_header(text, line_no, year_for)
            if header is not None:
                ts, pid, role, level, message = header
                return _classified(ts, line_no, pid, role, level, cls.classify(message))
        # Peel from the first visible character; keep the inside's blanks as written
        # (a bare malformed line keeps them too).
        wrapped = self.unwrapper.unwrap(line.lstrip(), cls.has_header) if text else None
        if wrapped is not None:
            reading = self._wrapped(wrapped, source, line_no, year_for, join)
            if reading is not None or (join and wrapped.partial):  # None: a part held
                return reading
        found = cls.headerless(line)
        if found is not None:
            return _classified(None, line_no, None, None, found[0], found[1])
        return _malformed(line, line_no)

    def _wrapped(
        self,
        wrapped: Unwrapped,
        source: str,
        line_no: int,
        year_for: YearFor,
        join: bool,
        *,
        header: bool = False,
    ) -> Reading | None:
        """Join CRI parts (with ``join``), then read the inside. ``header``: only a
        Redis line inside will do (else :data:`_NO_HEADER`, nothing changed)."""
        key = (source, wrapped.stream)
        if join and wrapped.chain and key in self._pending:
            first_line, first = self._pending.pop(key)
            first.inner = (first.inner + wrapped.outer_inner)[:MAX_LINE]
            first.partial = wrapped.partial
            wrapped, line_no, header = first, first_line, False
        if wrapped.partial and join:
            if len(self._pending) >= _PENDING_MAX:
                self._pending.pop(next(iter(self._pending)))
            self._pending[key] = (line_no, wrapped)
            return None
        return self._inside(wrapped, line_no, year_for, header=header)

    def _inside(
        self, wrapped: Unwrapped, line_no: int, year_for: YearFor, *, header: bool = False
    ) -> Reading | None:
        """The event of an envelope's inside; None when a weak envelope (a label)
        holds no Redis line after all (:data:`_NO_HEADER` if ``header`` and none)."""
        cls = self.classifier
        when = wrapped.when
        near = (when[1], when[2]) if when is not None and when[1] is not None else None
        inner = wrapped.inner
        text = inner.strip()
        facts = wrapped.facts
        found = cls.read_header(inner, line_no, year_for, near)
        if found is None and text != inner:
            found = cls.read_header(text, line_no, year_for, near)
        if found is not None:
            ts, pid, role, level, message = found
            return _classified(ts, line_no, pid, role, level, cls.classify(message), facts)
        if header:
            return _NO_HEADER
        pasted = cls.headerless(text)
        if pasted is not None:
            stamp: str | None = None
            if when is not None:
                stamp = when[0]
                if stamp is None:  # a syslog time has no year
                    stamp = syslog_ts(str(facts.get("envelope_ts", "")), year_for(line_no))
            env_pid = facts.get("pid")
            return _classified(stamp, line_no, env_pid if isinstance(env_pid, int) else None,
                               None, pasted[0], pasted[1], facts)  # fmt: skip
        if wrapped.strong:
            return Reading(None, line_no, None, None, None, MALFORMED, inner, {}, None, facts)
        return None

    def flush(self, source: str) -> list[Reading]:
        """The CRI partial lines of ``source`` still waiting for their end (the file
        or the follow ended): each becomes its own event now."""
        out = []
        for key in [k for k in self._pending if k[0] == source]:
            line_no, wrapped = self._pending.pop(key)
            wrapped.partial = False
            reading = self._inside(wrapped, line_no, lambda _n: UNKNOWN_YEAR)
            out.append(reading if reading is not None else _malformed(wrapped.inner, line_no))
        return out

    # ------------------------------------------------------------------ events
    def parse_line(
        self, raw: bytes | str, *, source: str, line_no: int, year: int | None = None
    ) -> Event:
        """Parse one line (without its newline), alone. Pure; never raises.

        Args:
            raw: the line; bytes are decoded as UTF-8 with invalid bytes replaced.
            source: the file name or ``host:port`` the line came from.
            line_no: its 1-based line number.
            year: the year for headers that carry none (default: :data:`UNKNOWN_YEAR`,
                a visible placeholder; :func:`replwatch.logs.files.parse_file` infers it).

        A CRI partial (``P``) line is read on its own here; :meth:`feed` joins it.
        """
        event = self._parse(raw, source=source, line_no=line_no, year=year, join=False)
        assert event is not None  # join=False never holds a line
        return event

    def feed(
        self, raw: bytes | str, *, source: str, line_no: int, year: int | None = None
    ) -> Event | None:
        """Like :meth:`parse_line` for the next line of a stream (a tail): CRI
        partial lines are held (None) and their event comes with the line that
        ends them. :meth:`flush_events` gives what is still held at the end."""
        return self._parse(raw, source=source, line_no=line_no, year=year, join=True)

    def flush_events(self, source: str) -> list[Event]:
        """:meth:`flush` as events."""
        return [reading.event(source) for reading in self.flush(source)]

    def _parse(
        self, raw: bytes | str, *, source: str, line_no: int, year: int | None, join: bool
    ) -> Event | None:
        try:
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            if line.endswith("\r"):
                line = line[:-1]
            fixed_year = year if year is not None else UNKNOWN_YEAR
            reading = self.read(
                line, source=source, line_no=line_no, year_for=lambda _n: fixed_year, join=join
            )
            return None if reading is None else reading.event(source)
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
        """Parse an iterable of lines (newlines already removed), numbering from
        ``start_line``; CRI partial lines are joined."""
        for offset, raw in enumerate(lines):
            event = self.feed(raw, source=source, line_no=start_line + offset, year=year)
            if event is not None:
                yield event
        yield from self.flush_events(source)


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
