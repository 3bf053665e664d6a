"""Writing each node's config file, and reading the password back from it.

The password lives only in these files (mode 0600, created that way, never widened):
the servers need it there anyway, and a later ``replwatch lab write`` reads it back
from the master's file, so it never appears in ``lab.json``, argv, or output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from replwatch.lab.errors import LabError


def _quote(value: str) -> str:
    """A config-file value in double quotes, escaped the way the server's parser expects."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render(settings: Mapping[str, str]) -> str:
    """Config text, one ``name value`` line each; values are used verbatim (pre-quoted)."""
    return "".join(f"{name} {value}\n" for name, value in settings.items())


def node_settings(
    *,
    port: int,
    node_dir: Path,
    pidfile: Path,
    logfile: Path,
    replicaof: int | None,
    replica_directive: str,
    requirepass: str | None,
    masterauth: str | None,
    extra: Mapping[str, str],
) -> dict[str, str]:
    """Everything one node's config file says, in file order; ``extra`` overrides last."""
    settings: dict[str, str] = {
        "port": str(port),
        "bind": "127.0.0.1",
        "daemonize": "no",
        "pidfile": _quote(str(pidfile)),
        "logfile": _quote(str(logfile)),
        "loglevel": "notice",
        "dir": _quote(str(node_dir)),
        "dbfilename": "dump.rdb",
        "appendonly": "no",
        # The server default (5 s) delays every diskless full sync, so each lab start and
        # each test would wait 5 s for nothing; scenarios that want it pass it back.
        "repl-diskless-sync-delay": "0",
    }
    if requirepass is not None:
        settings["requirepass"] = _quote(requirepass)
    if masterauth is not None:
        settings["masterauth"] = _quote(masterauth)
    if replicaof is not None:
        settings[replica_directive] = f"127.0.0.1 {replicaof}"
    settings.update(extra)
    return settings


def check_password(password: str | None, what: str = "password") -> None:
    """Refuse a password that a config file cannot hold on one line.

    A newline, carriage return or NUL would end the ``requirepass`` line early (and
    redis-server would print the rest in its error): refused up front, and the message
    never repeats the password.
    """
    if password is not None and any(c in password for c in "\n\r\0"):
        raise LabError(f"the lab's {what} contains a line break or NUL; choose one without")


def open_private(path: Path, mode: str = "ab") -> BinaryIO:
    """Open ``path`` for appending, created 0600 if it is new (server output files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, mode)  # type: ignore[return-value]  # binary mode: a BinaryIO


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def read_setting(path: Path, name: str) -> str | None:
    """The (unquoted) value of the last ``name`` line in a config file we wrote."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    value: str | None = None
    for line in lines:
        key, _, rest = line.strip().partition(" ")
        if key.lower() == name:
            value = _unquote(rest.strip())
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body = text[1:-1]
        out: list[str] = []
        chars = iter(body)
        for char in chars:
            out.append(next(chars, "") if char == "\\" else char)
        return "".join(out)
    return text
