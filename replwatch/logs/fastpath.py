"""The ``parse --json`` hot loop: build ``Event.to_json()`` text without building events.

Why a separate loop: a plain "regex + Event + json.dumps" per line runs at about
half lnav's speed. Here a batch of lines costs one ``findall`` of the *route*
(the file's envelope chain, if any, plus the header dialect that matched last),
and each line three dict lookups (date, pid+role+level, message memo) and one
string concatenation of pieces from :mod:`replwatch.events`. Anything unusual
(another dialect or envelope, a malformed, partial or over-long line) goes
through :meth:`LogParser.read`, the general path, which also moves the new
dialect / envelope to the front; the route is then re-armed. ``tests/parser``
and ``tests/logs`` check that the output is byte-identical to ``Event.to_json()``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from replwatch.events import EventRecord, encode_fields_inner, encode_middle, encode_source
from replwatch.grammar.dialects import HEADER_TYPES, LEVEL_MAP, ROLE_MAP, CompiledDialect
from replwatch.logs.classifier import YearFor
from replwatch.logs.envelopes import (
    DOCKER_JSON_HEAD,
    DOCKER_JSON_MESSAGE,
    DOCKER_JSON_TAIL,
    Envelope,
    chain_members,
    chain_pattern,
    journald_facts,
    journald_stamp,
    path_facts,
)
from replwatch.logs.parser import LogParser
from replwatch.logs.read import LineBatch

_DATE_LOCAL_MAX = 4096
# The ISO time of Valkey's iso8601 dialect, split into the date and the rest so
# that both fast layouts give (pid, role, date, time, level).
_ISO_SPLIT = (
    r"(?P<date>\d{4}-\d\d-\d\d)(?P<time>T\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:[+-]\d\d:?\d\d|Z)?)"
)
_FAST_LAYOUTS = {
    "dmy": ("pid", "role", "date", "time", "level"),
    "iso8601": ("pid", "role", "iso", "level"),
}


@dataclass(slots=True)
class JsonBatch:
    """Parallel lists for the lines of one input batch."""

    ts: list[str | None] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    json: list[str] = field(default_factory=list)


def _header_pattern(dialect: CompiledDialect | None) -> str | None:
    """The header prefix as a (pid, role, date, time, level) regex if the fast loop
    can read this dialect (a year or an ISO time, groups in the usual order)."""
    if dialect is None:
        return None
    expected = _FAST_LAYOUTS.get(dialect.ts_kind)
    if dialect.prefix is None or dialect.logfmt or expected is None:
        return None
    names = sorted(dialect.prefix.groupindex, key=dialect.prefix.groupindex.__getitem__)
    if tuple(names) != expected:
        return None
    pattern = dialect.prefix.pattern
    if dialect.ts_kind == "iso8601":
        iso = HEADER_TYPES[("ts", "iso8601")]
        if pattern.count(iso) != 1:
            return None
        pattern = pattern.replace(iso, _ISO_SPLIT)
    return pattern


class _Route:
    """How the hot loop reads the current file: envelope chain + header dialect."""

    def __init__(
        self,
        dialect: CompiledDialect | None,
        chain: tuple[Envelope, ...],
        json_kind: str | None = None,
    ) -> None:
        self.dialect = dialect
        self.chain = chain
        #: ``docker-json``: each line is Docker's json-file object around the header;
        #: a row is then (pid, role, date, time, level, escaped message, stream, time)
        self.docker = json_kind == "docker-json" and not chain
        #: ``journald-json``: each line is a ``journalctl -o json`` object; its rows
        #: come from :class:`_JournaldRows` (a row ends with the facts as JSON text)
        self.journald: _JournaldRows | None = None
        self.json_kind = json_kind
        header = _header_pattern(dialect)
        self.match: Callable[[str], re.Match[str] | None] | None = None
        self.findall: Callable[[str], list[tuple[str, ...]]] | None = None
        #: Number of envelope groups in front of the header's in each row.
        self.env_groups = sum(env.groups for env in chain)
        self.members: Callable[..., str] | None = chain_members(chain) if chain else None
        self.fact_keys = frozenset(fact.key for env in chain for fact in env.facts)
        self.iso = dialect is not None and dialect.ts_kind == "iso8601"
        if header is None:
            return
        if json_kind == "journald-json" and not chain:
            self.journald = _JournaldRows(re.compile(header, re.DOTALL | re.ASCII).match)
            return
        if self.docker:
            pattern = DOCKER_JSON_HEAD + header + DOCKER_JSON_MESSAGE + DOCKER_JSON_TAIL + "$"
            self.match = re.compile(pattern, re.ASCII).match
            self.findall = re.compile("^" + pattern, re.MULTILINE | re.ASCII).findall
            return
        pattern = chain_pattern(chain) + header
        self.match = re.compile(pattern, re.DOTALL | re.ASCII).match
        self.findall = re.compile("^" + pattern + "(.*)$", re.MULTILINE | re.ASCII).findall


class _Emitter:
    """Turns rows of a route (envelope groups, pid, role, date, time, level,
    message) into JSON texts: the one place the hot loop writes an event."""

    def __init__(self, parser: LogParser, source: str, year_for: YearFor, meta: bool) -> None:
        self.parser = parser
        self.source = source
        self.year_for = year_for
        self.meta = meta
        self.line_prefix = encode_source(source)
        #: the file's own facts (a kubelet path's namespace/pod/container), after the
        #: envelope's; a route whose envelope has one of those keys takes the general path
        facts = path_facts(source)
        self.path_keys = frozenset(facts)
        self.path_extra = encode_fields_inner(facts)
        self.dates: dict[str, str | None] = {}
        self.middles: dict[tuple[str, str, str], str] = {}
        #: (pid, role, level) of a header as the event gives them, for records
        self.people: dict[tuple[str, str, str], tuple[int, str | None, str | None]] = {}

    def rows(
        self,
        route: _Route,
        rows: Sequence[tuple[str, ...]],
        lines: Sequence[str],
        first: int,
        line_no: int,
        out: JsonBatch,
    ) -> None:
        """Emit ``rows`` read from ``lines[first:]``, numbered from ``line_no``."""
        memo = self.parser.classifier.memo
        classify = self.parser.classifier.classify
        dates, middles, line_prefix = self.dates, self.middles, self.line_prefix
        ts_add, kind_add, json_add = out.ts.append, out.kinds.append, out.json.append
        meta, iso = self.meta, route.iso
        n = route.env_groups
        members = route.members
        path_extra = self.path_extra
        if (
            path_extra
            and (members is not None or route.docker or route.journald is not None)
            and (route.fact_keys | _json_keys(route)) & self.path_keys
        ):
            for offset in range(len(rows)):  # an envelope names a pod too: dicts decide
                self.general(lines[first + offset], line_no + offset, out)
            return
        docker = route.docker
        docker_extra = ""
        journald = route.journald is not None
        journald_extra = ""
        for row in rows:
            if docker:
                pid, role, date, time, level, message, stream, stamp = row
                if "\\" in message:
                    message = _unescape(message)  # type: ignore[assignment]
                    if message is None:  # \r, \n or \u0000 inside: the general path
                        self.general(lines[first], line_no, out)
                        first += 1
                        line_no += 1
                        continue
                # the facts _docker_json gives, as encode_fields_inner writes them
                docker_extra = (
                    f'"envelope":"docker-json","stream":"{stream}","envelope_ts":"{stamp}"'
                )
            elif journald:
                pid, role, date, time, level, message, journald_extra = row
            else:
                pid, role, date, time, level, message = row[n:] if n else row
            day = dates.get(date)
            if day is None:
                day = self.new_day(date, iso)
                if day is None:  # not a day of the calendar: the general path decides
                    self.general(lines[first], line_no, out)
                    first += 1
                    line_no += 1
                    continue
            ts = day + time if iso or len(time) == 12 else day + _with_ms(time)
            middle = middles.get((pid, role, level))
            if middle is None:
                middle = middles[(pid, role, level)] = encode_middle(
                    int(pid), ROLE_MAP.get(role), LEVEL_MAP.get(level)
                )
            found = memo.get(message)
            if found is None:
                found = classify(message)
            if meta:
                ts_add(ts)
                kind_add(found.kind)
            if members is None and not path_extra and not docker and not journald:
                json_add(f'{{"ts":"{ts}"{line_prefix}{line_no}{middle}{found.body}')
            elif found.clash:  # a rule field named like an envelope fact
                if meta:
                    out.ts.pop()
                    out.kinds.pop()
                self.general(lines[first], line_no, out)
            else:  # the envelope's facts follow the rule's fields, then the file's
                if docker:
                    extra = docker_extra + ("," + path_extra if path_extra else "")
                elif journald:
                    extra = journald_extra + ("," + path_extra if path_extra else "")
                elif members is None:
                    extra = path_extra
                elif path_extra:
                    extra = members(*row) + "," + path_extra
                else:
                    extra = members(*row)
                json_add(f'{{"ts":"{ts}"{line_prefix}{line_no}{middle}{found.body_more}{extra}}}}}')
            first += 1
            line_no += 1

    def records(
        self,
        route: _Route,
        rows: Sequence[tuple[str, ...]],
        lines: Sequence[str],
        first: int,
        line_no: int,
        out: list[EventRecord],
    ) -> None:
        """:meth:`rows` for the report: the same reading of each row, given as an
        :class:`~replwatch.events.EventRecord` instead of JSON text. Bare lines only
        (a route with an envelope goes through :meth:`general_record`)."""
        memo = self.parser.classifier.memo
        classify = self.parser.classifier.classify
        dates, people, source, iso = self.dates, self.people, self.source, route.iso
        add = out.append
        make = tuple.__new__
        for pid, role, date, time, level, message in rows:
            day = dates.get(date)
            if day is None:
                day = self.new_day(date, iso)
                if day is None:  # not a day of the calendar: the general path decides
                    self.general_record(lines[first], line_no, out)
                    first += 1
                    line_no += 1
                    continue
            ts = day + time if iso or len(time) == 12 else day + _with_ms(time)
            who = people.get((pid, role, level))
            if who is None:
                who = people[(pid, role, level)] = (
                    int(pid),
                    ROLE_MAP.get(role),
                    LEVEL_MAP.get(level),
                )
            found = memo.get(message)
            if found is None:
                found = classify(message)
            add(make(EventRecord, (ts, source, line_no, *who, found.kind, found.message,
                                   found.fields)))  # fmt: skip
            first += 1
            line_no += 1

    def general_record(
        self, line: str, line_no: int, out: list[EventRecord], overlong: int = 0
    ) -> None:
        """:meth:`general` for :meth:`records`."""
        reading = self.parser.read(
            line, source=self.source, line_no=line_no, year_for=self.year_for, overlong=overlong
        )
        if reading is not None:
            out.append(reading.record(self.source))

    def new_day(self, date: str, iso: bool) -> str | None:
        """The ``ts`` date part of a header date not yet in the cache, cached; None when
        it is no day of the calendar. Off the hot loop's path: one call per new date."""
        day = date if iso else self.parser.classifier.iso_date(date)
        if day is None:
            return None
        if not iso:
            day += "T"
        if len(self.dates) >= _DATE_LOCAL_MAX:
            self.dates.clear()
        self.dates[date] = day
        return day

    def general(self, line: str, line_no: int, out: JsonBatch, overlong: int = 0) -> None:
        """One line through :meth:`LogParser.read` (nothing for a held partial line)."""
        reading = self.parser.read(
            line, source=self.source, line_no=line_no, year_for=self.year_for, overlong=overlong
        )
        if reading is not None:
            out.ts.append(reading.ts)
            out.kinds.append(reading.kind)
            out.json.append(reading.json(self.source))


