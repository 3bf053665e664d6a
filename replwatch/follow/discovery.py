"""Trust, but verify: open a log path a server reported only if it is that server's log.

The dashboard asks local servers where they log (``CONFIG GET logfile`` / ``dir``).
Whatever answers on a polled port can answer anything: ``/etc/shadow``, a path
through ``../../``, another user's key. Opening that path would show the file as
events (and record it). So a reported path is opened only when this machine says
it belongs to the server, via ``/proc``:

1. the process id the server gives in ``INFO server`` (``process_id``) is really
   the process listening on the polled port: one of its descriptors
   (``/proc/PID/fd``) is a listening socket of that port (``/proc/net/tcp``,
   ``tcp6``);
2. the path, resolved (symlinks and ``..`` taken out), is a regular file;
3. the process has that file open (``/proc/PID/fd``), or the file is owned by the
   process's user *and* was written since the process started. The second case is
   the usual one: Redis and Valkey open their log file for each line and close it
   again, so a log is seldom open at the moment we look; but a server writes its
   log as it starts, while a file it merely names (``/etc/passwd``, a key) was not
   written by it then. (Under ``loglevel warning`` a quiet server may not have
   written yet: its log is refused until it does.)

A process of another user cannot be checked (its ``/proc/PID/fd`` is closed to us):
its log is refused too, with a note saying how to tail it anyway (``--logs
HOST:PORT=PATH``, the user's own decision). Linux only; elsewhere nothing is
discovered.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: TCP state LISTEN in /proc/net/tcp.
_LISTEN = "0A"


class Refused(Exception):
    """A reported log path that is not opened, and why (for a note)."""


def verify_server_log(path: Path, *, pid: int | None, port: int, proc: str = "/proc") -> Path:
    """The resolved path if ``path`` is the log of the server ``pid`` on ``port``.

    Raises :class:`Refused` with the reason otherwise.
    """
    how = f"add --logs 127.0.0.1:{port}={path} to tail it anyway"
    if pid is None or pid <= 0:
        raise Refused(f"not opening {path}: the server did not say its process id; {how}")
    base = Path(proc) / str(pid)
    try:
        fds = _fd_targets(base / "fd")
    except PermissionError:
        raise Refused(
            f"not opening {path}: process {pid} is another user's, its files cannot be "
            f"checked; {how}"
        ) from None
    except FileNotFoundError:
        raise Refused(f"not opening {path}: no process {pid} on this machine") from None
    sockets = _listening_inodes(port, proc)
    if not any(target in sockets for target in fds.values()):
        raise Refused(
            f"not opening {path}: process {pid} does not listen on port {port} "
            "(the server's INFO does not match this machine)"
        )
    if not path.is_absolute():
        path = base / "cwd" / path
    try:
        real = Path(os.path.realpath(path))
        st = os.stat(real)
    except OSError as exc:
        raise Refused(f"not opening {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise Refused(f"not opening {path}: not a regular file")
    identity = (st.st_dev, st.st_ino)
    if identity in fds.values():
        return real
    try:
        owner = os.stat(base).st_uid
    except OSError:
        owner = -1
    if st.st_uid != owner:
        raise Refused(
            f"not opening {path}: process {pid} does not have it open and it belongs to "
            f"uid {st.st_uid}, not to the server's user (uid {owner})"
        )
    started = _start_time(base, proc)
    if started is None or st.st_mtime < started - 1.0:
        raise Refused(
            f"not opening {path}: process {pid} does not have it open and has not written "
            f"it since it started; {how}"
        )
    return real


def _start_time(base: Path, proc: str) -> float | None:
    """When the process started, in seconds since the epoch (``/proc/PID/stat``)."""
    try:
        stat_text = (base / "stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in (Path(proc) / "stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    fields = stat_text.rpartition(")")[2].split()
    try:
        ticks = int(fields[19])  # field 22 of the line; fields[0] is field 3 (state)
    except (IndexError, ValueError):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _fd_targets(fd_dir: Path) -> dict[str, object]:
    """fd -> ``socket:[inode]`` text, or the (dev, inode) of the file it has open."""
    targets: dict[str, object] = {}
    for name in os.listdir(fd_dir):
        link = fd_dir / name
        try:
            text = os.readlink(link)
        except OSError:
            continue
        if text.startswith("socket:["):
            targets[name] = text
            continue
        try:
            st = os.stat(link)
        except OSError:
            continue
        targets[name] = (st.st_dev, st.st_ino)
    return targets


def _listening_inodes(port: int, proc: str) -> set[str]:
    """``socket:[inode]`` of every socket listening on ``port`` (IPv4 and IPv6)."""
    found: set[str] = set()
    wanted = f"{port:04X}"
    for table in ("tcp", "tcp6"):
        try:
            with open(Path(proc) / "net" / table, encoding="ascii", errors="replace") as f:
                next(f, None)  # the header
                for line in f:
                    fields = line.split()
                    if len(fields) < 10:
                        continue
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == _LISTEN and local.rpartition(":")[2] == wanted:
                        found.add(f"socket:[{inode}]")
        except OSError:
            continue
    return found


class LogVerifier:
    """:func:`verify_server_log` with a memory: one ``/proc`` check per server run.

    The dashboard rediscovers logs every poll round; the answer only changes when
    the server (its pid) or the path it reports changes.
    """

    def __init__(self, proc: str = "/proc", *, remembered: int = 1024) -> None:
        self._proc = proc
        self._remembered = remembered
        self._cache: dict[tuple[str, Path, int | None], Path | Refused] = {}

    def check(self, node: str, path: Path, *, pid: int | None, port: int) -> Path:
        """The path to open for ``node``'s reported log; :class:`Refused` if none."""
        key = (node, path, pid)
        answer = self._cache.get(key)
        if answer is None:
            try:
                answer = verify_server_log(path, pid=pid, port=port, proc=self._proc)
            except Refused as exc:
                answer = exc
            if len(self._cache) >= self._remembered:
                self._cache.clear()
            # A file not there yet may appear: ask again next time.
            if not (isinstance(answer, Refused) and "No such file" in str(answer)):
                self._cache[key] = answer
        if isinstance(answer, Refused):
            raise answer
        return answer
