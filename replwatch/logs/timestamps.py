"""Header timestamps -> contract ``ts`` strings, cheaply, plus year inference.

Redis writes the same date part on thousands of consecutive lines, so the date
is converted once and cached (``"25 Nov 2026"`` -> ``"2026-11-25"``); the time
part is copied as written. Headers without a year (Redis 2.x-4.0) get theirs
from a :class:`YearPlan`: the year the file ends in, counted back by one each
time the months run backwards, read from the end.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Iterable
from datetime import datetime

MONTHS: dict[str, int] = {
    name: i
    for i, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

_DATE_CACHE_MAX = 4096


class DateCache:
    """Maps header dates (``25 Nov 2026``, or ``25 Nov`` plus a year) to ``2026-11-25``."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}

    def iso_date(self, date: str, year: int | None = None) -> str | None:
        """ISO date for a header date, or None when it is not a day of the calendar
        (a month name that is not a month, ``31 Apr``, ``29 Feb`` of a common year)."""
        key = date if year is None else f"{date} {year}"
        found = self._cache.get(key, "")
        if found != "":
            return found
        parts = key.split(" ")
        month = MONTHS.get(parts[1]) if len(parts) == 3 else None
        day = int(parts[0]) if month else 0
        value = None
        if month and parts[2].isdigit() and 1 <= day <= _days_in(int(parts[2]), month):
            value = f"{parts[2]:0>4}-{month:02d}-{day:02d}"
        if len(self._cache) >= _DATE_CACHE_MAX:
            self._cache.clear()
        self._cache[key] = value
        return value


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def time_with_ms(time: str) -> str:
    """``08:46:38`` -> ``08:46:38.000``; a time that has its fraction is kept as written."""
    return time if "." in time else time + ".000"


def local_from_epoch_ms(epoch_ms: int) -> str | None:
    """Local ISO time with milliseconds for Unix epoch milliseconds (None if out of range)."""
    try:
        moment = datetime.fromtimestamp(epoch_ms / 1000)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds")


def local_from_unix(seconds: int) -> str | None:
    """Local ISO time for Unix seconds (signal-handler lines), ``.000`` added."""
    return local_from_epoch_ms(seconds * 1000)


# A yearless header at a line start: Redis 2.x "[pid] 25 Nov 08:..", 3.0-4.0
# "pid:R 25 Nov 08:..", the oldest "25 Nov 08:..". Group 1 is the month.
_YEARLESS = re.compile(
    rb"^(?:\[\d+\] |\d+:[XCSM] )?\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    rb"\d\d:\d\d:\d\d",
    re.MULTILINE,
)
_MAX_WRAPS = 10_000


class YearPlan:
    """Which year each line of a yearless file is in.

    Built by :func:`plan_years` from the line numbers where the month went
    backwards (a new year started) and the year of the last line.
    """

    def __init__(self, wraps: list[int], last_year: int) -> None:
        self._wraps = wraps
        self._last_year = last_year

    def year_at(self, line_no: int) -> int:
        later = len(self._wraps) - bisect.bisect_right(self._wraps, line_no)
        return self._last_year - later


def plan_years(chunks: Iterable[bytes], *, end_year: int, end_month: int) -> YearPlan:
    """Scan a file's bytes for yearless header months and plan the years.

    Streaming and bounded: only the lines where the month runs backwards are kept
    (at most ``_MAX_WRAPS``). ``end_year``/``end_month`` come from the file's
    modification time: the last line is in ``end_year`` unless its month is
    later than ``end_month`` (then the file ended the year before).
    """
    wraps: list[int] = []
    previous = 0
    line_base = 1
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        cut = buf.rfind(b"\n")
        if cut < 0:
            carry = buf[-4096:]
            continue
        body, carry = buf[: cut + 1], buf[cut + 1 :][-4096:]
        pos = 0
        line = line_base
        for m in _YEARLESS.finditer(body):
            line += body.count(b"\n", pos, m.start())
            pos = m.start()
            month = MONTHS[m.group(1).decode()]
            if month < previous and len(wraps) < _MAX_WRAPS:
                wraps.append(line)
            previous = month
        line_base += body.count(b"\n")
    last = _YEARLESS.match(carry)
    if last:
        month = MONTHS[last.group(1).decode()]
        if month < previous and len(wraps) < _MAX_WRAPS:
            wraps.append(line_base)
        previous = month
    last_year = end_year - 1 if previous > end_month else end_year
    return YearPlan(wraps, last_year)
