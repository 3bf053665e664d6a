"""``replwatch demo``: the seed's topology, started by the lab, on the dashboard.

The keys stop and start nodes and write on the master, so the experiments of the
original blog post (stop a replica, kill the master, write and watch it
replicate) play out on screen. Lab actions block (a start waits for the port),
so they run in a thread worker; the dashboard keeps drawing meanwhile. When the
app ends (``q``, ``ctrl+c``, SIGTERM, a closed terminal) the source stops every
server of the lab: nothing the demo started is left running.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding

from replwatch.lab import Lab, LabError
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.messages import Note

if TYPE_CHECKING:
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.screens.dashboard import DashboardScreen

DEMO_HELP = """\
**Demo**: `1` `2` `3` stop/start node 1-3, `k` kill the master (SIGKILL),
`w` write a key on the master. `q` or `ctrl+c` stops every server the demo started.
"""


class DemoSource(LiveSource):
    """The live source on a lab, plus keys that act on it."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("1", "source('toggle_node', 0)", "Master"),
        Binding("2", "source('toggle_node', 1)", "Replica 1"),
        Binding("3", "source('toggle_node', 2)", "Replica 2"),
        Binding("k", "source('kill_master')", "Kill"),
        Binding("w", "source('write')", "Write"),
    ]
    # The feed keys and d still work (see ? and the palette; the findings panel's
    # title says d); the footer has room for the demo's own keys at 80 columns.
    QUIET_KEYS: ClassVar[frozenset[str]] = frozenset({"f", "slash", "p", "d"})
    help = DEMO_HELP

    def __init__(self, lab: Lab, settings: LiveSettings, *, joining: Sequence[int] = ()) -> None:
        """``joining``: replicas started once the dashboard is up (their initial full
        sync, of the data ``demo --data`` wrote, plays on screen)."""
        super().__init__(settings)
        self.joining = tuple(joining)
        self.lab = lab
        self.title = f"replwatch demo ({lab.server.product} {lab.server.version})"
        self._writes = itertools.count(1)
        self._lab_stopped = False

    def start(self, app: DashboardApp, dashboard: DashboardScreen) -> None:
        super().start(app, dashboard)
        # SIGTERM / SIGHUP (a closed terminal) end the demo like q does, so the
        # workers stop and every server started is stopped.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, app.exit)
        ports = " ".join(f"{i + 1}={port}" for i, port in enumerate(self.lab.ports[:3]))
        self._say(
            f"Nodes {ports}. Press 1/2/3 to stop or start a node, k to kill the master, "
            "w to write on it, ? for help."
        )
        for port in self.joining:  # after a poll or two, so the sync is seen starting
            app.set_timer(2 * self.settings.interval, partial(self._lab_action, "start", port))

    def stop(self) -> None:
        super().stop()
        if not self._lab_stopped:
            self._lab_stopped = True
            self.lab.lift_save_delay()  # else the master's last save takes ~10 s
            self.lab.down()

    def _say(self, text: str) -> None:
        """On the notes line, not in a toast: a toast covers the event feed."""
        if self.dashboard is not None:
            self.dashboard.post_message(Note(text, key="demo"))

    def action_toggle_node(self, index: int) -> None:
        if index < len(self.lab.ports):
            self._lab_action("toggle", self.lab.ports[index])

    def action_kill_master(self) -> None:
        self._lab_action("kill", self.lab.master_port)

    def action_write(self) -> None:
        self._lab_action("write", self.lab.master_port)

    def _lab_action(self, what: str, port: int) -> None:
        assert self.app is not None
        self.app.run_worker(lambda: self.lab_action(what, port), thread=True, group="lab")

    def lab_action(self, what: str, port: int) -> None:
        """Do one lab action (in a thread: starts wait for the port) and say what happened."""
        try:
            if what == "kill":
                self.lab.kill(port)
                message = f"killed {port} (SIGKILL); press its number to start it again"
            elif what == "start":
                self.lab.start(port, wait_link=False)
                message = f"replica {port} joins: its full sync of the master's data begins"
            elif what == "write":
                n = next(self._writes)
                self.lab.write(f"demo:{n}", f"value {n}")
                message = f"SET demo:{n} on the master {port}"
            elif self.lab.pid(port) is None:
                self.lab.start(port, wait_link=False)
                message = f"started {port}"
            else:
                self.lab.stop(port)
                message = f"stopped {port}"
        except LabError as exc:
            message = str(exc)
        self._say(message)
