"""The ``parse --json`` hot loop: build ``Event.to_json()`` text without building events.

Why a separate loop: a plain "regex + Event + json.dumps" per line runs at about
half lnav's speed. Here each line costs one regex call on the dialect that
matched last, three dict lookups (date, role+level, message memo) and one
string concatenation. Anything unusual (another dialect, a malformed or
over-long line) goes through :meth:`LogParser._json_line`, the general path,
which also moves the new dialect to the front. ``tests/parser`` checks that the
output is byte-identical to ``Event.to_json()``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from replwatch.grammar.dialects import LEVEL_MAP, ROLE_MAP, CompiledDialect
from replwatch.logs.read import LineBatch

if TYPE_CHECKING:
    from replwatch.logs.parser import LogParser

_DATE_LOCAL_MAX = 4096


@dataclass(slots=True)
class JsonBatch:
    """Parallel lists for the lines of one input batch."""

    ts: list[str | None] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    json: list[str] = field(default_factory=list)


_FAST_LAYOUTS = {
    "dmy": ("pid", "role", "date", "time", "level"),
    "iso8601": ("pid", "role", "iso", "level"),
}


def _fast_prefix(dialect: CompiledDialect) -> Callable[[str], re.Match[str] | None] | None:
    """The header-prefix matcher if the fast loop can read this dialect, else None:
    legacy layouts with a year or an ISO time, groups in the usual order."""
    expected = _FAST_LAYOUTS.get(dialect.ts_kind)
    if dialect.prefix is None or dialect.logfmt or expected is None:
        return None
    names = sorted(dialect.prefix.groupindex, key=dialect.prefix.groupindex.__getitem__)
    return dialect.prefix.match if tuple(names) == expected else None


def _batch_findall(dialect: CompiledDialect) -> Callable[[str], list[tuple[str, ...]]] | None:
    """``findall`` of the header prefix plus message over a whole batch text, one
    tuple per line that matches (so all lines matched iff the counts agree)."""
    if _fast_prefix(dialect) is None or dialect.prefix is None:
        return None
    return re.compile("^" + dialect.prefix.pattern + "(.*)$", re.MULTILINE | re.ASCII).findall


def _middle(pid: str, role: str, level: str) -> str:
    """``,"pid":N,"role":..,"level":..,`` for one header's raw pid, role and level."""
    dumps = json.dumps
    return (
        f',"pid":{int(pid)},"role":{dumps(ROLE_MAP.get(role))},'
        f'"level":{dumps(LEVEL_MAP.get(level))},'
    )


def fast_json_batches(
    parser: LogParser,
    batches: Iterator[LineBatch],
    *,
    source: str,
    year_for: Callable[[int], int],
    meta: bool = True,
) -> Iterator[JsonBatch]:
    """JSON Lines text for each batch of lines (see the module docstring).

    With ``meta=False`` only ``JsonBatch.json`` is guaranteed filled (``ts`` and
    ``kinds`` may stay empty): the single-file, unfiltered output needs no more.
    """
    line_prefix = ',"source":' + json.dumps(source, ensure_ascii=False) + ',"line":'
    classify = parser._classify
    memo = parser._memo
    general = parser._json_line
    iso_date = parser._dates.iso_date
    dates: dict[str, str | None] = {}
    middles: dict[tuple[str, str, str], str] = {}
    top: CompiledDialect | None = None
    prefix_match: Callable[[str], re.Match[str] | None] | None = None
    findall: Callable[[str], list[tuple[str, ...]]] | None = None
    is_dmy = False
    for batch in batches:
        out = JsonBatch()
        ts_add, kind_add, json_add = out.ts.append, out.kinds.append, out.json.append
        line_no = batch.first_line - 1
        if findall is not None and batch.text:
            rows = findall(batch.text)
            if len(rows) == len(batch.lines):  # every line has the header: the C-speed route
                if is_dmy:
                    for pid, role, date, time, level, message in rows:
                        line_no += 1
                        day = dates.get(date)
                        if day is None:
                            day = iso_date(date)
                            if day is None:
                                break  # not a month name: redo the batch line by line
                            day += "T"
                            if len(dates) >= _DATE_LOCAL_MAX:
                                dates.clear()
                            dates[date] = day
                        ts = day + time if len(time) == 12 else day + _with_ms(time)
                        middle = middles.get((pid, role, level))
                        if middle is None:
                            middle = middles[(pid, role, level)] = _middle(pid, role, level)
                        found = memo.get(message)
                        if found is None:
                            found = classify(message)
                        if meta:
                            ts_add(ts)
                            kind_add(found[0])
                        json_add(f'{{"ts":"{ts}"{line_prefix}{line_no}{middle}{found[3]}')
                    else:
                        yield out
                        continue
                else:
                    for pid, role, ts, level, message in rows:
                        line_no += 1
                        middle = middles.get((pid, role, level))
                        if middle is None:
                            middle = middles[(pid, role, level)] = _middle(pid, role, level)
                        found = memo.get(message)
                        if found is None:
                            found = classify(message)
                        if meta:
                            ts_add(ts)
                            kind_add(found[0])
                        json_add(f'{{"ts":"{ts}"{line_prefix}{line_no}{middle}{found[3]}')
                    yield out
                    continue
                out = JsonBatch()  # the batch broke off: start it again, line by line
                ts_add, kind_add, json_add = out.ts.append, out.kinds.append, out.json.append
                line_no = batch.first_line - 1
        overlong = batch.overlong
        for line in batch.lines:
            line_no += 1
            m = prefix_match(line) if prefix_match is not None else None
            if m is None or overlong:
                ts, kind, text = general(
                    line,
                    source=source,
                    line_no=line_no,
                    year_for=year_for,
                    overlong=overlong.get(line_no - batch.first_line, 0),
                )
                ts_add(ts)
                kind_add(kind)
                json_add(text)
                if parser._dialects[0] is not top:  # another dialect won: re-arm
                    top = parser._dialects[0]
                    prefix_match = _fast_prefix(top)
                    findall = _batch_findall(top)
                    is_dmy = top.ts_kind == "dmy"
                continue
            message = line[m.end() :]
            if is_dmy:
                pid, role, date, time, level = m.groups()
                day = dates.get(date)
                if day is None:
                    day = iso_date(date)
                    if day is None:  # not a month name: the general path decides
                        ts, kind, text = general(
                            line, source=source, line_no=line_no, year_for=year_for
                        )
                        ts_add(ts)
                        kind_add(kind)
                        json_add(text)
                        continue
                    day += "T"
                    if len(dates) >= _DATE_LOCAL_MAX:
                        dates.clear()
                    dates[date] = day
                ts = day + time if len(time) == 12 else day + _with_ms(time)
            else:
                pid, role, ts, level = m.groups()
            middle = middles.get((pid, role, level))
            if middle is None:
                middle = middles[(pid, role, level)] = _middle(pid, role, level)
            found = memo.get(message)
            if found is None:
                found = classify(message)
            ts_add(ts)
            kind_add(found[0])
            json_add(f'{{"ts":"{ts}"{line_prefix}{line_no}{middle}{found[3]}')
        yield out


def _with_ms(time: str) -> str:
    return time if "." in time else time + ".000"
