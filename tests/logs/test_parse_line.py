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


# -- shapes that lines take in bug reports (each seen in a public issue thread)


def test_a_masked_pid_with_valkey_iso8601_time(parser: LogParser) -> None:
    # log-timestamp-format iso8601, pids replaced by FG/BG and trailing blanks
    ev = parser.parse_line(
        "FG:M 2026-01-12T09:43:18.330-05:00 * Background saving terminated with success    ",
        source="s", line_no=1,
    )  # fmt: skip
    assert (ev.kind, ev.pid, ev.role, ev.ts) == (
        "bgsave_done", None, "master", "2026-01-12T09:43:18.330-05:00"
    )  # fmt: skip
    child = parser.parse_line("BG:C 1795597163446 * DB saved on disk", source="s", line_no=2)
    assert (child.kind, child.role) == ("rdb_saved", "child")


def test_masked_numbers_in_the_message_type_the_line_without_the_field(
    parser: LogParser,
) -> None:
    ev = parser.parse_line(
        "FG:M 2026-01-12T09:43:10.924-05:00 * Unable to partial resync with replica "
        "<replica ip>:<port> for lack of backlog (Replica request was: r).",
        source="s", line_no=1,
    )  # fmt: skip
    assert ev.kind == "psync_rejected"
    assert ev.fields["peer"] == "<replica ip>:<port>" and ev.fields["reason"] == "backlog"
    assert "offset" not in ev.fields  # masked: no made-up number
    started = parser.parse_line(
        "1:M 12 Jan 2026 09:43:10.997 * Background saving started by pid BG", source="s", line_no=2
    )
    assert started.kind == "bgsave_started" and "child_pid" not in started.fields
    # a number where the server writes one still gives the field
    real = parser.parse_line(
        "1:M 12 Jan 2026 09:43:10.997 * Background saving started by pid 4350",
        source="s", line_no=3,
    )  # fmt: skip
    assert real.fields["child_pid"] == 4350


def test_a_markdown_autolink_is_read_as_its_text(parser: LogParser) -> None:
    ev = parser.parse_line(
        "1:M 29 Nov 2021 12:56:51.579 # Connection with replica "
        "[10.0.0.1:6379](http://10.0.0.1:6379) lost.",
        source="s", line_no=1,
    )  # fmt: skip
    assert ev.kind == "replica_link_lost"
    assert ev.fields["peer"] == "10.0.0.1:6379"


@pytest.mark.parametrize(
    "address", ["<replica ip>:<port>", "(ip redacted):6379", "<ip>:6379", "10.xx.xx.218:6379"]
)
def test_masked_addresses_are_peers(parser: LogParser, address: str) -> None:
    ev = parser.parse_line(
        f"1:M 29 Nov 2021 12:56:51.579 # Connection with replica {address} lost.",
        source="s", line_no=1,
    )  # fmt: skip
    assert (ev.kind, ev.fields["peer"]) == ("replica_link_lost", address)


@pytest.mark.parametrize(
    ("line", "label"),
    [
        # a paste that kept its file's line numbers, before a Redis 2.8 Sentinel header
        ("453311 [1] 29 May 01:08:40.279 # +new-epoch 5804", "453311"),
        # a file name put in front by whoever merged the logs
        (
            "Sentinel_2_log 12297:X 10 Apr 10:00:22.093 # +odown master mymaster "
            "__.__.__.88 6379 #quorum 2/2",
            "Sentinel_2_log",
        ),
        # grep over several files puts the file's name in front
        ("redis.log:1:S 25 Nov 2026 08:49:46.135 * Connection with master lost.", "redis.log"),
    ],
)
def test_a_word_or_number_in_front_of_a_header_is_a_label(
    parser: LogParser, line: str, label: str
) -> None:
    ev = parser.parse_line(line, source="s", line_no=1, year=2026)
    assert ev.kind not in ("malformed", "unrecognized"), ev
    assert ev.fields["envelope"] == "label" and ev.fields["label"] == label


def test_a_headerless_message_is_not_taken_for_a_label(parser: LogParser) -> None:
    ev = parser.parse_line("Connecting to MASTER 10.0.0.5:6379", source="s", line_no=1)
    assert ev.kind == "master_connecting" and ev.ts is None
    assert "label" not in ev.fields


def test_keydb_pid_thread_header(parser: LogParser) -> None:
    ev = parser.parse_line(
        "29012:29018:S 21 Dec 2020 20:26:02.683 # Error reply to PING from master: "
        "'-NOPERM this user has no permissions to run the 'ping' command'",
        source="s", line_no=1,
    )  # fmt: skip
    assert (ev.kind, ev.pid, ev.role) == ("master_link_error", 29012, "replica")
    assert "NOPERM" in ev.fields["error"]
