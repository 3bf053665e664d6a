"""Finding and signalling lab servers by pid file, never by name.

A pid file can outlive its server (SIGKILL, reboot) and the pid can be reused by an
unrelated process, so a pid is trusted only while ``/proc/<pid>/cmdline`` still names
the server binary and the node's port (or its config file). Zombies count as dead:
daemonized servers are re-parented to PID 1, which in containers may never reap them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def read_pid(pidfile: Path) -> int | None:
    """The pid written in ``pidfile``, or None when it is missing or not a number."""
    try:
        text = pidfile.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # "pid (comm) S ..." - comm may contain spaces or parentheses, so split at the last ")".
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def is_our_server(pid: int, *, binary: Path, port: int, config: Path) -> bool:
    """True when ``pid`` is alive and is ``binary`` serving ``port`` (or reading ``config``)."""
    if pid <= 0 or _is_zombie(pid):
        return False
    cmdline = _cmdline(pid)
    if binary.name not in cmdline:
        return False
    # Redis and Valkey retitle themselves "<binary> 127.0.0.1:<port>"; before that the
    # command line still holds the config file path.
    return f":{port}" in cmdline or str(config) in cmdline


def server_pid(pidfile: Path, *, binary: Path, port: int, config: Path) -> int | None:
    """The pid of our running server according to ``pidfile``, or None (missing/stale)."""
    pid = read_pid(pidfile)
    if pid is not None and is_our_server(pid, binary=binary, port=port, config=config):
        return pid
    return None


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit; True when it did."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def send(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to ``pid``, ignoring a process that has just exited."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def orphans(*, binary: Path, cwd: Path) -> list[int]:
    """Live processes running ``binary`` in directory ``cwd``.

    For the one moment a pid file cannot help: a signal that interrupts the lab
    between spawning a server and recording it. The lab starts each node in its own
    data directory, so the running binary plus that directory name it exactly.
    """
    found = []
    target, cwd = binary.resolve(), cwd.resolve()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            here = Path(os.readlink(entry / "cwd"))
            if here != cwd or Path(os.readlink(entry / "exe")) != target:
                continue
        except OSError:
            continue
        if not _is_zombie(int(entry.name)):
            found.append(int(entry.name))
    return found


def reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our child, so it leaves no zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
