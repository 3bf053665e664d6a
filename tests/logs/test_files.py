"""parse_file / json_records on real files: gzip, CRLF, torn and huge lines, years."""

from __future__ import annotations

import gzip
import os
import resource
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from replwatch.events import Event
from replwatch.logs.files import json_batches, json_records, parse_file
from replwatch.logs.parser import LogParser
from replwatch.logs.read import MAX_LINE

REDIS7 = [
    "4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 127.0.0.1:10000",
    "4357:S 25 Nov 2026 08:49:46.136 * MASTER <-> REPLICA sync started",
    "4357:S 25 Nov 2026 08:49:46.140 # Error condition on socket for SYNC: Connection refused",
    "4357:M 25 Nov 2026 08:49:47.001 * Replica 127.0.0.1:10002 asks for synchronization",
]


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _json_via_events(parser: LogParser, path: Path, **kw: object) -> list[str]:
    return [ev.to_json() for ev in parse_file(parser, path, **kw)]  # type: ignore[arg-type]


def _json_fast(parser: LogParser, path: Path, **kw: object) -> list[str]:
    return [text for _, _, text in json_records(parser, path, **kw)]  # type: ignore[arg-type]


def test_fast_json_is_byte_identical_to_event_to_json(parser: LogParser, tmp_path: Path) -> None:
    """Every dialect, malformed and unrecognized lines, unicode, a leading-zero pid."""
    lines = [
        *REDIS7,
        "[4347] 25 Nov 08:46:38.123 * DB saved on disk",
        "4347:M 25 Nov 08:46:38.123 \x00 wait3() returned an error: x. rdb_child_pid = 1, "
        "aof_child_pid = 2",
        "0042:M 25 Nov 2026 08:49:47.001 * DB saved on disk",
        "5905:M 2026-11-25T08:59:14.421+00:00 * Ready to accept connections tcp",
        "5905:M 1795597163446 * oO0OoO0OoO0Oo Valkey is starting oO0OoO0OoO0Oo",
        'pid=5858 role=RDB/AOF timestamp="2026-11-25T08:59:14.421+00:00" level=info '
        'message="say \\"hi\\" ünïcode"',
        "4347:signal-handler (1700000000) Received SIGTERM scheduling shutdown...",
        "                _._                                                  ",
        "4357:S 25 Nov 2026 08:49:46.135 * something nobody logs \u2603",
        "4357:S 31 Foo 2026 08:49:46.135 * month that is not one",
        "",
        *REDIS7,
    ]
    path = _write(tmp_path / "mixed.log", "\n".join(lines * 3) + "\n")
    fast = _json_fast(parser, path, year=2026)
    assert fast == _json_via_events(parser, path, year=2026)
    assert len(fast) == len(lines) * 3
    batches = list(json_batches(parser, path, year=2026, meta=False))
    assert [t for b in batches for t in b.json] == fast


def test_gzip_crlf_and_torn_last_line(parser: LogParser, tmp_path: Path) -> None:
    text = "\r\n".join(REDIS7) + "\r\n4357:S 25 Nov 2026 08:49:48.000 * MASTER <-> REPL"
    path = tmp_path / "x.log.gz"
    path.write_bytes(gzip.compress(text.encode()))
    events = list(parse_file(parser, path))
    assert [e.line for e in events] == [1, 2, 3, 4, 5]
    assert events[0].fields == {"peer": "127.0.0.1:10000"}
    assert not any(e.message.endswith("\r") for e in events)
    assert events[-1].kind == "unrecognized" and events[-1].message == "MASTER <-> REPL"
    assert _json_fast(parser, path) == [e.to_json() for e in events]


def test_huge_line_without_newline_is_capped_and_marked(parser: LogParser, tmp_path: Path) -> None:
    """A 50 MB line becomes one malformed event of 64 KiB; memory stays small."""
    path = tmp_path / "huge.log"
    with path.open("wb") as f:
        f.write((REDIS7[0] + "\n").encode())
        f.write(b"4357:S 25 Nov 2026 08:49:46.135 * ")
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            f.write(chunk)
        f.write(b"\n" + (REDIS7[1] + "\n").encode())
        f.write(b"y" * (3 * MAX_LINE))  # and a long torn last line
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    events = list(parse_file(parser, path))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert [e.kind for e in events] == [
        "master_connecting",
        "malformed",
        "sync_started",
        "malformed",
    ]
    huge = events[1]
    assert huge.ts == "2026-11-25T08:49:46.135"  # the header still places it in time
    assert huge.fields == {"truncated": True, "line_bytes": 50 * (1 << 20) + 34}
    assert len(huge.message) <= MAX_LINE
    assert events[3].fields == {"truncated": True, "line_bytes": 3 * MAX_LINE}
    assert grown_kib < 30_000  # far below the 50 MB line
    assert _json_fast(parser, path) == [e.to_json() for e in events]


