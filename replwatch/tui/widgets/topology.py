"""The topology tree: each master with its replicas, links coloured by state."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Tree

from replwatch.tui.formatting import STATE_STYLE, progress_bar, short_address
from replwatch.tui.view import Frame, LinkView, NodeView


class TopologyTree(Tree[str]):
    """Masters at the top, replicas under them; enter on a node asks for its details."""

    frame: reactive[Frame] = reactive(Frame)
    flaps: reactive[dict[str, int]] = reactive(dict)

    @dataclass
    class NodeChosen(Message):
        """The user pressed enter on a node."""

        address: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("replication", id=id)
        self.show_root = False
        self.auto_expand = False  # enter opens the node's details, it does not fold it
        self.guide_depth = 3
        self._shape: tuple[tuple[str, str, str], ...] = ()

    def watch_frame(self) -> None:
        self._rebuild()

    def watch_flaps(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        """Redraw the tree, but only when a label or the shape changed (polls mostly don't)."""
        nodes = {node.address: node for node in self.frame.nodes}
        link_of = {link.replica: link for link in self.frame.links}
        labels = {a: self._label(nodes.get(a), link_of.get(a), a) for a in {*nodes, *link_of}}
        shape = tuple(
            sorted(
                (a, str(t), link_of[a].master if a in link_of else "") for a, t in labels.items()
            )
        )
        if shape == self._shape:
            return
        self._shape = shape
        children: dict[str, list[str]] = {}
        for link in self.frame.links:
            children.setdefault(link.master, []).append(link.replica)
        replicas = set(link_of)
        roots = [a for a in nodes if a not in replicas]
        roots += [m for m in children if m not in nodes and m not in roots]
        cursor = self.cursor_line
        self.clear()
        placed: set[str] = set()

        def add(parent, address: str) -> None:  # type: ignore[no-untyped-def]
            if address in placed:  # a loop in a broken topology: show each node once
                return
            placed.add(address)
            label = labels.get(address) or self._label(None, None, address)
            kids = children.get(address, [])
            node = parent.add(label, data=address, expand=True, allow_expand=bool(kids))
            for kid in sorted(kids):
                add(node, kid)

        for root in sorted(roots):
            add(self.root, root)
        for address in sorted(set(nodes) - placed):
            add(self.root, address)
        self.cursor_line = min(max(cursor, 0), max(self.last_line, 0))

    def _label(self, node: NodeView | None, link: LinkView | None, address: str) -> Text:
        text = Text()
        status = node.status if node else "unknown"
        if status in ("down", "auth"):
            text.append("● ", STATE_STYLE[status])
        elif link is not None:
            text.append("● ", STATE_STYLE[link.state])
        else:
            text.append("● ", STATE_STYLE[status])
        text.append(short_address(address), "bold")
        if link is None:  # replicas sit under their master; say what the roots are
            role = node.role if node and node.role else "?"
            text.append(f" {role}", "dim")
        if status == "down":
            text.append(" down", STATE_STYLE["down"])
        elif status == "auth":
            refused = node is not None and node.auth_problem == "wrongpass"
            text.append(" auth refused" if refused else " auth required", STATE_STYLE["auth"])
        elif link is not None:
            if link.state == "syncing" and link.sync_progress is not None:
                text.append(" sync " + progress_bar(link.sync_progress, width=5), "yellow")
            else:
                text.append(f" {link.state}", STATE_STYLE[link.state])
        if node is not None and node.open_under is not None:
            text.append(" no password", STATE_STYLE["open"])
        flaps = self.flaps.get(address, 0)
        if flaps:
            text.append(f" ⚡{flaps}", "bold yellow")
        if node is not None and node.version:  # every node: which server, which release
            text.append(f" {node.product or ''} {node.version}".replace("  ", " "), "dim")
        return text

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.NodeChosen(event.node.data))
