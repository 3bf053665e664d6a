"""A log file found mid-session joins the running tailer; the others keep their place.

No server is needed: the one target is a free port (shown as down), the logs are
plain files written by the test.
"""

from __future__ import annotations

from pathlib import Path

from replwatch.follow.sources import LogSource
from replwatch.lab import free_ports
from replwatch.poll.addresses import Address
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import NEW_LOG_MAX_BYTES, LiveSettings, LiveSource, start_for_new_log
from replwatch.tui.widgets.event_feed import EventFeed
from tests.tui.test_live import wait_for

LINE = "4242:S 25 Nov 2026 08:49:{:02d}.100 * Connecting to MASTER 127.0.0.1:10000\n"


def _append(path: Path, *seconds: int) -> None:
    with path.open("a") as f:
        f.write("".join(LINE.format(s) for s in seconds))


def _lines_of(app: DashboardApp, path: Path) -> list[int | None]:
    return [e.line for e in app.query_one(EventFeed).all_events() if e.source == str(path)]


async def test_a_log_found_later_is_added_without_losing_lines(tmp_path: Path) -> None:
    a = tmp_path / "10001.log"
    _append(a, 1, 2)
    settings = LiveSettings(
        targets=[Address("127.0.0.1", free_ports(1)[0])],
        interval=0.5,
        logs=(LogSource(a, "127.0.0.1:10001"),),
        discover_logs=False,
        start="start",
    )
    app = DashboardApp(LiveSource(settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: _lines_of(app, a) == [1, 2], 10)
        tailer = app.source._tailer
        b = tmp_path / "10002.log"
        _append(b, 3)  # a node that just started: its startup line is news
        _append(a, 4)  # written in the gap
        app.source._use_sources([*app.source._sources, LogSource(b, "127.0.0.1:10002")])
        _append(a, 5)
        _append(b, 6)
        await wait_for(
            pilot, lambda: len(_lines_of(app, a)) >= 4 and len(_lines_of(app, b)) >= 2, 10
        )
        await pilot.pause(0.5)  # a duplicate would show up now
        assert app.source._tailer is tailer, "the tailer was restarted"
        assert _lines_of(app, a) == [1, 2, 3, 4]
        assert _lines_of(app, b) == [1, 2]
        await pilot.press("q")


def test_where_a_new_log_begins(tmp_path: Path) -> None:
    small = tmp_path / "new.log"
    small.write_bytes(b"startup\n")
    big = tmp_path / "old.log"
    big.write_bytes(b"x" * (NEW_LOG_MAX_BYTES + 1))
    assert start_for_new_log(str(small), 20) == "start"
    assert start_for_new_log(str(tmp_path / "absent.log"), 20) == "start"
    assert start_for_new_log(str(big), 20) == 20
