"""The feed filter: pick which kinds and which nodes the event feed shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Empty sets mean "everything"."""

    kinds: frozenset[str] = frozenset()
    nodes: frozenset[str] = frozenset()


class FeedFilterScreen(ModalScreen[FeedFilter | None]):
    """Dismissed with the chosen filter, or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Apply", show=False),
    ]

    def __init__(self, *, kinds: list[str], nodes: list[str], current: FeedFilter) -> None:
        super().__init__()
        self._kind_choices = kinds
        self._node_choices = nodes
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-body"):
            with Horizontal(id="filter-lists"):
                with Vertical():
                    yield Label("kinds (none ticked = all)")
                    yield SelectionList[str](
                        *[(k, k, k in self._current.kinds) for k in self._kind_choices], id="kinds"
                    )
                with Vertical():
                    yield Label("nodes (none ticked = all)")
                    yield SelectionList[str](
                        *[(n, n, n in self._current.nodes) for n in self._node_choices], id="nodes"
                    )
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss(FeedFilter())
        else:
            self.dismiss(None)

    def action_apply(self) -> None:
        kinds = self.query_one("#kinds", SelectionList).selected
        nodes = self.query_one("#nodes", SelectionList).selected
        self.dismiss(FeedFilter(frozenset(kinds), frozenset(nodes)))

    def action_cancel(self) -> None:
        self.dismiss(None)
