"""``replwatch demo``: the seed's topology, started by the lab, on the dashboard.

The keys stop and start nodes and write on the master, so the experiments of the
original blog post (stop a replica, kill the master, write and watch it
replicate) play out on screen. Lab actions block (a start waits for the port),
so they run in a thread worker; the dashboard keeps drawing meanwhile.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType

from replwatch.lab import Lab, LabError
from replwatch.tui.live import LiveApp, LiveSettings


class DemoApp(LiveApp):
    """The live dashboard plus keys that act on the lab it watches."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "toggle(0)", "Master"),
        Binding("2", "toggle(1)", "Replica 1"),
        Binding("3", "toggle(2)", "Replica 2"),
        Binding("k", "kill_master", "Kill"),
        Binding("w", "write", "Write"),
        # The feed keys still work (see ? and the palette); the footer has room
        # for the demo's own keys at 80 columns.
        Binding("f", "filter", "Filter", show=False),
        Binding("slash", "search", "Search", show=False),
        Binding("p", "pause_feed", "Pause", show=False),
    ]

    def __init__(self, lab: Lab, settings: LiveSettings) -> None:
        super().__init__(settings)
        self.lab = lab
        self._writes = itertools.count(1)

    def on_mount(self) -> None:
        super().on_mount()
        # SIGTERM / SIGHUP (a closed terminal) end the demo like q does, so the
        # workers stop and the command's cleanup stops every server it started.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self.exit)
        self.title = f"replwatch demo ({self.lab.server.product} {self.lab.server.version})"
        ports = " ".join(f"{i + 1}={port}" for i, port in enumerate(self.lab.ports[:3]))
        self.notify(
            f"Nodes {ports}. Press 1/2/3 to stop or start a node, k to kill the master, "
            "w to write on it, ? for help.",
            timeout=8,
        )

    def action_toggle(self, index: int) -> None:
        if index < len(self.lab.ports):
            self.lab_action("toggle", self.lab.ports[index])

    def action_kill_master(self) -> None:
        self.lab_action("kill", self.lab.master_port)

    def action_write(self) -> None:
        self.lab_action("write", self.lab.master_port)

    @work(thread=True, group="lab")
    def lab_action(self, what: str, port: int) -> None:
        """Do one lab action off the UI thread and say what happened."""
        try:
            if what == "kill":
                self.lab.kill(port)
                message = f"killed {port} (SIGKILL); press its number to start it again"
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
            self.notify(message, severity="warning")
            return
        self.notify(message, timeout=4)
