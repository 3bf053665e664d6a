"""The event record every part of replwatch speaks.

One log line, or one change seen by the INFO poller, becomes exactly one
:class:`Event`. The record and its JSON encoding are fixed by the contract in
``docs/events.md``: ``parse --json``, ``tail --json``, the report and the
TUI all read and write this one shape, so scripts can rely on it.

Events are small frozen records. ``fields`` is a plain dict for speed and easy
JSON, but by convention it is never mutated after the event is built.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar, cast

from replwatch import kinds

#: Kinds for lines that are not understood; every other kind names what happened.
UNRECOGNIZED = kinds.UNRECOGNIZED
MALFORMED = kinds.MALFORMED

#: The key order of the JSON encoding, as in the contract.
JSON_KEYS: tuple[str, ...] = (
    "ts",
    "source",
    "line",
    "pid",
    "role",
    "level",
    "kind",
    "message",
    "fields",
)


# ------------------------------------------------------- the JSON encoding
#
# The one definition of how an event is written as JSON. ``Event.to_json`` and the
# ``parse --json`` hot loop (``logs/fastpath.py``) both build their text from these
# pieces, so the fast path cannot drift from the contract: the hot loop caches the
# pieces that repeat (source, pid/role/level, kind+message+fields) and glues them.


#: One encoder for every value: ``json.dumps`` with options builds a new encoder at
#: each call, which was a third of the time of a wrapped line's JSON.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: Any) -> str:
    """Compact JSON of one value, non-ASCII kept as is (the contract's style)."""
    return _ENCODE(value)


@functools.lru_cache(maxsize=256)
def encode_source(source: str) -> str:
    """``,"source":S,"line":`` (the line number follows)."""
    return ',"source":' + dumps(source) + ',"line":'


@functools.lru_cache(maxsize=4096)
def encode_middle(pid: int | None, role: str | None, level: str | None) -> str:
    """``,"pid":N,"role":R,"level":L,`` (the kind follows)."""
    return (
        ',"pid":'
        + ("null" if pid is None else str(pid))
        + ',"role":'
        + dumps(role)
        + ',"level":'
        + dumps(level)
        + ","
    )


def encode_fields_inner(fields: Mapping[str, Any]) -> str:
    """The members of the fields object without its braces (``""`` when empty)."""
    if not fields:
        return ""
    if all(type(k) is str for k in fields):  # the usual case: one encoder call
        return _ENCODE(fields if type(fields) is dict else dict(fields))[1:-1]
    return ",".join(dumps(str(k)) + ":" + dumps(v) for k, v in fields.items())


def encode_body_open(kind: str, message: str, fields_inner: str) -> str:
    """``"kind":K,"message":M,"fields":{F`` left open, so that more members (an
    envelope's facts) can follow before :func:`close_body` ends it."""
    return '"kind":' + dumps(kind) + ',"message":' + dumps(message) + ',"fields":{' + fields_inner


def close_body(body_open: str, fields_inner: str, extra_inner: str = "") -> str:
    """End a body from :func:`encode_body_open`, appending ``extra_inner`` members."""
    if not extra_inner:
        return body_open + "}}"
    return body_open + ("," if fields_inner else "") + extra_inner + "}}"


def encode_ts(ts: str | None) -> str:
    """``{"ts":T`` (the source follows)."""
    return '{"ts":' + ("null" if ts is None else dumps(ts))


def encode_json(
    ts: str | None,
    source: str,
    line: int | None,
    pid: int | None,
    role: str | None,
    level: str | None,
    kind: str,
    message: str,
    fields: Mapping[str, Any],
) -> str:
    """One event as one JSON Lines record, keys in :data:`JSON_KEYS` order."""
    inner = encode_fields_inner(fields)
    return (
        encode_ts(ts)
        + encode_source(source)
        + ("null" if line is None else str(line))
        + encode_middle(pid, role, level)
        + close_body(encode_body_open(kind, message, inner), inner)
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, from a log line or from a poll.

    Attributes:
        ts: ISO 8601 local time as the server wrote it (``2026-11-25T08:49:46.136``,
            an offset kept when the log carried one); ``None`` when the line had none.
        source: the file as given on the command line, or ``host:port`` for poll events.
        line: 1-based line number in ``source``; ``None`` for poll events.
        pid: process id from the header.
        role: ``master``, ``replica``, ``child``, ``sentinel`` or ``None``.
        level: ``debug``, ``verbose``, ``notice``, ``warning`` or ``None``.
        kind: what happened (see the contract); ``unrecognized`` or ``malformed``
            when no rule or no header matched.
        message: the message text after the header, exactly as written.
        fields: values pulled out of the message by the grammar.
    """

    ts: str | None
    source: str
    line: int | None
    pid: int | None
    role: str | None
    level: str | None
    kind: str
    message: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object, keys in contract order."""
        return {
            "ts": self.ts,
            "source": self.source,
            "line": self.line,
            "pid": self.pid,
            "role": self.role,
            "level": self.level,
            "kind": self.kind,
            "message": self.message,
            "fields": dict(self.fields),
        }

    def to_json(self) -> str:
        """One JSON Lines record (no trailing newline), non-ASCII kept as is."""
        return encode_json(
            self.ts,
            self.source,
            self.line,
            self.pid,
            self.role,
            self.level,
            self.kind,
            self.message,
            self.fields,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """Rebuild an event from its JSON object (recordings, ``parse --json`` output)."""
        return cls(
            ts=data.get("ts"),
            source=str(data.get("source", "")),
            line=data.get("line"),
            pid=data.get("pid"),
            role=data.get("role"),
            level=data.get("level"),
            kind=str(data.get("kind", UNRECOGNIZED)),
            message=str(data.get("message", "")),
            fields=dict(data.get("fields") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Event:
        """Rebuild an event from one JSON Lines record."""
        return cls.from_dict(json.loads(text))

    @property
    def is_understood(self) -> bool:
        """True when a grammar rule gave this event a real kind."""
        return self.kind not in (UNRECOGNIZED, MALFORMED)


class EventRecord(NamedTuple):
    """An :class:`Event`'s values as a plain tuple, same names, same meaning.

    Why: the report reads every line of files of millions of lines, and a tuple
    costs a seventh of the frozen dataclass to build. Only the analysis takes these
    (:data:`AnyEvent`); everything that writes or keeps events for others gets an
    :class:`Event` (:meth:`event`).
    """

    ts: str | None
    source: str
    line: int | None
    pid: int | None
    role: str | None
    level: str | None
    kind: str
    message: str
    fields: Mapping[str, Any]

    @property
    def is_understood(self) -> bool:
        """True when a grammar rule gave this event a real kind."""
        return self.kind not in (UNRECOGNIZED, MALFORMED)

    def event(self) -> Event:
        """The same values as an :class:`Event`."""
        return Event(*self)

    def to_json(self) -> str:
        """``self.event().to_json()``."""
        return encode_json(*self)


#: What the analysis reads: an :class:`Event` or the same values in an :class:`EventRecord`.
AnyEvent = Event | EventRecord
E = TypeVar("E", bound=AnyEvent)


def with_values(event: E, **changes: Any) -> E:
    """``event`` with some values changed (``dataclasses.replace`` for either form)."""
    if isinstance(event, EventRecord):
        return cast(E, event._replace(**changes))
    return cast(E, replace(event, **changes))


def poll_event(
    source: str,
    kind: str,
    message: str,
    *,
    ts: str,
    role: str | None = None,
    **fields: Any,
) -> Event:
    """Build an event that came from the INFO poller rather than a log line.

    Poll events have no line, pid or level in the log sense; ``level`` is set to
    ``warning`` for kinds that mean trouble so every view colours them alike.
    """
    level = "warning" if kind in kinds.POLL_PROBLEMS else "notice"
    return Event(
        ts=ts,
        source=source,
        line=None,
        pid=None,
        role=role,
        level=level,
        kind=kind,
        message=message,
        fields=fields,
    )




# ------------------------------------------------- the contract's timestamps


def parse_ts(ts: str | None) -> datetime | None:
    """An event's ISO timestamp as a naive ``datetime``; ``None`` when absent or bad.

    Offsets (Valkey's iso8601 format) are dropped rather than converted: every log
    in one report is local time of the host that wrote it, and mixing aware and naive
    datetimes would make every subtraction raise.
    """
    if not ts:
        return None
    parsed = _PARSED.get(ts, _UNPARSED)
    if parsed is not _UNPARSED:
        return parsed
    try:
        parsed = datetime.fromisoformat(ts)
    except ValueError:
        parsed = None
    else:
        if parsed.tzinfo is not None:
            parsed = parsed.replace(tzinfo=None)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[ts] = parsed
    return parsed


#: The times parse_ts read lately: a session's start and end, a fact's time, are
#: each compared more than once (bounded; datetimes are immutable).
_PARSED: dict[str, datetime | None] = {}
_PARSED_MAX = 4096
_UNPARSED = datetime.min


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from ``start`` to ``end`` (rounded to the millisecond), or ``None``."""
    first, last = parse_ts(start), parse_ts(end)
    if first is None or last is None:
        return None
    return round((last - first).total_seconds(), 3)


def shift_ts(ts: str | None, seconds: float) -> str | None:
    """``ts`` moved by ``seconds``, written back in the same ISO style (ms precision)."""
    parsed = parse_ts(ts)
    if parsed is None or ts is None:
        return ts
    moved = parsed + timedelta(seconds=seconds)
    text = moved.isoformat(timespec="milliseconds")
    offset = _OFFSET.search(ts[19:])
    return text + offset.group(0) if offset else text


_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


#: What a rotated or compressed log adds to its node's name: ``.log``, ``.1``, ``.gz``.
_SOURCE_TAIL = re.compile(r"(\.log)?(\.\d+)?(\.gz)?$")


def short_source(source: str) -> str:
    """A source's short name, the same in every view: ``/x/10001.log`` -> ``10001``;
    ``host:port`` as is; ``-`` -> ``stdin``."""
    if source == "-":
        return "stdin"
    if "/" not in source and ":" in source:
        return source
    name = source.rsplit("/", 1)[-1]
    return _SOURCE_TAIL.sub("", name) or name
