"""Fold crash reports (``=== REDIS BUG REPORT START`` ... ``END``, assertion and
Guru Meditation blocks) into ``crash`` / ``crash_report`` events.

Why a fold: most lines of a bug report have no Redis header (stack frames, register
dumps, raw INFO output), so line by line they are ``malformed`` or ``unrecognized``
and a crash reads as a wall of noise. This pure, streaming function keeps a few
scalars of state (never the block's lines): inside a block every line that no rule
typed becomes ``crash_report`` with its ``section`` and ``crash_line`` (the line
number where the block started). Exactly one ``crash`` event is emitted per block:
at the first line telling the reason (signal, assertion, panic), or, when the block
ends without one, at the line that ends it. A block longer than ``MAX_BLOCK_LINES``
or interrupted by a normal typed log line is closed, so a truncated block ends cleanly.

Usage: ``events = fold_crash_reports(events)`` right after the line parser, per source.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator
from typing import Any

from replwatch import kinds
from replwatch.events import E, with_values

MAX_BLOCK_LINES = 5000
"""A bug report is a few hundred lines; beyond this the block is treated as ended."""

TRAILER_LINES = 12
"""Lines after END ("Please report the crash by opening an issue ...") kept with it."""

_UNTYPED = frozenset({kinds.UNRECOGNIZED, kinds.MALFORMED})
_FOLDED = _UNTYPED | {kinds.CRASH, kinds.CRASH_REPORT}
"""Kinds the fold may retype inside a block (the grammar's crash lines included)."""

_START = re.compile(r"=== (?:REDIS|VALKEY) BUG REPORT START\b")
_END = re.compile(r"=== (?:REDIS|VALKEY) BUG REPORT END\b")
_ASSERT = re.compile(r"=== (?:RECURSIVE )?ASSERTION FAILED( CLIENT CONTEXT| OBJECT CONTEXT)? ===")
_ASSERT_EXPR = re.compile(r"==> (?P<file>[^:\s]+):(?P<line>\d+) '(?P<expr>.*)' is not true")
_SIGNAL = re.compile(
    r"(?:(?P<server>Redis|Valkey|valkey|redis) (?P<version>\S+) crashed by signal: "
    r"(?P<signal>\d+)(?:, si_code: (?P<si_code>-?\d+))?"
    r"|======= Ooops! Redis (?P<version2>\S+) got signal: -(?P<signal2>\d+)- =======)"
)
_GURU = re.compile(r"Guru Meditation: (?P<msg>.*) #(?P<file>[^:\s]+):(?P<line>\d+)")
_SOFTWARE_FAILURE = re.compile(r"!!! Software Failure\. Press left mouse button to continue")
_SECTION = re.compile(
    r"(?:------ (?P<name>[A-Z][A-Z ]*[A-Z]) ------|--- (?P<old>[A-Z][A-Z ]*[A-Z]))"
)

_SECTIONS = {
    "STACK TRACE": "stack",
    "STACK TRACE DONE": "stack",
    "REGISTERS": "registers",
    "INFO OUTPUT": "info",
    "CLIENT LIST OUTPUT": "clients",
    "CURRENT CLIENT INFO": "client",
    "MODULES INFO OUTPUT": "modules",
    "FAST MEMORY TEST": "memtest",
    "DUMPING CODE AROUND EIP": "code",
    "CONFIG DEBUG OUTPUT": "config",
}


def _reason(message: str) -> dict[str, Any] | None:
    """The crash's reason as fields when ``message`` tells it, else ``None``."""
    m = _SIGNAL.search(message)
    if m:
        fields: dict[str, Any] = {"reason": "signal",
                                  "signal": int(m["signal"] or m["signal2"]),
                                  "version": m["version"] or m["version2"]}
        if m["si_code"] is not None:
            fields["si_code"] = int(m["si_code"])
        return fields
    m = _ASSERT_EXPR.search(message)
    if m:
        return {"reason": "assertion", "file": m["file"], "src_line": int(m["line"]),
                "expr": m["expr"]}
    m = _GURU.search(message)
    if m:
        return {"reason": "panic", "panic": m["msg"], "file": m["file"],
                "src_line": int(m["line"])}
    return None


def _opens(message: str) -> bool:
    return bool(_START.search(message) or _ASSERT.search(message)
                or _SOFTWARE_FAILURE.search(message) or _reason(message))


def fold_crash_reports(events: Iterable[E]) -> Iterator[E]:
    """Yield ``events`` with crash blocks typed (see the module docstring).

    Lines the grammar typed as something else than ``crash`` (a normal log line in
    the middle of a report, e.g. ``Bio worker thread #0 terminated``) pass unchanged;
    a typed line outside the report's usual ones does not close the block, only
    END, the size cap, or the end of input do.
    """
    fold = CrashFolder()
    for ev in events:
        if fold.quiet and ev.kind not in _MAY_OPEN:
            yield ev  # the usual line, outside any report: nothing to look at
        else:
            yield fold.retype(ev)


def fold_crash_batches(batches: Iterable[list[E]]) -> Iterator[list[E]]:
    """:func:`fold_crash_reports` of a stream given in lists (the same fold): a list
    with no line that may open a report, and none open, passes as it is."""
    fold = CrashFolder()
    kind_of = operator.attrgetter("kind")
    for batch in batches:
        if fold.quiet and _MAY_OPEN.isdisjoint(map(kind_of, batch)):
            yield batch
        else:
            yield [ev if fold.quiet and ev.kind not in _MAY_OPEN else fold.retype(ev)
                   for ev in batch]  # fmt: skip


#: Kinds of the lines that may open a report (a typed ``crash`` line, or an untyped
#: one whose text opens it).
_MAY_OPEN = _FOLDED


class CrashFolder:
    """The fold's state: a few scalars (never the block's lines)."""

    def __init__(self) -> None:
        self.start: int | None = None  # line number of the open block's first line
        self.count = 0
        self.section = "header"
        self.crashed = False  # this block already yielded its crash event
        self.trailer = 0  # lines left in the after-END trailer
        self.trailer_start = 0

    @property
    def quiet(self) -> bool:
        """True outside any report and its trailer: only a line of a kind in
        :data:`_MAY_OPEN` can change anything."""
        return self.start is None and not self.trailer

    def retype(self, ev: E) -> E:
        """The event as the fold gives it (itself, or retyped)."""
        msg = ev.message.strip()
        if self.start is None and self.trailer and ev.kind in _UNTYPED:
            self.trailer -= 1
            return with_values(ev, kind=kinds.CRASH_REPORT,
                               fields={"section": "trailer", "crash_line": self.trailer_start})
        self.trailer = 0
        if self.start is not None and ev.kind == kinds.SERVER_STARTING:
            self.start = None  # a report cut short (no END): the restarted server's lines
        if self.start is None:
            if ev.kind != kinds.CRASH and not (ev.kind in _FOLDED and _opens(msg)):
                return ev
            self.start, self.count, self.section, self.crashed = (ev.line or 0), 0, "header", False
        start = self.start
        self.count += 1
        reason = _reason(msg) if ev.kind in _FOLDED else None
        m = _SECTION.fullmatch(msg)
        if m:
            name = m["name"] or m["old"]
            self.section = _SECTIONS.get(name, name.lower().replace(" ", "_"))
        if _END.search(msg):
            self.section = "end"
        section = self.section
        out = ev
        if reason is not None and not self.crashed:
            self.crashed = True
            fields = {**reason, **dict(ev.fields), "crash_line": start}
            out = with_values(ev, kind=kinds.CRASH, fields=fields)
        elif ev.kind in _FOLDED:
            if section == "end" and not self.crashed:
                self.crashed = True
                out = with_values(ev, kind=kinds.CRASH,
                                  fields={"reason": "unknown", "crash_line": start})
            else:
                fields2: dict[str, Any] = {**dict(ev.fields), "section": section,
                                           "crash_line": start}
                if reason is not None:
                    fields2.update(reason)
                out = with_values(ev, kind=kinds.CRASH_REPORT, fields=fields2)
        if section == "end" or self.count >= MAX_BLOCK_LINES:
            if section == "end":
                self.trailer, self.trailer_start = TRAILER_LINES, start
            self.start = None
        return out
