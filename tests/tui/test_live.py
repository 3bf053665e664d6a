"""The live dashboard on a real lab: master and two replicas, password "foobared".

Polls every 0.2 s so a stopped replica must show as down within 3 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from replwatch.follow.sources import LogSource
from replwatch.lab import Lab, free_ports
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.poll.rounds import PollSettings
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.widgets.event_feed import EventFeed
from replwatch.tui.widgets.notes import NotesBar
from tests.tui.test_replay import tree_labels


def settings_for(
    lab: Lab, *, password: str | None = "foobared", extra: list[int] = ()
) -> LiveSettings:  # type: ignore[assignment]
    return LiveSettings(
        targets=[Address("127.0.0.1", port) for port in [*lab.ports, *extra]],
        credentials=Credentials(password=password),
        interval=0.2,
        start="start",
    )


async def wait_for(pilot, check: Callable[[], bool], timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``check()`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        await pilot.pause(0.05)
    return time.monotonic() - started


def link_state(app: DashboardApp, port: int) -> str | None:
    for link in app.state.frame.links:
        if link.replica.endswith(f":{port}"):
            return link.state
    return None


async def test_live_topology_follows_stop_start_and_master_restart(seed_lab: Lab) -> None:
    lab = seed_lab
    replica = lab.replica_ports[0]
    app = DashboardApp(LiveSource(settings_for(lab)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.state.frame.links) == 2, 5)
        labels = tree_labels(app)
        assert labels[0].startswith(f"● :{lab.master_port} master")
        assert sorted(label.split()[1] for label in labels[1:]) == [
            f":{port}" for port in sorted(lab.replica_ports)
        ]
        assert all(" up" in label for label in labels[1:])

        await asyncio.to_thread(lab.stop, replica)
        await wait_for(pilot, lambda: link_state(app, replica) == "down", 3)
        await pilot.pause()
        assert any(f":{replica} down" in label for label in tree_labels(app))

        await asyncio.to_thread(lab.start, replica)
        await wait_for(pilot, lambda: link_state(app, replica) == "up", 10)

        # A master restart: the replicas' own logs tell the story, read from their files.
        await asyncio.to_thread(lab.stop, lab.master_port)
        await asyncio.to_thread(lab.start, lab.master_port)
        feed = app.query_one(EventFeed)

        def replica_saw(kind: str) -> bool:
            return any(
                e.kind == kind and e.source == str(lab.log_path(replica)) for e in feed.all_events()
            )

        await wait_for(
            pilot,
            lambda: all(
                replica_saw(k) for k in ("master_link_lost", "sync_started", "sync_finished")
            ),
            10,
        )
        # The log's "link lost" marks the link, whatever the polls caught.
        await pilot.pause()
        assert app.state.flaps().get(f"127.0.0.1:{replica}", 0) >= 1
        assert any(f":{replica}" in label and "⚡" in label for label in tree_labels(app))


async def test_wrong_password_dead_node_and_missing_log_show_as_notes(
    lab_factory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(1, password="foobared")
    dead = free_ports(1)[0]
    missing = tmp_path / "no-such.log"
    settings = replace(
        settings_for(lab, password="Zq9-not-it", extra=[dead]), logs=(LogSource(missing),)
    )
    app = DashboardApp(LiveSource(settings))
    async with app.run_test(size=(80, 24)) as pilot:
        expected = {f"127.0.0.1:{lab.master_port}": "auth", f"127.0.0.1:{dead}": "down"}

        def statuses() -> dict[str, str]:
            return {n.address: n.status for n in app.state.frame.nodes}

        # On a busy machine the first round may report the master as not answering
        # in time (down) before its WRONGPASS arrives: wait for the settled state.
        await wait_for(pilot, lambda: statuses() == expected, 5)
        assert statuses() == expected
        notes = " ".join(app.query_one(NotesBar).notes.values())
        assert "refused the password" in notes and f"127.0.0.1:{dead} is down" in notes
        assert "Zq9-not-it" not in notes
        await wait_for(
            pilot, lambda: str(missing) in " ".join(app.query_one(NotesBar).notes.values()), 5
        )
        await pilot.press("q")


async def test_hung_server_shows_as_down_and_the_screen_keeps_going(lab_factory) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(2, password="foobared")
    replica = lab.replica_ports[0]
    settings = replace(settings_for(lab), poll=PollSettings(connect_timeout=0.3, read_timeout=0.5))
    app = DashboardApp(LiveSource(settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: link_state(app, replica) == "up", 5)
        pid = lab.pid(replica)
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            address = f"127.0.0.1:{replica}"
            await wait_for(
                pilot,
                lambda: any(
                    n.address == address and n.status == "down" for n in app.state.frame.nodes
                ),
                5,
            )
            # The screen is not frozen: the master's row still refreshes meanwhile.
            polled = app.state.snapshot.ts if app.state.snapshot else ""
            await wait_for(
                pilot, lambda: app.state.snapshot is not None and app.state.snapshot.ts != polled, 3
            )
            assert f"{address} is down" in " ".join(app.query_one(NotesBar).notes.values())
        finally:
            os.kill(pid, signal.SIGCONT)


async def test_a_replica_that_stops_answering_keeps_its_last_offsets_marked_stale(
    seed_lab: Lab,
) -> None:
    """SIGSTOP: the master still lists the replica as online, the replica answers
    nothing. The table must say what the tree says, and keep the last figures."""
    lab = seed_lab
    replica = lab.replica_ports[0]
    app = DashboardApp(LiveSource(settings_for(lab)))
    address = f"127.0.0.1:{replica}"

    def row():  # type: ignore[no-untyped-def]
        return next((link for link in app.state.frame.links if link.replica == address), None)

    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: row() is not None and row().replica_offset is not None, 5)
        pid = lab.pid(replica)
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            await wait_for(pilot, lambda: row() is not None and row().stale, 15)
            link = row()
            assert link.state == "down"
            assert link.replica_offset is not None  # its last known offset, not '-'
            assert any(f":{replica} down" in label for label in tree_labels(app))
            # The master writes on: the stopped replica's room to resume counts down.
            first = link.backlog_headroom
            assert first is not None
            client = lab.client(lab.master_port)
            for _ in range(12):
                client.set("filler", "x" * 20_000)
                await pilot.pause(0.25)
            await wait_for(pilot, lambda: row().headroom_seconds is not None, 5)
            link = row()
            assert link.backlog_headroom is not None and link.backlog_headroom < first - 200_000
            assert "it can still resume for" in (link.cause or "")
            assert "at the master's write rate" in (link.cause or "")
        finally:
            os.kill(pid, signal.SIGCONT)


async def test_replicas_anyone_can_read_are_marked_on_the_seeds_layout(seed_lab: Lab) -> None:
    """The seed's replicas have no password while the master has one: the dashboard,
    given that one password, polls them all and marks the replicas (tree and notes)."""
    lab = seed_lab
    app = DashboardApp(LiveSource(settings_for(lab)))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(
            pilot, lambda: [link_state(app, p) for p in lab.replica_ports] == ["up"] * 2, 5
        )
        await wait_for(pilot, lambda: sum("no password" in s for s in tree_labels(app)) == 2, 3)
        labels = tree_labels(app)
        assert (
            labels[0].startswith(f"● :{lab.master_port} master") and "no password" not in labels[0]
        )
        for port in lab.replica_ports:
            (label,) = [s for s in labels if f":{port}" in s]
            assert " up no password" in label and "auth" not in label
        notes = app.query_one(NotesBar).notes
        for port in lab.replica_ports:
            assert notes[f"open:127.0.0.1:{port}"] == (
                f":{port} has no password while its master :{lab.master_port} has one: "
                "anyone who reaches it reads the data"
            )
        assert not [key for key in notes if key.startswith("node:")]  # no auth trouble
        await pilot.press("q")


async def test_a_slow_frame_does_not_make_answering_nodes_time_out(lab_factory) -> None:  # type: ignore[no-untyped-def]
    """The poller has its own thread and loop: while the app's loop is busy (a large
    topology's frames, here 3 s of 90 % busy), replies are still read in time, so no node
    that answers is ever shown unreachable; when the app ends, the poller is gone."""
    lab = lab_factory(2, password="foobared")
    settings = replace(settings_for(lab), poll=PollSettings(connect_timeout=0.3, read_timeout=0.5))
    app = DashboardApp(LiveSource(settings))
    shown: list[set[str]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.dashboard
        draw = screen.show_snapshot

        def counted(snapshot):  # type: ignore[no-untyped-def]
            draw(snapshot)
            shown.append({n.status for n in snapshot.nodes})

        screen.show_snapshot = counted  # type: ignore[method-assign]
        await wait_for(pilot, lambda: len(shown) >= 2, 5)
        before = len(shown)
        busy_until = time.monotonic() + 4
        while time.monotonic() < busy_until:  # the loop is busy 90 % of the time
            time.sleep(1.2)
            await asyncio.sleep(0.05)
        await wait_for(pilot, lambda: len(shown) >= before + 8, 10)
        await pilot.press("q")
    assert all(statuses == {"ok"} for statuses in shown), shown
    assert not [t for t in threading.enumerate() if t.name == "replwatch-poller" and t.is_alive()]
