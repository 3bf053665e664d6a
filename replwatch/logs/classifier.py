"""The line classifier: header dialects + message rules, with the caches the hot path needs.

Why a separate object: :class:`~replwatch.logs.parser.LogParser` (events) and the
``parse --json`` loop (:mod:`replwatch.logs.fastpath`, text) read lines the same
way; this is the one place that does it. It tries the dialect that matched last
first, converts each distinct date once, and memoises message -> kind, fields and
the pre-encoded JSON of the message part, because replication messages repeat a
lot. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from replwatch.events import UNRECOGNIZED, encode_body_open, encode_fields_inner
from replwatch.grammar.dialects import LEVEL_MAP, ROLE_MAP, CompiledDialect, unescape_logfmt
from replwatch.grammar.loader import Grammar
from replwatch.grammar.rules import RuleSet
from replwatch.logs.envelopes import ENVELOPE_KEYS
from replwatch.logs.timestamps import (
    MONTHS,
    DateCache,
    local_from_epoch_ms,
    local_from_unix,
    time_with_ms,
)

#: (ts, pid, role, level, message) read from a header.
Header = tuple[str, int, str | None, str | None, str]
YearFor = Callable[[int], int]

_MEMO_MAX = 16_384
# A pasted line without its header: an optional level character (maybe Markdown-
# escaped) and the message.
_HEADERLESS = re.compile(r"(?:\\?([.\-*#]) )?(\S+ \S.*)", re.DOTALL)


class Classified(NamedTuple):
    """What the rules make of one message (memoised per message text)."""

    kind: str
    fields: dict[str, Any]
    #: The message as the event keeps it: trailing blanks dropped when only the
    #: stripped text is known, or a field swallowed them; else as written.
    message: str
    #: ``"kind":..,"message":..,"fields":{..`` left open (see events.encode_body_open).
    body_open: str
    #: The fields' JSON members (``""`` for none).
    fields_inner: str
    #: ``body_open`` closed: the JSON tail of a bare line.
    body: str
    #: ``body_open`` plus the comma that more members need after the fields'.
    body_more: str
    #: True when a rule field has an envelope key's name: envelope facts then need
    #: the general path (the dict merge decides).
    clash: bool


class LineClassifier:
    """Reads headers and classifies messages for one grammar.

    Attributes:
        memo: message -> :class:`Classified`, read directly by the hot loop
            (``memo.get``); filled only by :meth:`classify`.
    """

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self._rules: RuleSet = grammar.rules
        self._dialects: list[CompiledDialect] = list(grammar.dialects)
        self._dates = DateCache()
        self.memo: dict[str, Classified] = {}

    @property
    def top_dialect(self) -> CompiledDialect | None:
        """The dialect tried first: the one that matched last."""
        return self._dialects[0] if self._dialects else None

    def iso_date(self, date: str, year: int | None = None) -> str | None:
        """``25 Nov 2026`` (or ``25 Nov`` + year) -> ``2026-11-25``; None if no month."""
        return self._dates.iso_date(date, year)

    # ----------------------------------------------------------------- headers
    def read_header(
        self,
        line: str,
        line_no: int,
        year_for: YearFor,
        near: tuple[int, int] | None = None,
    ) -> Header | None:
        """Try each dialect (last winner first); the header fields, or None.

        ``near`` (year, month) is an envelope's date: a yearless header takes the
        year of the envelope (one less or more across New Year) instead of
        ``year_for``.
        """
        dialects = self._dialects
        for i, dialect in enumerate(dialects):
            m = dialect.regex.fullmatch(line)
            if m is None:
                continue
            header = self._header_from_match(dialect, m, line_no, year_for, near)
            if header is None:
                continue
            if i:  # move to front with one assignment: safe if tail threads share us
                self._dialects = [dialect, *(d for d in dialects if d is not dialect)]
            return header
        return None

    def top_reads(self, line: str) -> bool:
        """True when the dialect that matched last reads ``line`` (one regex)."""
        return bool(self._dialects) and self._dialects[0].regex.fullmatch(line) is not None

    def has_header(self, line: str) -> bool:
        """True when some dialect reads ``line`` (the envelope peeler's stop test)."""
        return any(d.regex.fullmatch(line) is not None for d in self._dialects)

    def _header_from_match(
        self,
        dialect: CompiledDialect,
        m: re.Match[str],
        line_no: int,
        year_for: YearFor,
        near: tuple[int, int] | None,
    ) -> Header | None:
        g = m.groupdict()
        kind = dialect.ts_kind
        ts: str | None
        if kind == "dmy":
            date = self._dates.iso_date(g["date"])
            ts = None if date is None else date + "T" + time_with_ms(g["time"])
        elif kind == "dm":
            year = year_for(line_no) if near is None else _year_near(g["date"], *near)
            date = self._dates.iso_date(g["date"], year)
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
    def classify(self, message: str) -> Classified:
        """Kind, fields and JSON pieces of a message, memoised (bounded)."""
        found = self.memo.get(message)
        if found is not None:
            return found
        result, kept = self._read(message)
        if message[-1:].isspace():
            # Blanks a paste or a collector added must not cost the line its kind
            # or a field; blanks a server writes (and its rule expects) stay.
            again, stripped = self._read(message.rstrip())
            if again is not None and _stripped_is_better(result, again):
                result, kept = again, stripped
        kind, fields = result if result is not None else (UNRECOGNIZED, {})
        inner = encode_fields_inner(fields)
        body_open = encode_body_open(kind, kept, inner)
        found = Classified(
            kind,
            fields,
            kept,
            body_open,
            inner,
            body_open + "}}",
            body_open + ("," if inner else ""),
            not ENVELOPE_KEYS.isdisjoint(fields),
        )
        if len(self.memo) >= _MEMO_MAX:
            self.memo.clear()
        self.memo[message] = found
        return found

    def _read(self, message: str) -> tuple[tuple[str, dict[str, Any]] | None, str]:
        """(kind, fields) of a message, or None; and the message as kept. Read as a
        bug report's paste may have left it: Markdown auto-links
        (``[10.0.0.1:6379](http://10.0.0.1:6379)``) go back to their text, and
        when no rule reads it as written, numbers a paste masked (``started by pid
        BG``) are tried as such."""
        if "](" in message:
            plain = _AUTOLINK.sub(r"\1", message)
            if plain != message:
                found = self._rules.classify(plain) or self._rules.classify_masked(plain)
                if found is not None:
                    return found, plain
        found = self._rules.classify(message)
        if found is None:
            found = self._rules.classify_masked(message)
        return found, message

    def headerless(self, text: str) -> tuple[str | None, Classified] | None:
        """A message pasted without its header (``* Connecting to MASTER ...``, or
        the bare message): (level, classified) when a rule knows it, else None."""
        m = _HEADERLESS.fullmatch(text.strip())
        if m is None:
            return None
        found = self.classify(m.group(2))
        if found.kind == UNRECOGNIZED:
            return None
        level = m.group(1)
        return (LEVEL_MAP.get(level) if level else None), found


#: A Markdown link whose text is what a server wrote: GitHub makes one of an address.
_AUTOLINK = re.compile(r"\[([^\[\]\s]{1,200})\]\((?:https?|mailto):[^()\s]{0,300}\)")


def _stripped_is_better(
    as_written: tuple[str, dict[str, Any]] | None, stripped: tuple[str, dict[str, Any]]
) -> bool:
    """Whether the message without its trailing blanks reads better: it is known
    and the written one is not, a field of the written one swallowed the blanks,
    or the stripped one gives more fields (a broader rule took the blanks)."""
    if as_written is None:
        return True
    fields = as_written[1]
    if any(isinstance(v, str) and v[-1:].isspace() for v in fields.values()):
        return True
    return len(stripped[1]) > len(fields)


def _year_near(date: str, year: int, month: int) -> int:
    """The year of a yearless header date (``25 Dec``) next to an envelope date:
    the envelope's year, one less when the header is December and the envelope
    January, one more the other way round (a line written just before New Year)."""
    parts = date.split(" ")
    header_month = MONTHS.get(parts[1], month) if len(parts) == 2 else month
    if header_month == 12 and month == 1:
        return year - 1
    if header_month == 1 and month == 12:
        return year + 1
    return year
