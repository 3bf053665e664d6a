"""The links table keeps what an operator looks for first in view on a small terminal."""

from __future__ import annotations

import pytest

from replwatch.tui.app import DashboardApp
from replwatch.tui.formatting import compact_int
from replwatch.tui.widgets.links_table import LinksTable
from tests.tui.sample_session import LOG_R2, R1, R2, log_events, poll_events, snapshots


def column_right_edges(table: LinksTable) -> dict[str, int]:
    """Where each column ends, in cells from the table's left edge."""
    edges, x = {}, 0
    for key, column in table.columns.items():
        x += column.get_render_width(table)
        edges[str(key.value)] = x
    return edges


@pytest.mark.parametrize("size", [(80, 24), (132, 40)], ids=["80x24", "132x40"])
async def test_lag_is_visible_without_scrolling(size: tuple[int, int]) -> None:
    app = DashboardApp(node_of_source={LOG_R2: R2})
    async with app.run_test(size=size) as pilot:
        for snapshot in snapshots():
            app.show_snapshot(snapshot)
        app.show_events(poll_events() + log_events())
        await pilot.pause()
        table = app.query_one(LinksTable)
        visible = table.scrollable_content_region.width
        edges = column_right_edges(table)
        labels = [str(column.label) for column in table.columns.values()]
        assert labels[:2] == ["replica", "master"] if size[0] >= 132 else ["replica", "state"]
        for key in ("replica", "state", "lag_b", "ack", "since", "flaps"):
            assert edges[key] <= visible, (key, edges, visible)
        assert "ack" in labels and "lag s" not in labels  # the age of the last ACK
        assert str(table.get_cell(R1, "lag_b")) == "0"
        assert str(table.get_cell(R2, "state")) == "sync 40%"
        if size[0] >= 132:  # a wide terminal shows the offsets too
            assert edges["r_off"] <= visible, (edges, visible)


def test_offsets_are_compact() -> None:
    assert [compact_int(v) for v in (None, 0, 5600, 9999, 12_345, 123_456, 1_234_567)] == [
        "-",
        "0",
        "5600",
        "9999",
        "12.3k",
        "123k",
        "1.2M",
    ]
    assert compact_int(98_765_432_100) == "98.8G"
    assert compact_int(999_999) == "1.0M"
