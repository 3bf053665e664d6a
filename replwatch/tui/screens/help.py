"""The help screen: what each key does, and what every column, figure and colour means."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from replwatch.tui.glossary import glossary_markdown

KEYS = """\
# replwatch dashboard

| key | does |
|---|---|
| `enter` | on a node or link: the node's whole `INFO replication` and version |
| `d` | findings: why, what to change, which log lines show it; `enter` selects one in the feed |
| `s` | hide / show the Sentinels panel (when Sentinels are polled) |
| `f` | filter the event feed by kind and node |
| `/` | search the event feed (`esc` clears) |
| `p` | pause / resume the event feed |
| `t` | dark / light theme |
| `ctrl+p` | command palette |
| `?` | this help |
| `q`, `ctrl+c` | quit |
"""


class HelpScreen(ModalScreen[None]):
    """Any of escape, q or ? closes it; ``extra`` is the source's own keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close"),
    ]

    def __init__(self, extra: str = "") -> None:
        super().__init__()
        self.extra = extra

    def compose(self) -> ComposeResult:
        text = KEYS + ("\n" + self.extra if self.extra else "") + "\n" + glossary_markdown()
        with VerticalScroll(id="help-body"):
            yield Markdown(text)
