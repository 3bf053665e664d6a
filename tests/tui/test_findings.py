"""The findings panel: the report's rules on the logs the dashboard has read.

Fixed data first (the sample session, a recording), then a real lab whose master
is killed and restarted, on both servers.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.widgets import Markdown

from replwatch.events import Event
from replwatch.lab import Lab
from replwatch.recording import load_recording
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSource
from replwatch.tui.replay import ReplaySource
from replwatch.tui.screens.dashboard import DashboardScreen
from replwatch.tui.state import DiagnosisLogs
from replwatch.tui.widgets.event_feed import EventFeed
from replwatch.tui.widgets.findings import FindingsPanel, where
from tests.tui.sample_session import (
    LOG_R2,
    R2,
    log_event,
    log_events,
    poll_events,
    snapshots,
    write_recording,
)
from tests.tui.test_live import settings_for, wait_for


def selected_event(app: DashboardApp) -> Event | None:
    feed = app.query_one(EventFeed)
    table = feed._table
    if not table.row_count:
        return None
    return feed.shown[table.cursor_row]


def test_diagnosis_keeps_the_newest_log_events_of_each_log() -> None:
    logs = DiagnosisLogs(per_log=3)
    events = [
        log_event(i, f"2026-11-25T10:00:0{i}.000", "master_link_lost", "x") for i in range(1, 6)
    ]
    logs.add(events + poll_events())  # poll events are not the logs' and are left out
    assert len(logs) == 3
    assert [e.line for e in logs.streams()[0]] == [3, 4, 5]
    version = logs.version
    logs.add(poll_events())
    assert logs.version == version  # nothing new for the diagnosis to look at


async def test_a_finding_names_its_evidence_and_enter_selects_it_in_the_feed() -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(FindingsPanel)
        assert not panel.display  # nothing to say yet: no room taken
        for snapshot in snapshots():
            app.show_snapshot(snapshot)
        app.show_events(poll_events() + log_events())
        await wait_for(pilot, lambda: bool(panel.findings), 5)
        assert panel.display
        finding = panel.findings[0]
        assert finding.code == "link-down"
        assert finding.evidence == ((LOG_R2, 4),)
        assert where(*finding.evidence[0]) == "redis-10002.log:4"
        assert "warning" in str(panel.border_title)

        await pilot.press("d")
        await pilot.pause()
        assert panel.has_focus_within
        detail = str(panel.query_one("#findings-detail").render())
        assert "established, then lost" in detail and "redis-10002.log:4" in detail
        await pilot.press("enter")
        await pilot.pause()
        chosen = selected_event(app)
        assert chosen is not None and (chosen.source, chosen.line) == (LOG_R2, 4)
        assert chosen.kind == "master_link_lost"
        assert app.focused is app.query_one(EventFeed)._table
        await pilot.press("d")  # back to the panel, and d again: back to the feed
        await pilot.pause()
        assert panel.has_focus_within
        await pilot.press("d")
        await pilot.pause()
        assert app.focused is app.query_one(EventFeed)._table


async def test_evidence_hidden_by_the_feed_filter_says_so() -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.show_events(log_events())
        panel = app.query_one(FindingsPanel)
        await wait_for(pilot, lambda: bool(panel.findings), 5)
        app.query_one(EventFeed).kinds = frozenset({"sync_started"})
        await pilot.press("d", "enter")
        await pilot.pause()
        notes = app.query_one("#notes").notes  # type: ignore[attr-defined]
        assert "hidden by the feed's filter" in notes["evidence"]


async def test_d_without_findings_shows_why_there_are_none() -> None:
    app = DashboardApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        panel = app.query_one(FindingsPanel)
        assert panel.display and panel.has_focus_within
        assert "no log line read yet" in str(panel.query_one("#findings-detail").render())
        await pilot.press("d")
        await pilot.pause()
        assert not panel.display


async def test_diagnosis_runs_off_the_loop_at_most_every_two_seconds() -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.query_one(FindingsPanel).screen
        assert isinstance(screen, DashboardScreen)
        events = log_events()
        started = time.monotonic()
        app.show_events(events[:4])  # up to the loss: a link-down
        panel = app.query_one(FindingsPanel)
        await wait_for(pilot, lambda: bool(panel.findings), 5)
        first = panel.findings
        for event in events[4:]:  # more lines soon after: one diagnosis for them all
            app.show_events([event])
            await pilot.pause(0.1)
        assert screen.diagnoses == 1
        await wait_for(pilot, lambda: screen.diagnoses == 2, 5)
        assert time.monotonic() - started >= 1.9
        await wait_for(pilot, lambda: not screen._diagnosing, 5)
        assert panel.findings and panel.findings[0].code == first[0].code
        await pilot.pause(2.2)
        assert screen.diagnoses == 2  # nothing new arrived: nothing ran


async def test_replay_diagnoses_and_jumping_back_forgets_the_findings(tmp_path: Path) -> None:
    app = DashboardApp(
        ReplaySource(load_recording(write_recording(tmp_path / "s.jsonl")), speed=64)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(FindingsPanel)
        await wait_for(pilot, lambda: app.source.clock.done and bool(panel.findings), 10)
        assert panel.findings[0].evidence == ((LOG_R2, 4),)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"0.5", "enter")
        await pilot.pause()
        assert panel.findings == ()  # back before the loss: nothing to diagnose yet


async def test_live_master_restart_names_the_cause_of_the_full_resync(seed_lab: Lab) -> None:
    lab = seed_lab
    master_log = str(lab.log_path(lab.master_port))
    app = DashboardApp(LiveSource(settings_for(lab)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.state.frame.links) == 2, 5)
        await asyncio.to_thread(lab.kill, lab.master_port)
        await asyncio.to_thread(lab.start, lab.master_port)
        for port in lab.replica_ports:
            await asyncio.to_thread(lab.wait_link_up, port)
        panel = app.query_one(FindingsPanel)

        def restart():  # type: ignore[no-untyped-def]
            return next((f for f in panel.findings if f.code == "restart"), None)

        await wait_for(
            pilot, lambda: restart() is not None and "full resync" in restart().title, 20
        )
        finding = restart()
        assert f"{lab.master_port} restarted and a full resync followed" in finding.title
        assert "without a clean shutdown" in finding.explanation
        assert all(f"{port} resynced fully" in finding.explanation for port in lab.replica_ports)
        assert finding.setting == "save"
        ((source, line),) = finding.evidence
        assert source == master_log
        assert panel.findings[0] == finding  # the cause comes before the outages it caused

        await pilot.press("d")
        await pilot.pause()
        panel.option_list.highlighted = panel.findings.index(finding)
        await pilot.pause()
        detail = str(panel.query_one("#findings-detail").render())
        assert f"{Path(source).name}:{line}" in detail
        await pilot.press("enter")
        await wait_for(pilot, lambda: selected_event(app) is not None, 2)
        chosen = selected_event(app)
        assert chosen is not None and (chosen.source, chosen.line) == (source, line)
        with open(source) as log:
            raw = log.read().splitlines()[line - 1]
        assert chosen.message in raw


async def test_help_tells_the_d_key_and_what_findings_are() -> None:
    app = DashboardApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = app.screen.query_one(Markdown).source
        assert "| `d` | findings" in text
        assert "| findings | what `replwatch report`'s rules make" in text
