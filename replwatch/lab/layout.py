"""Where a lab keeps each node's files, and how to remove exactly those.

Per port, in the lab dir: ``<port>.conf`` (0600, holds any password), ``<port>.log``
(the server's own log), ``<port>.out`` (its stdout/stderr: config errors land there
before the log is open), ``<port>.pid``, ``<port>/`` (data dir); plus ``lab.json``.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Sequence
from pathlib import Path

from replwatch.lab.errors import LabError

LAB_FILE = "lab.json"


class LabLayout:
    """The ports of a lab (master first) and the paths of their files."""

    def __init__(self, dir: Path, ports: Sequence[int]) -> None:
        if not ports:
            raise LabError("a lab needs at least one port")
        if len(set(ports)) != len(ports):
            raise LabError(f"ports must be distinct: {list(ports)}")
        self.dir = Path(dir).absolute()
        self.ports = [int(port) for port in ports]

    @property
    def master_port(self) -> int:
        """The port of the node started as master."""
        return self.ports[0]

    @property
    def replica_ports(self) -> list[int]:
        """The ports of the nodes started as replicas."""
        return self.ports[1:]

    def log_path(self, port: int) -> Path:
        """The server's own log file for ``port``."""
        return self.dir / f"{port}.log"

    def config_path(self, port: int) -> Path:
        return self.dir / f"{port}.conf"

    def pid_path(self, port: int) -> Path:
        return self.dir / f"{port}.pid"

    def output_path(self, port: int) -> Path:
        return self.dir / f"{port}.out"

    def data_dir(self, port: int) -> Path:
        return self.dir / str(port)

    def _port_of(self, key: int) -> int:
        if key in self.ports:
            return key
        if 0 <= key < len(self.ports):
            return self.ports[key]
        raise LabError(f"node_config key {key} is neither a lab port nor a node index")

    def _check_port(self, port: int) -> None:
        if port not in self.ports:
            raise LabError(f"port {port} is not part of the lab in {self.dir} ({self.ports})")

    def purge(self) -> None:
        """Delete the lab's files only, so ``--dir .`` cannot wipe a project."""
        for port in self.ports:
            for path in (
                self.config_path(port),
                self.log_path(port),
                self.output_path(port),
                self.pid_path(port),
            ):
                path.unlink(missing_ok=True)
            shutil.rmtree(self.data_dir(port), ignore_errors=True)
        (self.dir / LAB_FILE).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.dir.rmdir()  # only when nothing else lives there


def tail(path: Path, n: int) -> list[str]:
    """The last ``n`` non-empty lines of a file, read from its end (empty when missing)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, 2) - 16384))  # a start-up log can be huge
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    lines = [line.strip() for line in text.splitlines() if line.strip()][-n:]
    return [line if len(line) <= 160 else line[:157] + "..." for line in lines]
