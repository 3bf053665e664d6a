"""Header dialects: how each server version lays out pid, role, time and level.

A dialect layout is a template over header *slots* (``pid``, ``role``, ``ts``,
``level``, ``message``); the slot's type says how it is written (a role letter
or a logfmt role word, a date with or without a year, an ISO time, epoch
milliseconds...). Each layout compiles to one anchored regex with named groups;
the parser reads the groups and maps them to contract values with the tables
below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyparsing as pp

from replwatch.grammar.templates import parse_template

_TIME = r"(?P<time>\d\d:\d\d:\d\d(?:\.\d{1,6})?)"

#: (slot, type) -> regex with the named groups the parser reads.
HEADER_TYPES: dict[tuple[str, str], str] = {
    ("pid", "int"): r"(?P<pid>\d{1,10})",
    # a pid masked before the line was pasted ("X:M", "xxxx:S", "<pid>:S", "***:M"):
    # no group, so the event's pid is null
    ("pid", "masked"): r"(?:[A-Za-z]{1,12}|<[A-Za-z_ -]{1,16}>|\*{1,12}|\?{1,12})",
    # KeyDB (a Redis fork) writes the thread id after the pid ("29012:29018:S ..."):
    # read, not kept
    ("thread", "int"): r"\d{1,10}",
    ("role", "letter"): r"(?P<role>[XCSM])",
    ("role", "word"): r"(?P<role>primary|replica|RDB/AOF|sentinel|master|slave|child)",
    ("level", "char"): r"(?P<level>[.\-*#\x00])",
    ("level", "word"): r"(?P<level>debug|info|verbose|notice|warning)",
    ("ts", "dmy"): r"(?P<date>\d{1,2} [A-Z][a-z]{2} \d{4}) " + _TIME,
    ("ts", "dm"): r"(?P<date>\d{1,2} [A-Z][a-z]{2}) " + _TIME,
    ("ts", "iso8601"): r"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?"
    r"(?:[+-]\d\d:?\d\d|Z)?)",
    ("ts", "epoch_ms"): r"(?P<epoch_ms>\d{11,14})",
    ("ts", "unix"): r"(?P<unix>\d{1,11})",
    ("message", "rest"): r"(?P<message>.*)",
    ("message", "logfmt"): r"(?P<message>.*)",
}

#: Default type of a slot written without one: ``{pid}`` is ``{pid:int}``.
DEFAULT_TYPES = {"pid": "int", "role": "letter", "level": "char", "message": "rest"}

#: Role as written -> contract role.
ROLE_MAP: dict[str, str] = {
    "M": "master",
    "S": "replica",
    "C": "child",
    "X": "sentinel",
    "primary": "master",
    "master": "master",
    "replica": "replica",
    "slave": "replica",
    "RDB/AOF": "child",
    "child": "child",
    "sentinel": "sentinel",
}

#: Level as written -> contract level. A NUL level char is Redis 3.0.7 logging
#: LOG_WARNING (4) by mistake: the line is a warning.
LEVEL_MAP: dict[str, str] = {
    ".": "debug",
    "-": "verbose",
    "*": "notice",
    "#": "warning",
    "\x00": "warning",
    "debug": "debug",
    "info": "verbose",
    "verbose": "verbose",
    "notice": "notice",
    "warning": "warning",
}


@dataclass(frozen=True, slots=True)
class CompiledDialect:
    """One header layout ready for the hot loop."""

    name: str
    layout: str
    regex: re.Pattern[str]
    ts_kind: str  # dmy, dm, iso8601, epoch_ms, unix
    logfmt: bool  # message is logfmt-quoted (``\\"`` escapes)
    #: The layout up to a final ``{message:rest}``: its match end is where the
    #: message starts (the fast path slices instead of matching the message).
    prefix: re.Pattern[str] | None = None

    @property
    def groups(self) -> Mapping[str, int]:
        return self.regex.groupindex


def compile_dialect(name: str, layout: str) -> CompiledDialect:
    """Compile a header layout.

    Raises:
        ValueError: unknown slot or type, or a layout without ``ts`` or ``message``.
    """
    parts: list[str] = []
    slots: dict[str, str] = {}
    for piece in parse_template(layout):
        if isinstance(piece, str):
            parts.append(re.escape(piece))
            continue
        slot = piece.field or piece.type
        type_ = piece.type if piece.field else DEFAULT_TYPES.get(slot, "")
        if (slot, type_) not in HEADER_TYPES:
            known = ", ".join(f"{{{s}:{t}}}" for s, t in HEADER_TYPES)
            raise ValueError(f"unknown header placeholder {{{slot}:{type_}}} (known: {known})")
        if slot in slots:
            raise ValueError(f"slot {slot!r} appears twice")
        slots[slot] = type_
        parts.append(HEADER_TYPES[(slot, type_)])
    for needed in ("ts", "message"):
        if needed not in slots:
            raise ValueError(f"a layout needs a {{{needed}:...}} slot")
    matcher = pp.Regex("".join(parts), flags=re.DOTALL | re.ASCII)
    rest_last = parts[-1] == HEADER_TYPES[("message", "rest")]
    prefix = pp.Regex("".join(parts[:-1]), flags=re.DOTALL | re.ASCII).re if rest_last else None
    return CompiledDialect(
        name=name,
        layout=layout,
        regex=matcher.re,
        ts_kind=slots["ts"],
        logfmt=slots["message"] == "logfmt",
        prefix=prefix,
    )


def unescape_logfmt(message: str) -> str:
    """Undo logfmt quoting of a message (``\\"`` -> ``"``, ``\\\\`` -> ``\\``)."""
    if "\\" not in message:
        return message
    return message.replace('\\"', '"').replace("\\\\", "\\")
