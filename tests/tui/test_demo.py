"""``replwatch demo``: keys that act on the lab, and nothing left running on exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from replwatch.lab import Lab, port_in_use
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.tui.app import DashboardApp
from replwatch.tui.demo import DemoSource
from replwatch.tui.live import LiveSettings
from tests.tui.test_live import link_state, wait_for


async def test_demo_keys_stop_start_write_and_kill(lab_factory) -> None:  # type: ignore[no-untyped-def]
    lab: Lab = lab_factory(3, password="foobared")
    settings = LiveSettings(
        targets=[Address("127.0.0.1", port) for port in lab.ports],
        credentials=Credentials(password="foobared"),
        interval=0.2,
    )
    replica = lab.replica_ports[0]
    app = DashboardApp(DemoSource(lab, settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: link_state(app, replica) == "up", 5)
        await pilot.press("2")
        await wait_for(pilot, lambda: link_state(app, replica) == "down", 5)
        await pilot.press("2")
        await wait_for(pilot, lambda: link_state(app, replica) == "up", 10)

        def master_offset() -> int:
            links = app.state.frame.links
            return max((link.master_offset or 0) for link in links) if links else 0

        before = master_offset()
        await pilot.press("w")
        await wait_for(pilot, lambda: master_offset() > before, 5)

        await pilot.press("k")
        master = f"127.0.0.1:{lab.master_port}"
        await wait_for(
            pilot,
            lambda: any(n.address == master and n.status == "down" for n in app.state.frame.nodes),
            5,
        )
        assert lab.pid(lab.master_port) is None


def _start_demo(lab_dir: Path) -> subprocess.Popen[bytes]:
    """``replwatch demo`` as a user runs it, headless, in ``lab_dir``."""
    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver")
    return subprocess.Popen(
        [sys.executable, "-m", "replwatch", "demo", "--dir", str(lab_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _reap(proc: subprocess.Popen[bytes], lab_dir: Path) -> list[int]:
    """End ``proc`` if it still runs and stop whatever it left: the ports left running.

    A node counts as left running by its pid file or by its port, since a server may
    not have written its pid file yet. Never leaves servers behind, even on failure.
    """
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if not (lab_dir / "lab.json").exists():
        return []
    leftover = Lab.load(lab_dir)
    running = [port for port in leftover.ports if leftover.pid(port) or port_in_use(port)]
    leftover.down()
    return running


def test_demo_command_stops_its_servers_on_sigterm(tmp_path: Path) -> None:
    lab_dir = tmp_path / "demo"
    running: list[int] = []
    proc = _start_demo(lab_dir)
    try:
        deadline = time.monotonic() + 30
        lab = None
        while time.monotonic() < deadline:
            if (lab_dir / "lab.json").exists():
                lab = Lab.load(lab_dir)
                if all(lab.pid(port) for port in lab.ports):
                    break
            time.sleep(0.2)
        assert lab is not None, "the demo never started its lab"
        ports = json.loads((lab_dir / "lab.json").read_text())["ports"]
        assert len(ports) == 3
        time.sleep(1)  # the dashboard is up and polling
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        running = _reap(proc, lab_dir)
    assert running == [], f"the demo left servers running on {running}"
    assert b"demo servers stopped" in out
    assert b"Traceback" not in out


def test_demo_sigterm_while_its_servers_start_leaves_none_running(tmp_path: Path) -> None:
    """A SIGTERM that lands while the lab is still coming up stops what was started."""
    lab_dir = tmp_path / "demo"
    running: list[int] = []
    proc = _start_demo(lab_dir)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (lab_dir / "lab.json").exists():
            time.sleep(0.01)
        assert (lab_dir / "lab.json").exists(), "the demo never started its lab"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        running = _reap(proc, lab_dir)
    assert running == [], f"the demo left servers running on {running}"
    assert b"Traceback" not in out


async def test_ctrl_c_quits_and_stops_every_server_of_the_demo(lab_factory) -> None:  # type: ignore[no-untyped-def]
    """ctrl+c is q: the app ends (no 'press ctrl+q') and the demo's servers stop."""
    lab: Lab = lab_factory(3, password="foobared")
    settings = LiveSettings(
        targets=[Address("127.0.0.1", port) for port in lab.ports],
        credentials=Credentials(password="foobared"),
        interval=0.2,
    )
    app = DashboardApp(DemoSource(lab, settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.state.frame.links) == 2, 5)
        assert all(port_in_use(port) for port in lab.ports)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code is not None or not app.is_running
    assert [port for port in lab.ports if port_in_use(port)] == []


async def test_the_replicas_join_after_the_data_and_their_full_sync_is_on_screen(
    lab_factory,
) -> None:  # type: ignore[no-untyped-def]
    """`demo --data`: the master holds data, the replicas start once the dashboard is
    up, and the feed shows each one's full sync of it from its own log."""
    from replwatch.lab.populate import fill
    from replwatch.tui.widgets.event_feed import EventFeed

    lab: Lab = lab_factory(3, password="foobared", config={"repl-diskless-sync": "no"})
    for port in lab.replica_ports:
        lab.stop(port)
    keys = fill(lab.client(lab.master_port, timeout=30), 4 << 20)
    settings = LiveSettings(
        targets=[Address("127.0.0.1", port) for port in lab.ports],
        credentials=Credentials(password="foobared"),
        interval=0.2,
        start="start",
    )
    app = DashboardApp(DemoSource(lab, settings, joining=lab.replica_ports))
    async with app.run_test(size=(100, 30)) as pilot:
        for port in lab.replica_ports:
            await wait_for(pilot, lambda port=port: link_state(app, port) == "up", 20)
        feed = app.query_one(EventFeed)

        def synced(port: int) -> bool:
            return any(
                e.kind == "sync_finished" and e.source.endswith(f"{port}.log")
                for e in feed.all_events()
            )

        for port in lab.replica_ports:
            await wait_for(pilot, lambda port=port: synced(port), 10)
            assert lab.client(port).dbsize() == keys  # (the demo stops the lab on exit)


def test_demo_options_are_checked_before_anything_starts(tmp_path: Path) -> None:
    for args, says in (
        (["--data", "lots"], "is not a size like 100MB"),
        (["--data", "99GB"], "is more than 8 GB"),
        (["--ports", "10000"], "a master and at least one replica"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "replwatch", "demo", "--dir", str(tmp_path / "d"), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 3, result.stderr
        assert says in result.stderr
        assert not (tmp_path / "d").exists()
