"""The live dashboard on the old servers people still run, as an operator drives it.

Opt-in: see :mod:`tests.old_servers.servers` (``REPLWATCH_OLD_SERVERS_DIR``). Three builds that
differ the most are used when present (2.8: no PSYNC across restarts and a
header without role; 4.0: PSYNC2; Valkey 8.0: PRIMARY wording, diskless sync).

The master is killed and started again (a loss only the replicas log), then a
replica is stopped and started (a loss only the master logs): the dashboard must
find each node's log by itself, show both losses as two flaps, and end with
every link up and no password on screen. The logs are followed from their end
(``start="end"``), so a line written while the dashboard starts must not be lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from replwatch.lab import Lab, find_server, free_ports
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSource
from replwatch.tui.widgets.event_feed import EventFeed
from replwatch.tui.widgets.notes import NotesBar
from tests.old_servers.servers import old_server_binaries
from tests.tui.test_live import link_state, settings_for, wait_for
from tests.tui.test_replay import tree_labels

WANTED = ("redis-2.8.24", "redis-4.0.14", "valkey-8.0.1")
FOUND = old_server_binaries()
BINARIES = [path for path in FOUND if path.parent.name in WANTED] or FOUND
PASSWORD = "old-pw-5518"


@pytest.mark.parametrize("binary", BINARIES, ids=lambda p: p.parent.name)
async def test_dashboard_follows_an_old_server_lab(binary: Path, tmp_path: Path) -> None:
    server = find_server(binary)
    lab = Lab(tmp_path / "lab", free_ports(3), password=PASSWORD, server=server)
    await asyncio.to_thread(lab.up)
    try:
        master, (first, second) = lab.master_port, lab.replica_ports
        app = DashboardApp(LiveSource(replace(settings_for(lab, password=PASSWORD), start="end")))
        async with app.run_test(size=(120, 40)) as pilot:
            feed = app.query_one(EventFeed)

            def all_up() -> bool:
                return all(link_state(app, port) == "up" for port in (first, second))

            def logged(port: int, kind: str) -> bool:
                source = str(lab.log_path(port))
                return any(e.source == source and e.kind == kind for e in feed.all_events())

            await wait_for(pilot, all_up, 10)
            labels = tree_labels(app)
            assert labels[0].startswith(f"● :{master} master {server.version}")

            await asyncio.to_thread(lab.kill, master)
            await wait_for(pilot, lambda: link_state(app, first) == "down", 5)
            await asyncio.to_thread(lab.start, master)
            await wait_for(pilot, lambda: all_up() and logged(first, "master_link_lost"), 15)

            await asyncio.to_thread(lab.stop, second)
            await wait_for(pilot, lambda: logged(master, "replica_link_lost"), 10)
            await asyncio.to_thread(lab.start, second)
            await wait_for(pilot, all_up, 15)
            await wait_for(pilot, lambda: app.state.flaps().get(f"127.0.0.1:{second}") == 2, 5)

            assert app.state.flaps() == {f"127.0.0.1:{first}": 1, f"127.0.0.1:{second}": 2}
            assert any(f":{second}" in label and "⚡2" in label for label in tree_labels(app))
            shown = " ".join(
                [*tree_labels(app), *app.query_one(NotesBar).notes.values()]
                + [e.message for e in feed.all_events()]
            )
            assert PASSWORD not in shown
            await pilot.press("q")
    finally:
        await asyncio.to_thread(lab.down, purge=True)
