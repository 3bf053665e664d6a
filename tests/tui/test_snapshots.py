"""Visual regressions of the main screen with fixed data (pytest-textual-snapshot).

Update after looking at the report: ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

import pytest

from replwatch.tui.app import DashboardApp
from tests.tui.sample_session import LOG_R2, R2, log_events, poll_events, snapshots


async def feed_session(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.pause()  # the dashboard screen is composed
    for snapshot in snapshots():
        app.show_snapshot(snapshot)
    app.show_events(poll_events() + log_events())
    await app.workers.wait_for_complete()  # the findings panel's diagnosis
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = DashboardApp(node_of_source={LOG_R2: R2})
    assert snap_compare(app, terminal_size=size, run_before=feed_session)


def test_main_screen_light_theme(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = DashboardApp(node_of_source={LOG_R2: R2})

    async def light(pilot) -> None:  # type: ignore[no-untyped-def]
        await feed_session(pilot)
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=light)
