"""parse_line on each header dialect: the contract's values come out."""

from __future__ import annotations

from replwatch.parser import LogParser


def test_redis5_header_and_rule(parser: LogParser) -> None:
    ev = parser.parse_line(
        b"4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 127.0.0.1:10000",
        source="10001.log",
        line_no=3,
    )
    assert (ev.ts, ev.pid, ev.role, ev.level) == (
        "2026-11-25T08:49:46.135",
        4357,
        "replica",
        "notice",
    )
    assert ev.kind == "master_connecting"
    assert ev.fields == {"peer": "127.0.0.1:10000"}
    assert (ev.source, ev.line) == ("10001.log", 3)


def test_yearless_headers_take_the_given_year(parser: LogParser) -> None:
    ev = parser.parse_line(
        "[4347] 25 Nov 08:46:38.123 * DB saved on disk", source="s", line_no=1, year=2015
    )
    assert (ev.ts, ev.pid, ev.role, ev.kind) == ("2015-11-25T08:46:38.123", 4347, None, "rdb_saved")
    ev = parser.parse_line(
        "4347:M 25 Nov 08:46:38.123 # MASTER <-> SLAVE sync started",
        source="s",
        line_no=1,
        year=2016,
    )
    assert (ev.ts, ev.role, ev.level, ev.kind) == (
        "2016-11-25T08:46:38.123",
        "master",
        "warning",
        "sync_started",
    )
    ev = parser.parse_line("30 May 10:03:19 - DB saved on disk", source="s", line_no=1, year=2010)
    assert (ev.ts, ev.pid, ev.level) == ("2010-05-30T10:03:19.000", None, "verbose")


def test_logfmt_iso8601(parser: LogParser) -> None:
    line = (
        'pid=5858 role=replica timestamp="2026-11-25T08:59:14.421+00:00" level=notice '
        'message="Connecting to PRIMARY 127.0.0.1:11500"'
    )
    ev = parser.parse_line(line, source="s", line_no=1)
    assert ev.ts == "2026-11-25T08:59:14.421+00:00"
    assert (ev.pid, ev.role, ev.level, ev.kind) == (5858, "replica", "notice", "master_connecting")
    assert ev.message == "Connecting to PRIMARY 127.0.0.1:11500"


def test_unrecognized_and_malformed(parser: LogParser) -> None:
    ev = parser.parse_line("1:M 25 Nov 2026 08:00:00.000 * hello there", source="s", line_no=1)
    assert (ev.kind, ev.message, ev.fields) == ("unrecognized", "hello there", {})
    ev = parser.parse_line(b"  _._  \xff\x00 garbage", source="s", line_no=2)
    assert ev.kind == "malformed" and ev.ts is None and "\ufffd" in ev.message
