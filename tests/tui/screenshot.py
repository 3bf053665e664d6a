"""The README's screenshot (``docs/dashboard-resync.svg``), rendered from the same fixed
session as the snapshot tests: a replica in the middle of its full resync.

``scripts/render_screenshot.py`` writes it; ``test_readme_screenshot.py`` fails when
the file in ``docs/`` is not what today's dashboard draws.
"""

from __future__ import annotations

from pathlib import Path

from replwatch.tui.app import DashboardApp
from tests.tui.sample_session import LOG_R2, R2
from tests.tui.test_snapshots import feed_session

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard-resync.svg"
SIZE = (120, 36)


async def render() -> str:
    """The SVG of the dashboard on the sample session, at :data:`SIZE`."""
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=SIZE) as pilot:
        await feed_session(pilot)
        return app.export_screenshot(title="replwatch")
