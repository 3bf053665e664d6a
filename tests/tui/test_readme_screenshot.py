"""The README shows today's dashboard, not an old one."""

from __future__ import annotations

from tests.tui.screenshot import SCREENSHOT, render


async def test_the_readme_screenshot_is_what_the_dashboard_draws_today() -> None:
    fresh = await render()
    again = await render()
    assert fresh == again, "the screenshot is not deterministic"
    assert SCREENSHOT.read_text(encoding="utf-8") == fresh, (
        f"{SCREENSHOT} is out of date: run `python scripts/render_screenshot.py`"
    )