def fast_json_batches(
    parser: LogParser,
    batches: Iterator[LineBatch],
    *,
    source: str,
    year_for: YearFor,
    meta: bool = True,
) -> Iterator[JsonBatch]:
    """JSON Lines text for each batch of lines (see the module docstring).

    With ``meta=False`` only ``JsonBatch.json`` is guaranteed filled (``ts`` and
    ``kinds`` may stay empty): the single-file, unfiltered output needs no more.
    """
    emit = _Emitter(parser, source, year_for, meta)
    classifier, unwrapper = parser.classifier, parser.unwrapper
    route = _Route(classifier.top_dialect, ())
    for batch in batches:
        out = JsonBatch()
        lines = batch.lines
        if route.findall is not None and batch.text:
            rows = route.findall(batch.text)
            if len(rows) == len(lines):  # every line read by the route: the C-speed way
                emit.rows(route, rows, lines, 0, batch.first_line, out)
                yield out
                continue
        overlong = batch.overlong
        run: list[tuple[str, ...]] = []  # consecutive lines the route read
        run_start = 0
        journald = route.journald
        for i, line in enumerate(lines):
            if journald is not None and not overlong:
                row = journald(line)
                if row is not None:
                    if not run:
                        run_start = i
                    run.append(row)
                    continue
            m = route.match(line) if route.match is not None and not overlong else None
            if m is not None:
                if not run:
                    run_start = i
                run.append(m.groups() if route.docker else (*m.groups(), line[m.end() :]))
                continue
            if run:
                emit.rows(route, run, lines, run_start, batch.first_line + run_start, out)
                run = []
            emit.general(line, batch.first_line + i, out, overlong.get(i, 0) if overlong else 0)
            json_kind = unwrapper.last_json_kind if unwrapper.last_json else None
            if (
                classifier.top_dialect is not route.dialect
                or unwrapper.last_chain != route.chain
                or json_kind != route.json_kind
            ):
                route = _Route(classifier.top_dialect, unwrapper.last_chain, json_kind)
                journald = route.journald
        if run:
            emit.rows(route, run, lines, run_start, batch.first_line + run_start, out)
        yield out
    rest = parser.flush(source)
    if rest:
        out = JsonBatch()
        for reading in rest:
            out.ts.append(reading.ts)
            out.kinds.append(reading.kind)
            out.json.append(reading.json(source))
        yield out


