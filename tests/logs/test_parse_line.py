"""parse_line on each header dialect: the contract's values come out."""

from __future__ import annotations

import time

import pytest

from replwatch.logs.parser import LogParser


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


@pytest.mark.parametrize(
    ("line", "year", "ts"),
    [
        ("4356:M 29 Feb 2024 08:49:46.100 * DB saved on disk", None, "2024-02-29T08:49:46.100"),
        ("4356:M 29 Feb 2023 08:49:46.100 * DB saved on disk", None, None),
        ("4356:M 31 Apr 2024 08:49:46.100 * DB saved on disk", None, None),
        ("[4347] 29 Feb 08:46:38.123 * DB saved on disk", 2012, "2012-02-29T08:46:38.123"),
        ("[4347] 29 Feb 08:46:38.123 * DB saved on disk", 2013, None),
    ],
)
def test_a_day_the_calendar_lacks_is_malformed(
    parser: LogParser, line: str, year: int | None, ts: str | None
) -> None:
    """`29 Feb` of a common year is not `2023-02-29`, a date nothing downstream can read."""
    ev = parser.parse_line(line, source="s", line_no=1, year=year)
    assert ev.ts == ts
    assert ev.kind == ("rdb_saved" if ts else "malformed")


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


def test_signal_handler_and_epoch_lines_use_local_time(
    parser: LogParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        ev = parser.parse_line(
            "4347:signal-handler (1700000000) Received SIGTERM scheduling shutdown...",
            source="s",
            line_no=1,
        )
        assert (ev.ts, ev.pid, ev.role, ev.level) == ("2023-11-14T22:13:20.000", 4347, None, None)
        assert ev.kind == "server_shutdown"
        ev = parser.parse_line(
            "[4347 | signal handler] (1700000000) Received SIGINT scheduling shutdown...",
            source="s",
            line_no=1,
        )
        assert ev.ts == "2023-11-14T22:13:20.000" and ev.kind == "server_shutdown"
        ev = parser.parse_line(
            "5905:M 1795597163446 * oO0OoO0OoO0Oo Valkey is starting oO0OoO0OoO0Oo",
            source="s",
            line_no=1,
        )
        assert (ev.ts, ev.role, ev.kind) == ("2026-11-25T08:59:23.446", "master", "server_starting")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_nul_level_char_of_redis_3_0_7_is_a_warning(parser: LogParser) -> None:
    line = "4347:M 25 Nov 08:46:38.123 \x00 wait3() returned an error: No child processes. "
    line += "rdb_child_pid = 12, aof_child_pid = -1"
    ev = parser.parse_line(line, source="s", line_no=1, year=2015)
    assert (ev.level, ev.kind, ev.fields) == (
        "warning",
        "child_error",
        {"error": "No child processes"},
    )


def test_logfmt_roles_levels_and_escaped_quotes(parser: LogParser) -> None:
    line = (
        'pid=8055 role=RDB/AOF timestamp="25 Nov 2026 09:29:58.579" level=info '
        'message="Fork CoW for RDB: current 0 MB, peak 2 MB, average 0 MB"'
    )
    ev = parser.parse_line(line, source="s", line_no=1)
    assert (ev.ts, ev.role, ev.level, ev.kind, ev.fields) == (
        "2026-11-25T09:29:58.579", "child", "verbose", "cow_report", {"mb": 2.0},
    )  # fmt: skip
    line = (
        'pid=1 role=primary timestamp="1795597163446" level=warning '
        'message="MASTER aborted replication with an error: \\"quoted\\""'
    )
    ev = parser.parse_line(line, source="s", line_no=1)
    assert ev.role == "master" and ev.message.endswith('"quoted"')
    assert ev.fields == {"error": '"quoted"'}


def test_ipv6_peer_and_sentinel_event(parser: LogParser) -> None:
    ev = parser.parse_line(
        "1:M 25 Nov 2026 08:00:00.000 * Replica [::1]:6380 asks for synchronization",
        source="s",
        line_no=1,
    )
    assert (ev.kind, ev.fields) == ("replica_sync_request", {"peer": "[::1]:6380"})
    ev = parser.parse_line(
        "7:X 25 Nov 2026 08:00:00.000 # +switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380",
        source="s",
        line_no=1,
    )
    assert ev.role == "sentinel" and ev.fields == {
        "event": "+switch-master", "master_name": "mymaster",
        "old_peer": "127.0.0.1:6379", "peer": "127.0.0.1:6380",
    }  # fmt: skip


def test_header_digits_are_ascii_only(parser: LogParser) -> None:
    ev = parser.parse_line(
        "٤٣٥٧:S 25 Nov 2026 08:49:46.135 * DB saved on disk", source="s", line_no=1
    )
    assert ev.kind == "malformed"


@pytest.mark.parametrize("pid", ["X", "xxxx", "PID", "<pid>", "<PID>", "***", "???"])
def test_a_masked_pid_still_types_the_line(parser: LogParser, pid: str) -> None:
    ev = parser.parse_line(
        f"{pid}:S 25 Nov 2026 08:49:46.135 * Connection with master lost.", source="s", line_no=1
    )
    assert (ev.kind, ev.pid, ev.role, ev.level) == ("master_link_lost", None, "replica", "notice")
    assert ev.ts == "2026-11-25T08:49:46.135"
    old = parser.parse_line(
        f"{pid}:M 25 Nov 08:46:38.123 * DB saved on disk", source="s", line_no=1, year=2026
    )
    assert (old.kind, old.pid, old.ts) == ("rdb_saved", None, "2026-11-25T08:46:38.123")


def test_a_masked_pid_is_not_any_word(parser: LogParser) -> None:
    for line in ("12ab:S 25 Nov 2026 08:49:46.135 * DB saved on disk",
                 "toolongmaskedpid:S 25 Nov 2026 08:49:46.135 * DB saved on disk"):  # fmt: skip
        assert parser.parse_line(line, source="s", line_no=1).kind == "malformed", line
