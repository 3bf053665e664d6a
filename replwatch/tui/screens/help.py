"""The help screen: what each key does, and what the colours mean."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# replwatch dashboard

| key | does |
|---|---|
| `enter` | on a node or link: the node's whole `INFO replication` and version |
| `f` | filter the event feed by kind and node |
| `/` | search the event feed (`esc` clears) |
| `p` | pause / resume the event feed |
| `t` | dark / light theme |
| `ctrl+p` | command palette |
| `?` | this help |
| `q` | quit |

**Replay**: `space` play/pause, `n` step to the next poll, `+`/`-` speed,
`g` jump to a time, `home` back to the start.

**Demo**: `1` `2` `3` stop/start node 1-3, `k` kill the master (SIGKILL),
`w` write a key on the master.

**Colours**: links green = up, amber = syncing (with a progress bar while a full
sync runs), red = down; magenta = the node needs a password.
⚡N on a link counts the times its log said the link was lost, which catches
flaps that came and went between two polls.
"""


class HelpScreen(ModalScreen[None]):
    """Any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)
