"""The one merge order: true time, then source, then file order."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from replwatch.cli import cli
from replwatch.timeline.merge import MergeClock, merge_events, merge_timed, true_time
from tests.report.events_helpers import ev, t


def test_orders_by_time_source_line_and_keeps_untimed_lines_in_place() -> None:
    a = [ev("a.log", t(0), "x"), ev("a.log", None, "banner"), ev("a.log", t(3), "y")]
    b = [ev("b.log", t(1), "x"), ev("b.log", t(2), "y")]
    merged = [(e.source, e.line) for e in merge_events([a, b])]
    assert [src for src, _ in merged] == ["a.log", "a.log", "b.log", "b.log", "a.log"]
    assert merged[1] == (merged[0][0], merged[0][1] + 1)  # the untimed banner stays put


def test_ties_go_by_source_name_whatever_the_argument_order() -> None:
    def pair() -> tuple[list, list]:
        return [ev("z.log", t(1), "x")], [ev("a.log", t(1), "y")]

    z, a = pair()
    forward = [e.source for e in merge_events([z, a])]
    z, a = pair()
    backward = [e.source for e in merge_events([a, z])]
    assert forward == backward == ["a.log", "z.log"]


def test_offsets_are_compared_in_true_time() -> None:
    tokyo = [(f"2026-11-25T09:00:0{i}.000+09:00", "tokyo.log", f"t{i}") for i in range(3)]
    utc = [("2026-11-25T00:00:01.500Z", "utc.log", "u")]
    assert list(merge_timed([tokyo, utc])) == ["t0", "t1", "u", "t2"]
    assert true_time("2026-11-25T09:00:00.000+09:00") == true_time("2026-11-25T00:00:00Z")
    assert true_time("2026-11-25T09:00:00.000") == "2026-11-25T09:00:00.000"
    assert true_time("not a time") == "not a time"


def test_merge_is_lazy() -> None:
    def endless():
        while True:
            yield ev("inf.log", t(0), "x")

    merged = merge_events([endless(), [ev("b.log", t(1), "y")]])
    assert next(merged).source == "inf.log"


def test_clock_offset_shifts_a_source() -> None:
    a = [ev("skew.log", t(5), "x")]
    b = [ev("ok.log", t(3), "y")]
    merged = list(merge_events([a, b], clock_offsets={"skew.log": -4}))
    assert [e.source for e in merged] == ["skew.log", "ok.log"]
    assert merged[0].ts == t(1)


def test_live_keys_carry_each_sources_own_last_time() -> None:
    clock = MergeClock()
    early = clock.key("2026-11-25T08:00:00.000", "a.log")
    late = clock.key("2026-11-25T09:00:00.000", "b.log")
    untimed_a = clock.key(None, "a.log")
    assert early < untimed_a < late  # a's torn line sorts with a's time, not b's


def test_parse_of_two_files_with_different_offsets_is_in_true_time(tmp_path: Path) -> None:
    # Valkey's iso8601 header: the same instant written in two zones.
    seoul = tmp_path / "seoul.log"
    utc = tmp_path / "utc.log"
    seoul.write_text(
        "1:M 2026-11-25T17:00:00.000+09:00 * Ready to accept connections tcp\n"
        "1:M 2026-11-25T17:00:02.000+09:00 * Replica 127.0.0.1:10001 asks for synchronization\n"
    )
    utc.write_text("1:S 2026-11-25T08:00:01.000Z * Connecting to MASTER 127.0.0.1:10000\n")
    result = CliRunner().invoke(cli, ["parse", str(seoul), str(utc)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert ["seoul" in lines[0], "utc" in lines[1], "seoul" in lines[2]] == [True] * 3, lines
