"""Real yearless logs (Redis 2.8-4.0) get their year from the file's modification time.

Their headers say ``25 Nov 08:46:38.123`` with no year, so an operator reading an old
log must get the year the file was last written in, counted back when the months
wrap. These use the recorded samples (with the 2.8/3.2 ASCII logo at the top, which
must not disturb anything), copied and stamped with a known mtime.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from replwatch.logs.files import parse_file
from replwatch.logs.parser import LogParser

ROOT = Path(__file__).resolve().parents[2]
#: one replica log of each yearless version that was recorded
YEARLESS = sorted(
    path
    for pattern in ("redis-2.*/seed/*.log", "redis-3.*/seed/*.log", "redis-4.*/seed/*.log")
    for path in (ROOT / "sample_logs").glob(pattern)
)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _stamped_copy(sample: Path, tmp_path: Path, when: datetime) -> Path:
    copy = tmp_path / sample.name
    shutil.copyfile(sample, copy)
    os.utime(copy, (when.timestamp(), when.timestamp()))
    return copy


def _signal_lines(path: Path) -> set[int]:
    """Signal-handler lines carry Unix seconds (a full date), not a yearless header."""
    return {
        number
        for number, line in enumerate(path.read_bytes().splitlines(), 1)
        if b"signal handler" in line or b"signal-handler" in line
    }


def _years(parser: LogParser, path: Path) -> set[str]:
    absolute = _signal_lines(path)
    return {
        ev.ts[:4]
        for ev in parse_file(parser, path)
        if ev.ts is not None and ev.line not in absolute
    }


def _months(parser: LogParser, path: Path) -> list[int]:
    return [int(ev.ts[5:7]) for ev in parse_file(parser, path, year=2000) if ev.ts]


@pytest.mark.skipif(not YEARLESS, reason="no yearless sample logs recorded")
@pytest.mark.parametrize("sample", YEARLESS, ids=lambda p: "/".join(p.parts[-3:]))
def test_yearless_sample_takes_the_mtime_year(
    parser: LogParser, sample: Path, tmp_path: Path
) -> None:
    copy = _stamped_copy(sample, tmp_path, datetime(2019, 12, 31, 23, 0))
    assert _years(parser, copy) == {"2019"}
    events = list(parse_file(parser, copy))
    assert any(ev.kind == "server_starting" for ev in events)
    # the logo (when there is one) is malformed and timeless; no real line is
    assert all(ev.ts is not None for ev in events if ev.kind != "malformed")


@pytest.mark.skipif(not YEARLESS, reason="no yearless sample logs recorded")
@pytest.mark.parametrize("sample", YEARLESS, ids=lambda p: "/".join(p.parts[-3:]))
def test_file_last_written_early_next_year_is_last_years_log(
    parser: LogParser, sample: Path, tmp_path: Path
) -> None:
    last_month = _months(parser, sample)[-1]
    if last_month == 1:
        pytest.skip("recorded in January: no month earlier than its own")
    # Written to for the last time in January 2021, its lines dated in a later month
    # can only be from 2020.
    copy = _stamped_copy(sample, tmp_path, datetime(2021, 1, 5, 12, 0))
    assert _years(parser, copy) == {"2020"}


@pytest.mark.skipif(not YEARLESS, reason="no yearless sample logs recorded")
def test_year_wrap_inside_a_real_log(parser: LogParser, tmp_path: Path) -> None:
    """A log that runs over New Year: its December part is the year before the mtime's."""
    sample = YEARLESS[0]
    # signal-handler lines carry Unix seconds, not a month: leave them out
    lines = [
        line
        for line in sample.read_bytes().splitlines(keepends=True)
        if b"signal handler" not in line and b"signal-handler" not in line
    ]
    month = datetime(2000, _months(parser, sample)[0], 1).strftime("%b").encode()
    december = [line.replace(f" {month.decode()} ".encode(), b" Dec ", 1) for line in lines]
    january = [line.replace(f" {month.decode()} ".encode(), b" Jan ", 1) for line in lines]
    copy = tmp_path / "wrap.log"
    copy.write_bytes(b"".join(december + january))
    os.utime(copy, (datetime(2022, 1, 2).timestamp(),) * 2)
    stamped = [ev.ts for ev in parse_file(parser, copy) if ev.ts is not None]
    half = len(stamped) // 2
    assert {ts[:7] for ts in stamped[:half]} == {"2021-12"}
    assert {ts[:7] for ts in stamped[half:]} == {"2022-01"}
