"""Lag history: a sparkline per replica over the last minutes, with catch-up rate
and backlog headroom beside it.

One widget draws every row through Textual's line API (``render_line``), so only the
rows on screen are drawn. The first version mounted three widgets per replica: with
300 replicas that was 900 widgets to lay out at every poll, 19 % of a core while
nothing changed (``bench/bench_tui.py --replicas 299``).
"""

from __future__ import annotations

from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from replwatch.tui.formatting import human_bytes, short_address
from replwatch.tui.view import Frame, LinkView

#: Eight heights of bar, lowest first.
BARS = "▁▂▃▄▅▆▇█"
NAME_WIDTH = 8
MIN_SPARK = 10


def spark(samples: tuple[float, ...], width: int) -> list[float]:
    """``samples`` as ``width`` columns, each 0..1 of the row's largest sample (the
    largest of the samples a column covers, so a spike is never averaged away)."""
    if width <= 0:
        return []
    if not samples:
        return [0.0] * width
    top = max(samples)
    count = len(samples)
    columns = []
    for i in range(width):
        first = i * count // width
        last = max((i + 1) * count // width, first + 1)
        value = max(samples[first:last])
        columns.append(value / top if top > 0 else 0.0)
    return columns


def figures(link: LinkView | None) -> str:
    if link is None:
        return ""
    rate = "-" if link.catchup_rate is None else human_bytes(link.catchup_rate) + "/s"
    headroom = human_bytes(link.backlog_headroom)
    if link.headroom_seconds is not None:  # a replica that stopped answering
        headroom += f" ~{link.headroom_seconds:.0f}s"
    return f"lag {human_bytes(link.lag_bytes)}  catch-up {rate}  headroom {headroom}"


class LagHistory(ScrollView, can_focus=False):
    """The parent sets ``history`` (replica -> recent lag samples) and ``frame``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "lag-history--name",
        "lag-history--low",
        "lag-history--high",
    }

    history: reactive[dict[str, tuple[float, ...]]] = reactive(dict, layout=False)
    frame: reactive[Frame] = reactive(Frame, layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[str] = []
        self._links: dict[str, LinkView] = {}
        self._strips: dict[tuple[int, int], Strip] = {}
        self._figures_width = 0  # every row's figures in one column

    @property
    def replicas(self) -> list[str]:
        """The replicas shown, one per line, in order."""
        return list(self._rows)

    def row_text(self, replica: str) -> str:
        """A row's figures as shown (for tests and screen readers)."""
        return f"{short_address(replica)} {figures(self._links.get(replica))}"

    def watch_history(self) -> None:
        self._rebuild()

    def watch_frame(self) -> None:
        self._rebuild()

    def on_resize(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        self._links = {link.replica: link for link in self.frame.links}
        self._rows = sorted(set(self.history) | set(self._links))
        self._figures_width = max((len(figures(link)) for link in self._links.values()), default=0)
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if index >= len(self._rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        key = (index, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._render_row(self._rows[index], width)
        return strip

    def _render_row(self, replica: str, width: int) -> Strip:
        base = self.rich_style
        name_style = base + self.get_component_rich_style("lag-history--name")
        low = self.get_component_rich_style("lag-history--low").color
        high = self.get_component_rich_style("lag-history--high").color
        text = figures(self._links.get(replica))
        room = width - NAME_WIDTH - (self._figures_width + 2 if self._figures_width else 0)
        if room < MIN_SPARK:  # narrow: the sparkline keeps its room, figures are cut
            room = max(min(MIN_SPARK, width - NAME_WIDTH), 0)
        segments = [Segment(short_address(replica)[: NAME_WIDTH - 1].ljust(NAME_WIDTH), name_style)]
        for level in spark(self.history.get(replica, ()), room):
            bar = BARS[min(int(level * len(BARS)), len(BARS) - 1)]
            color = _blend(low, high, level) if low and high else None
            segments.append(Segment(bar, base + Style(color=color)))
        rest = width - NAME_WIDTH - room
        if rest > 0:
            segments.append(Segment(f"  {text}"[:rest].ljust(rest), base))
        return Strip(segments, width)


def _blend(low: Color, high: Color, level: float) -> str:
    """A colour between ``low`` and ``high``, as Textual's Sparkline blends its min
    and max colours."""
    a, b = low.get_truecolor(), high.get_truecolor()
    mix = [round(x + (y - x) * level) for x, y in zip(a, b, strict=True)]
    return f"#{mix[0]:02x}{mix[1]:02x}{mix[2]:02x}"
