"""Crash reports fold into one ``crash`` event with its reason, and the block's other
lines into ``crash_report`` (never ``unrecognized``/``malformed``); logs in
``tests/data/crash`` are built from the sources' printf formats (see SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replwatch.logs.crash import fold_crash_reports
from replwatch.logs.parser import LogParser, load_default_parser

CRASH = Path(__file__).resolve().parents[1] / "data" / "crash"


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> LogParser:
    return load_default_parser(user_dir=tmp_path_factory.mktemp("no-user-grammars"))


def _fold(parser: LogParser, name: str) -> list:
    lines = (CRASH / name).read_text(encoding="utf-8").splitlines()
    return list(fold_crash_reports(parser.parse_lines(lines, source=name)))


def _block(events: list) -> list:
    first = next(i for i, e in enumerate(events) if e.kind in ("crash", "crash_report"))
    last = max(i for i, e in enumerate(events) if e.kind in ("crash", "crash_report"))
    return events[first:last + 1]


@pytest.mark.parametrize("name,reason", [
    ("redis-7.2-segv.log", {"reason": "signal", "signal": 11, "si_code": 1}),
    ("redis-2.6-assert.log", {"reason": "assertion", "file": "t_list.c", "src_line": 123,
                              "expr": "ln != NULL"}),
    ("redis-2.4-guru-truncated.log", {"reason": "panic", "file": "object.c", "src_line": 412}),
    ("valkey-8.1-dev-assert.log", {"reason": "assertion", "file": "t_string.c", "src_line": 123,
                                   "expr": "o != NULL"}),
])
def test_one_crash_with_reason_and_nothing_untyped_inside(parser: LogParser, name: str,
                                                          reason: dict) -> None:
    events = _fold(parser, name)
    crashes = [e for e in events if e.kind == "crash"]
    assert len(crashes) == 1
    assert reason.items() <= dict(crashes[0].fields).items()
    block = _block(events)
    assert not [e for e in block if e.kind in ("unrecognized", "malformed")]
    assert {e.fields["crash_line"] for e in block if e.kind == "crash_report"} == \
        {crashes[0].fields["crash_line"]}
    assert len(events) == len((CRASH / name).read_text().splitlines())


def test_sections_are_named(parser: LogParser) -> None:
    sections = {e.fields["section"] for e in _fold(parser, "redis-7.2-segv.log")
                if e.kind == "crash_report"}
    assert {"stack", "registers", "info", "clients", "modules", "memtest"} <= sections


def test_lines_after_the_block_are_untouched(parser: LogParser) -> None:
    events = _fold(parser, "redis-7.2-segv.log")
    assert events[-1].kind == "server_ready"
    assert events[0].kind == "server_ready"


_GARBAGE_PARSER: list[LogParser] = []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=80), st.sampled_from([
    "=== REDIS BUG REPORT START: Cut & paste starting from here ===",
    "=== REDIS BUG REPORT END. Make sure to include from START to END. ===",
    "------ STACK TRACE ------", "==> a.c:1 'x' is not true",
    "1:M 01 Jan 2026 00:00:00.000 # Redis 7.2.4 crashed by signal: 11, si_code: 1"])),
    max_size=40))
def test_garbage_never_raises(lines: list[str]) -> None:
    p = _GARBAGE_PARSER[0] if _GARBAGE_PARSER else _GARBAGE_PARSER.append(
        load_default_parser()) or _GARBAGE_PARSER[0]
    out = list(fold_crash_reports(p.parse_lines(lines, source="g")))
    assert len(out) == len(lines)


def test_a_report_cut_short_ends_at_the_next_start(parser: LogParser) -> None:
    """The process died while writing its report (no END): the restarted server's
    lines, unknown ones included, are its own again, not parts of the old report."""
    lines = [
        "4321:M 03 Dec 2026 10:00:05.000 # === REDIS BUG REPORT START: Cut & paste starting"
        " from here ===",
        "4321:M 03 Dec 2026 10:00:05.000 # Redis 7.2.4 crashed by signal: 11, si_code: 1",
        "------ STACK TRACE ------",
        "redis-server *:6379(logStackTrace+0x2c)[0x55d1c0a1b2c3]",
        "4400:C 03 Dec 2026 10:00:09.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "4400:M 03 Dec 2026 10:00:09.100 * a line no grammar knows yet",
    ]
    events = list(fold_crash_reports(parser.parse_lines(lines, source="cut.log")))
    assert [e.kind for e in events] == [
        "crash_report",
        "crash",
        "crash_report",
        "crash_report",
        "server_starting",
        "unrecognized",
    ]
    assert events[1].fields["signal"] == 11
