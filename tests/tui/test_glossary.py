"""A newcomer can learn what every column means: in ? and on each header."""

from __future__ import annotations

from textual.widgets import Markdown

from replwatch.tui.app import DashboardApp
from replwatch.tui.glossary import COLUMNS, glossary_markdown
from replwatch.tui.screens.help import HelpScreen
from replwatch.tui.widgets.links_table import TIPS, LinksTable
from tests.tui.sample_session import LOG_R2, R2, snapshots


async def test_help_explains_every_column_the_links_table_shows() -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        for snapshot in snapshots():
            app.show_snapshot(snapshot)
        await pilot.pause()
        headers = [str(c.label) for c in app.query_one(LinksTable).columns.values()]
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        for header in headers:
            if header != "why":
                assert f"`{header}`" in text, header
        assert "age of the last ACK" in text
        await pilot.press("escape")


def test_each_header_has_its_glossary_line_as_tooltip() -> None:
    for key, (_, meaning) in COLUMNS.items():
        assert TIPS[key] == meaning
        assert meaning in glossary_markdown()
