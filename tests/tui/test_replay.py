"""Replay: a recording plays back through the dashboard with no server."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from replwatch.recording import load_recording
from replwatch.tui.app import DashboardApp
from replwatch.tui.replay import ReplayClock, ReplaySource
from replwatch.tui.widgets.event_feed import EventFeed
from replwatch.tui.widgets.links_table import LinksTable
from replwatch.tui.widgets.topology import TopologyTree
from tests.tui.sample_session import R2, write_recording


def test_clock_steps_poll_by_poll_and_seeks_back(tmp_path: Path) -> None:
    clock = ReplayClock(load_recording(write_recording(tmp_path / "s.jsonl")).records)
    assert [r.kind for r in clock.step()] == ["snapshot"]
    assert [r.kind for r in clock.step()] == ["event"] * 7 + ["snapshot"]
    assert clock.now == 1.0
    reset, due = clock.seek(0.55)
    assert reset and [r.kind for r in due] == ["snapshot", "event"]
    assert clock.advance(10) and clock.done


def tree_labels(app: DashboardApp) -> list[str]:
    tree = app.query_one(TopologyTree)
    labels: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            labels.append(str(child.label))
            walk(child)

    walk(tree.root)
    return labels


async def test_replay_shows_the_recorded_topology_flap_and_feed(tmp_path: Path) -> None:
    app = DashboardApp(
        ReplaySource(load_recording(write_recording(tmp_path / "s.jsonl")), paused=True)
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert tree_labels(app) == []
        await pilot.press("n")  # one poll
        await pilot.pause()
        labels = tree_labels(app)
        assert labels[0].startswith("● :10000 master redis 7.0.15")  # product and version
        assert any(":10002 sync" in label and "20%" in label for label in labels)
        await pilot.press("n")  # the log events, then the next poll
        await pilot.pause()
        feed = app.query_one(EventFeed)
        assert [e.kind for e in feed.shown].count("sync_started") == 2
        assert "master_link_lost" in [e.kind for e in feed.shown]
        # The flap happened between two polls; only the log saw it, and the row shows it.
        table = app.query_one(LinksTable)
        assert str(table.get_cell(R2, "flaps")) == "⚡1"
        assert any(":10002" in label and "⚡1" in label for label in tree_labels(app))


async def test_replay_plays_to_the_end_and_jumps_back(tmp_path: Path) -> None:
    app = DashboardApp(
        ReplaySource(load_recording(write_recording(tmp_path / "s.jsonl")), speed=64)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if app.source.clock.done:
                break
        assert app.source.clock.done
        assert app.query_one(LinksTable).row_count == 2
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"0.5", "enter")
        await pilot.pause()
        assert app.source.clock.now == 0.5
        # Back at the first poll: the log events that came later are gone again.
        assert [e.kind for e in app.query_one(EventFeed).shown] == ["link_up"]
        assert app.query_one("#feed-table", DataTable).row_count == 1
        assert str(app.query_one(LinksTable).get_cell(R2, "flaps")) == ""  # not yet lost