#: The keys a docker json-file line's facts give (``envelopes._docker_json``).
_DOCKER_KEYS = frozenset({"envelope", "stream", "envelope_ts"})
#: The keys a journald JSON object's facts may give (``envelopes._journald_json``).
_JOURNALD_KEYS = frozenset({"envelope", "host", "unit", "ident", "pid", "envelope_ts"})


def _json_keys(route: _Route) -> frozenset[str]:
    if route.docker:
        return _DOCKER_KEYS
    return _JOURNALD_KEYS if route.journald is not None else frozenset()


_FACTS_MAX = 1024


class _JournaldRows:
    """A ``journalctl -o json`` line as a row of the hot loop: the Redis header's
    groups and message from ``MESSAGE``, then the facts as encoded JSON members.

    The object is decoded with :func:`json.loads` (journald escapes freely, a
    regex would not be safe); the facts text is cached per (host, unit, ident,
    pid), and only the time, from :func:`~replwatch.logs.envelopes.journald_stamp`,
    is put after it. None sends the line to the general path: not an object with
    a string ``MESSAGE``, a CR, newline or NUL inside it, no header of the route.
    """

    def __init__(self, match: Callable[[str], re.Match[str] | None]) -> None:
        self.match = match
        self.facts: dict[tuple[object, ...], str] = {}

    def __call__(self, line: str) -> tuple[str, ...] | None:
        if line[:1] != "{":
            return None
        try:
            obj = _loads(line)
        except (ValueError, RecursionError):
            return None
        if type(obj) is not dict or "log" in obj:
            return None
        message = obj.get("MESSAGE")
        if type(message) is not str:
            return None
        message = message.rstrip("\r\n")
        if "\n" in message or "\r" in message or "\x00" in message:
            return None
        m = self.match(message)
        if m is None:
            return None
        get = obj.get
        key = (get("_HOSTNAME"), get("_SYSTEMD_UNIT"), get("SYSLOG_IDENTIFIER"),
               get("_PID", get("SYSLOG_PID")))  # fmt: skip
        try:
            facts = self.facts.get(key)
        except TypeError:  # a list or an object where a string belongs
            return None
        if facts is None:
            if len(self.facts) >= _FACTS_MAX:
                self.facts.clear()
            facts = self.facts[key] = encode_fields_inner(journald_facts(obj))
        stamp = journald_stamp(get("__REALTIME_TIMESTAMP"))
        if stamp is not None:
            facts += ',"envelope_ts":"' + stamp + '"'
        return (*m.groups(), message[m.end() :], facts)


