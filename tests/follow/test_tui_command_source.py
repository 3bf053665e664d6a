"""The dashboard tails a command like a file: its lines join the event feed.

No server is needed: the one target is a free port (shown as down); the log lines
come from a real child process started by ``--exec``'s source.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from replwatch.follow.shortcuts import exec_spec
from replwatch.lab import free_ports
from replwatch.poll.addresses import Address
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.widgets.event_feed import EventFeed
from tests.tui.test_live import wait_for

LOST = "7:S 25 Nov 2026 08:49:47.001 # Connection with master lost."


async def test_exec_lines_reach_the_feed_and_the_child_ends_with_the_app(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = tmp_path / "log.py"
    script.write_text(
        "import os, pathlib, time\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
        f"print({LOST!r}, flush=True)\n"
        "time.sleep(300)\n"
    )
    spec = exec_spec(f"{sys.executable} {script}")
    settings = LiveSettings(
        targets=[Address("127.0.0.1", free_ports(1)[0])],
        interval=0.5,
        discover_logs=False,
        commands=(spec,),
    )
    app = DashboardApp(LiveSource(settings))

    def from_exec() -> list[str]:
        return [e.kind for e in app.query_one(EventFeed).all_events() if e.source == spec.name]

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: from_exec() == ["master_link_lost"], 15)
        await pilot.press("q")
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] == "Z":
            break
        time.sleep(0.05)
    else:
        assert not Path(f"/proc/{pid}").exists(), "the command outlived the dashboard"
