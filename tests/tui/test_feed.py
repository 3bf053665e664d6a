"""The event feed's keys on fixed data: filter (f), search (/), pause (p), select."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import SelectionList, Static

from replwatch.events import Event
from replwatch.tui.app import DashboardApp
from replwatch.tui.screens.node_details import NodeDetailsScreen
from replwatch.tui.widgets.event_feed import EventFeed
from tests.tui.sample_session import LOG_R2, R2, log_events, poll_events, snapshots


async def loaded(pilot) -> EventFeed:  # type: ignore[no-untyped-def]
    for snapshot in snapshots():
        pilot.app.show_snapshot(snapshot)
    pilot.app.show_events(poll_events() + log_events())
    await pilot.pause()
    return pilot.app.query_one(EventFeed)


async def test_search_filter_and_pause() -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=(100, 30)) as pilot:
        feed = await loaded(pilot)
        assert len(feed.shown) == 7

        await pilot.press("slash", *"lost", "enter")
        await pilot.pause()
        assert [e.kind for e in feed.shown] == ["master_link_lost"]
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert len(feed.shown) == 7

        await pilot.press("f")
        await pilot.pause()
        kinds = app.screen.query_one("#kinds", SelectionList)
        kinds.select("sync_started")
        await pilot.click("#apply")
        await pilot.pause()
        assert [e.kind for e in feed.shown] == ["sync_started", "sync_started"]
        assert "kinds: sync_started" in str(feed.border_subtitle)

        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#clear")
        await pilot.pause()
        await pilot.press("p")
        app.show_events([poll_events()[0]])
        await pilot.pause()
        assert len(feed.shown) == 7  # paused: kept, not shown
        assert "PAUSED (1 new)" in str(feed.border_subtitle)
        await pilot.press("p")
        await pilot.pause()
        assert len(feed.shown) == 8


async def test_selecting_an_event_shows_its_raw_line_and_place(tmp_path: Path) -> None:
    log = tmp_path / "10002.log"
    raw = "4242:S 25 Nov 2026 10:00:01.500 # Connection with master lost."
    log.write_text("first line\n" + raw + "\n")
    event = Event(
        ts="2026-11-25T10:00:01.500",
        source=str(log),
        line=2,
        pid=4242,
        role="replica",
        level="warning",
        kind="master_link_lost",
        message="Connection with master lost.",
    )
    app = DashboardApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.show_events([event])
        await pilot.pause(0.3)
        detail = str(app.query_one("#feed-detail", Static).render())
        assert f"{log}:2" in detail
        assert raw in detail


async def test_enter_on_a_link_opens_the_node_details() -> None:
    app = DashboardApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        app.query_one("#links").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NodeDetailsScreen)
        assert app.screen.address == "127.0.0.1:10001"
        assert "version: 7.0.15" in app.screen.text
        assert "master_link_status:up" in app.screen.text
        await pilot.press("escape")
        assert not isinstance(app.screen, NodeDetailsScreen)