def test_random_bytes_and_nul(parser: LogParser, tmp_path: Path) -> None:
    blob = bytes(range(256)) * 40 + b"\x00\x00\n\xff\xfe\n" + REDIS7[0].encode()
    path = _write(tmp_path / "garbage.log", blob)
    events = list(parse_file(parser, path))
    assert events[-1].kind == "master_connecting"
    assert all(isinstance(e, Event) for e in events)
    assert {e.kind for e in events[:-1]} == {"malformed"}


def test_missing_and_directory_raise_oserror(parser: LogParser, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        list(parse_file(parser, tmp_path / "nope.log"))
    with pytest.raises(OSError):
        list(json_records(parser, tmp_path))


def test_truncated_gzip_yields_its_lines_then_an_oserror(parser: LogParser, tmp_path: Path) -> None:
    """As zcat: every line before the cut is read, then one error names the problem."""
    whole = ("\n".join(REDIS7) + "\n") * 2000
    good = gzip.compress(whole.encode())
    path = _write(tmp_path / "bad.log.gz", good[: len(good) // 2])
    events = []
    with pytest.raises(OSError, match="truncated compressed data"):
        for event in parse_file(parser, path):
            events.append(event)
    readable = zlib.decompressobj(31).decompress(good[: len(good) // 2]).decode()
    assert len(events) == readable.count("\n") + (not readable.endswith("\n"))
    assert len(events) > len(REDIS7) * 100


def test_gzip_with_trailing_garbage_keeps_every_line(parser: LogParser, tmp_path: Path) -> None:
    text = "\n".join(REDIS7) + "\n"
    path = _write(tmp_path / "junk.log.gz", gzip.compress(text.encode()) + b"not gzip at all")
    events = []
    with pytest.raises(OSError, match="garbage after the compressed data"):
        for event in parse_file(parser, path):
            events.append(event)
    plain = parse_file(parser, _plain(tmp_path, text))
    assert [e.message for e in events] == [e.message for e in plain]


def test_concatenated_gzip_members_are_one_log(parser: LogParser, tmp_path: Path) -> None:
    """`cat a.gz b.gz > c.gz` (logrotate's delaycompress does it too) reads as both."""
    text = "\n".join(REDIS7) + "\n"
    member = gzip.compress(text.encode())
    path = _write(tmp_path / "two.log.gz", member + member + b"\0" * 16)
    assert len(list(parse_file(parser, path))) == 2 * len(REDIS7)


def _plain(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plain.log"
    path.write_text(text)
    return path


def _yearless(months: list[str]) -> str:
    return "".join(f"4347:M 01 {m} 10:00:00.000 * DB saved on disk\n" for m in months)


def test_year_inferred_from_mtime_counting_back_at_month_wraps(
    parser: LogParser, tmp_path: Path
) -> None:
    path = _write(tmp_path / "old.log", _yearless(["Nov", "Dec", "Jan", "Mar", "Feb", "Jun"]))
    mtime = datetime(2019, 7, 1, 12, 0).timestamp()
    os.utime(path, (mtime, mtime))
    years = [e.ts[:4] for e in parse_file(parser, path) if e.ts]
    # Dec->Jan wraps once, Mar->Feb wraps again; the last line is in 2019.
    assert years == ["2017", "2017", "2018", "2018", "2019", "2019"]
    assert [e.ts[:4] for e in parse_file(parser, path, year=2011)] == ["2011"] * 6


def test_file_ending_after_its_mtime_month_is_last_year(parser: LogParser, tmp_path: Path) -> None:
    path = _write(tmp_path / "old.log", _yearless(["Dec"]))
    mtime = datetime(2020, 1, 3, 12, 0).timestamp()
    os.utime(path, (mtime, mtime))
    assert [e.ts for e in parse_file(parser, path)] == ["2019-12-01T10:00:00.000"]


def test_parse_lines_numbers_from_start_line(parser: LogParser) -> None:
    events = list(parser.parse_lines([line.encode() for line in REDIS7], source="s", start_line=10))
    assert [e.line for e in events] == [10, 11, 12, 13]
    assert events[2].kind == "master_link_error"
    assert events[2].fields == {"error": "Connection refused"}
