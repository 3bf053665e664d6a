"""``tail`` text output while a master is down: one failure line and a count, not a wall.

The lines are those a Redis 7 replica writes once a second while its master refuses
connections; they go through the real parser, SessionTracker and tail's printer.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from replwatch.cli.tail_cmd import _Printer
from replwatch.follow.multitail import LineRecord
from replwatch.logs.parser import load_default_parser
from replwatch.timeline.fold import FailureFolder
from replwatch.timeline.sessions import SessionTracker

REPLICA = "/var/log/redis/19001.log"
OTHER = "/var/log/redis/19002.log"
T0 = datetime(2026, 11, 25, 8, 50, 0, 100000)


def _stamp(second: float) -> str:
    t = T0 + timedelta(seconds=second)
    return t.strftime("%d %b %Y %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def refused(second: float, error: str = "Connection refused") -> list[str]:
    """One retry against a master that is down."""
    at = _stamp(second)
    return [
        f"4242:S {at} * Connecting to MASTER 127.0.0.1:19000",
        f"4242:S {at} * MASTER <-> REPLICA sync started",
        f"4242:S {at} # Error condition on socket for SYNC: {error}",
    ]


def auth_failed(second: float) -> list[str]:
    at = _stamp(second)
    return [
        f"4242:S {at} * Connecting to MASTER 127.0.0.1:19000",
        f"4242:S {at} * MASTER <-> REPLICA sync started",
        f"4242:S {at} # Unable to AUTH to MASTER: -ERR invalid password",
    ]


def resynced(second: float) -> list[str]:
    """The master is back: a full resync that succeeds."""
    at = _stamp(second)
    return [
        f"4242:S {at} * Connecting to MASTER 127.0.0.1:19000",
        f"4242:S {at} * MASTER <-> REPLICA sync started",
        f"4242:S {at} * Non blocking connect for SYNC fired the event.",
        f"4242:S {at} * Master replied to PING, replication can continue...",
        f"4242:S {at} * Partial resynchronization not possible (no cached master)",
        f"4242:S {at} * Full resync from master: 8ba1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3:0",
        f"4242:S {at} * MASTER <-> REPLICA sync: receiving 18 bytes from master to disk",
        f"4242:S {at} * MASTER <-> REPLICA sync: Finished with success",
    ]


def sync_lines(lines: list[tuple[str, str]]) -> list[str]:
    """What ``tail`` prints as ``== sync:`` lines for these (path, line) pairs."""
    out = io.BytesIO()
    printer = _Printer(parser=load_default_parser(), as_json=False, wanted=None, year=2026, out=out)
    for n, (path, line) in enumerate(lines, 1):  # one batch per line, as when live
        printer.print_batch([LineRecord(path, n, line.encode())])
    text = out.getvalue().decode()
    return [line[len("== sync: ") :] for line in text.splitlines() if line.startswith("== sync:")]


def of(path: str, lines: list[str]) -> list[tuple[str, str]]:
    return [(path, line) for line in lines]


def test_a_retry_loop_prints_the_first_failure_and_a_count_when_it_ends() -> None:
    down = [line for second in range(12) for line in refused(second)]
    got = sync_lines(of(REPLICA, down + resynced(12.5)))
    assert got == [
        "19001 sync failed: Connection refused",
        "19001 sync failed: Connection refused (x12 in 11 s)",
        "19001 full resync: 18 B from 19000 in 0.0 s",
    ]


def test_a_new_reason_ends_the_streak_and_other_nodes_keep_theirs() -> None:
    lines = (
        of(REPLICA, refused(0) + refused(1))
        + of(OTHER, refused(1.5))
        + of(REPLICA, refused(2))
        + of(OTHER, refused(2.5))
        + of(REPLICA, auth_failed(3) + auth_failed(4))
        + of(REPLICA, refused(5, "Connection timed out"))
    )
    assert sync_lines(lines) == [
        "19001 sync failed: Connection refused",
        "19002 sync failed: Connection refused",
        "19001 sync failed: Connection refused (x3 in 2 s)",
        "19001 sync failed: -ERR invalid password",
        "19001 sync failed: -ERR invalid password (x2 in 1 s)",
        "19001 sync failed: Connection timed out",
    ]


def test_a_long_outage_says_it_is_still_failing_once_a_minute() -> None:
    down = [line for second in range(130) for line in refused(second)]
    got = sync_lines(of(REPLICA, down + resynced(130)))
    assert got == [
        "19001 sync failed: Connection refused",
        "19001 sync failed: Connection refused (x61 in 60 s, still failing)",
        "19001 sync failed: Connection refused (x121 in 120 s, still failing)",
        "19001 sync failed: Connection refused (x130 in 129 s)",
        "19001 full resync: 18 B from 19000 in 0.0 s",
    ]


@pytest.mark.parametrize("every", [5.0, 1000.0])
def test_flush_reports_a_streak_still_going(every: float) -> None:
    parser = load_default_parser()
    tracker = SessionTracker()
    folder = FailureFolder(every=every)
    printed: list[str] = []
    for second in range(8):
        for n, line in enumerate(refused(second)):
            event = parser.parse_line(line.encode(), source=REPLICA, line_no=n, year=2026)
            for session in tracker.feed(event):
                printed.extend(folder.feed(session))
    printed.extend(folder.flush())
    assert printed[0] == "19001 sync failed: Connection refused"
    assert printed[-1] == "19001 sync failed: Connection refused (x8 in 7 s)"
    assert len(printed) == (3 if every == 5.0 else 2)