_loads = json.loads


def _unescape(escaped: str) -> str | None:
    """A JSON string's inside, decoded; None when the general path must decide
    (a CR or newline inside, a NUL, bad escapes)."""
    try:
        text = json.loads('"' + escaped + '"')
    except ValueError:
        return None
    if not isinstance(text, str) or "\r" in text or "\n" in text or "\x00" in text:
        return None
    return text


def fast_record_batches(
    parser: LogParser,
    batches: Iterator[LineBatch],
    *,
    source: str,
    year_for: YearFor,
) -> Iterator[list[EventRecord]]:
    """The events of each batch of lines as records, read as :func:`fast_json_batches`
    reads them (the same route, dialect and memo), for the report.

    A file whose lines come in an envelope goes through the general path line by
    line (its facts join the fields there).
    """
    emit = _Emitter(parser, source, year_for, True)
    plain_off = bool(emit.path_keys)  # a kubelet path's facts: the general path adds them
    classifier, unwrapper = parser.classifier, parser.unwrapper
    route = _Route(classifier.top_dialect, ())
    for batch in batches:
        out: list[EventRecord] = []
        lines = batch.lines
        # only bare lines of a file without facts of its own go the records' way
        bare = route.match is not None and not route.chain and not route.docker and not plain_off
        if bare and route.findall is not None and batch.text:
            rows = route.findall(batch.text)
            if len(rows) == len(lines):  # every line read by the route: the C-speed way
                emit.records(route, rows, lines, 0, batch.first_line, out)
                del rows, lines, batch  # not held while the report reads the records
                yield out
                continue
            del rows
        overlong = batch.overlong
        run: list[tuple[str, ...]] = []  # consecutive lines the route read
        run_start = 0
        for i, line in enumerate(lines):
            m = route.match(line) if bare and not overlong else None  # type: ignore[misc]
            if m is not None:
                if not run:
                    run_start = i
                run.append((*m.groups(), line[m.end() :]))
                continue
            if run:
                emit.records(route, run, lines, run_start, batch.first_line + run_start, out)
                run = []
            emit.general_record(
                line, batch.first_line + i, out, overlong.get(i, 0) if overlong else 0
            )
            if classifier.top_dialect is not route.dialect or unwrapper.last_chain != route.chain:
                route = _Route(classifier.top_dialect, unwrapper.last_chain)
                bare = (
                    route.match is not None
                    and not route.chain
                    and not route.docker
                    and not plain_off
                )
        if run:
            emit.records(route, run, lines, run_start, batch.first_line + run_start, out)
        del run, lines, batch
        yield out
    rest = parser.flush(source)
    if rest:
        yield [reading.record(source) for reading in rest]


def _with_ms(time: str) -> str:
    return time if "." in time else time + ".000"
