"""The Sentinels panel: what each Sentinel believes, on a real group and from fixed views."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from replwatch.lab import Lab
from replwatch.lab.sentinel import SentinelGroup
from replwatch.poll.addresses import Address
from replwatch.poll.rounds import PollSettings
from replwatch.poll.sentinel_reply import SentinelMaster, SentinelPeer, SentinelView
from replwatch.topology.snapshot import NODE_OK, NODE_UNREACHABLE, NodeState, build_snapshot
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.state import frame_of, sentinel_rows
from replwatch.tui.widgets.sentinels import SentinelPanel, sentinel_line
from tests.tui.test_live import wait_for

TS = "2026-11-25T10:00:00.000"


def panel_lines(app: DashboardApp) -> list[str]:
    return str(app.query_one(SentinelPanel).content).splitlines()


async def test_a_real_sentinel_group_shows_a_line_per_sentinel(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(2, server_kind="redis")
    group = sentinels_for(lab)
    settings = LiveSettings(
        targets=[],
        sentinels=[Address("127.0.0.1", port) for port in group.ports],
        poll=PollSettings(connect_timeout=0.5, read_timeout=1.0),
        interval=0.3,
        discover_logs=False,
    )
    app = DashboardApp(LiveSource(settings))
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(SentinelPanel)
        await wait_for(pilot, lambda: len(app.state.frame.sentinels) == 3, 10)
        await pilot.pause()
        assert panel.display and panel.border_title == "sentinels"
        lines = panel_lines(app)
        assert [line.split()[1] for line in lines] == [f":{port}" for port in group.ports]
        for line in lines:
            assert f"mymaster at :{lab.master_port}  ok  quorum 2  3 sentinels  1 replica" in line
        assert "disagrees" not in " ".join(lines)

        await pilot.press("s")  # hidden, and back
        assert not panel.display
        await pilot.press("s")
        assert panel.display

        stopped = group.ports[2]
        await asyncio.to_thread(group.stop, stopped)
        await wait_for(
            pilot,
            lambda: any(
                r.sentinel.endswith(f":{stopped}") and r.status == "down"
                for r in app.state.frame.sentinels
            ),
            10,
        )
        await pilot.pause()
        (line,) = [line for line in panel_lines(app) if f":{stopped}" in line]
        assert f"mymaster at :{lab.master_port}  down" in line  # its last answer


def _sentinel(port: int, at: int, *flags: str, down_replica: bool = False) -> NodeState:
    master = SentinelMaster(
        name="mymaster",
        address=f"127.0.0.1:{at}",
        flags=("master", *flags),
        quorum=2,
        other_sentinels=2,
        replicas=(
            SentinelPeer("127.0.0.1:6380", ("slave",), "ok"),
            SentinelPeer("127.0.0.1:6381", ("s_down", "slave") if down_replica else ("slave",)),
        ),
    )
    return NodeState(f"127.0.0.1:{port}", NODE_OK, sentinel=SentinelView((master,)))


def test_sdown_odown_and_a_sentinel_that_disagrees() -> None:
    snapshot = build_snapshot(
        TS,
        [
            _sentinel(26379, 6379, "s_down"),
            _sentinel(26380, 6379, "s_down", "o_down", down_replica=True),
            _sentinel(26381, 6390),
        ],
    )
    rows = frame_of(snapshot).sentinels
    assert [(r.status, r.dissent) for r in rows] == [
        ("sdown", False),
        ("odown", False),
        ("ok", True),
    ]
    assert [str(sentinel_line(r)) for r in rows] == [
        "● :26379  mymaster at :6379  sdown  quorum 2  3 sentinels  2 replicas",
        "● :26380  mymaster at :6379  odown  quorum 2  3 sentinels  2 replicas (1 down)",
        "● :26381  mymaster at :6390 disagrees  ok  quorum 2  3 sentinels  2 replicas",
    ]
    # split evenly: neither side is "the others"
    even = build_snapshot(TS, [_sentinel(26379, 6379), _sentinel(26380, 6390)])
    assert [r.dissent for r in sentinel_rows(even)] == [True, True]


def test_a_sentinel_that_stops_answering_keeps_its_last_answer_marked_down() -> None:
    up = _sentinel(26379, 6379)
    gone = NodeState("127.0.0.1:26379", NODE_UNREACHABLE, error="refused")
    never = NodeState("127.0.0.1:26380", NODE_UNREACHABLE, error="refused")
    rows = sentinel_rows(build_snapshot(TS, [gone, never]), {up.address: up})
    assert [(r.sentinel, r.status, r.master) for r in rows] == [
        ("127.0.0.1:26379", "down", "127.0.0.1:6379")
    ]
    assert sentinel_rows(build_snapshot(TS, [up])) == frame_of(build_snapshot(TS, [up])).sentinels
