"""The commands behind ``--exec``, ``--docker``, ``--kubectl`` and ``--journal``.

Each shortcut builds the command a user would type to follow a Redis log where it
lives, and a :class:`~replwatch.follow.command.Resume` strategy, so that a command
that exits (a container restarted, a dropped connection) is run again from just
after the last line delivered instead of printing its backlog a second time:

* ``--docker C``: ``docker logs -f -t --tail 1000 C``, standard error merged (the
  official image logs to stdout, others to stderr); a line without the ``-t``
  timestamp is docker's own message (``Cannot connect to the Docker daemon``) and
  is shown as a note, not as a log line. Restarted with
  ``--since <timestamp of the last line>``; ``-t`` gives every line an RFC 3339
  timestamp with nanoseconds, so repeats are recognised by it.
* ``--kubectl POD [-n NS] [-c C]``: ``kubectl logs -f --timestamps --tail 1000 …``,
  restarted with ``--since-time``, the same way.
* ``--journal UNIT``: ``journalctl -f -u UNIT -o json -n 1000``. JSON rather than
  ``short-iso``: every entry carries its cursor, so a restart
  (``--after-cursor``) resumes exactly, with no timestamp guessing; it also keeps
  the microsecond time, the pid and the host, and messages in any bytes. The
  parser takes the envelope off (``docs/grammar.md``).
* ``--exec 'CMD'``: split like a shell would (``shlex``), run without one unless the
  command says ``sh -c``; no resume (nothing is known of its output), so a
  restarted ``tail -F`` may print its last lines again.

Pure: argument lists in, argument lists out.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from datetime import datetime

from replwatch.follow.command import CommandSpec

#: Lines of backlog the shortcuts ask for at start.
BACKLOG = 1000

DOCKER_HINT = (
    "install the Docker CLI (https://docs.docker.com/engine/install/) or use "
    "--exec with the command that reaches the container's logs"
)
KUBECTL_HINT = (
    "install kubectl (https://kubernetes.io/docs/tasks/tools/) or use --exec with "
    "the command that reaches the pod's logs"
)
JOURNAL_HINT = "install systemd's journalctl (it comes with systemd) or use --exec"

#: RFC 3339 at the start of a line (``docker logs -t``, ``kubectl --timestamps``).
_RFC3339 = re.compile(
    rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)(?=\s)"
)


class UsageError(ValueError):
    """A source option that cannot be turned into a command."""


def exec_spec(command: str) -> CommandSpec:
    """``--exec 'CMD'``: the command split like a shell would, run without one."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--exec {command!r}: {exc}") from None
    if not argv:
        raise UsageError("--exec: an empty command")
    return CommandSpec(name=f"exec:{command.strip()}", argv=tuple(argv))


def docker_spec(container: str) -> CommandSpec:
    """``--docker CONTAINER``."""
    container = _name(container, "--docker")
    return CommandSpec(
        name=f"docker:{container}",
        argv=("docker", "logs", "-f", "-t", "--tail", str(BACKLOG), container),
        merge_stderr=True,
        untimed_are_notes=True,
        install_hint=DOCKER_HINT,
        resume=TimestampResume("--since", drop=("--tail", str(BACKLOG))),
    )


def kubectl_spec(
    pod: str, *, namespace: str | None = None, container: str | None = None
) -> CommandSpec:
    """``--kubectl POD`` (``-n NS``, ``-c CONTAINER`` as kubectl spells them)."""
    pod = _name(pod, "--kubectl")
    argv = ["kubectl", "logs", "-f", "--timestamps", f"--tail={BACKLOG}"]
    name = pod
    if namespace:
        argv += ["-n", _name(namespace, "--namespace")]
        name = f"{namespace}/{pod}"
    if container:
        argv += ["-c", _name(container, "--container")]
        name = f"{name}/{container}"
    argv.append(pod)
    return CommandSpec(
        name=f"kubectl:{name}",
        argv=tuple(argv),
        install_hint=KUBECTL_HINT,
        resume=TimestampResume("--since-time", drop=(f"--tail={BACKLOG}",), joined=True),
    )


def journal_spec(unit: str) -> CommandSpec:
    """``--journal UNIT``."""
    unit = _name(unit, "--journal")
    return CommandSpec(
        name=f"journal:{unit}",
        argv=("journalctl", "-f", "-u", unit, "-o", "json", "-n", str(BACKLOG)),
        install_hint=JOURNAL_HINT,
        resume=CursorResume(),
    )


def _name(value: str, option: str) -> str:
    value = value.strip()
    if not value or value.startswith("-") or any(c.isspace() for c in value):
        raise UsageError(f"{option}: {value!r} is not a name")
    return value


class TimestampResume:
    """Resume after the last line's leading RFC 3339 timestamp.

    Args:
        flag: the option that takes it (``--since``, ``--since-time``).
        drop: the backlog arguments left out on restart (the timestamp replaces them).
        joined: ``--flag=VALUE`` rather than ``--flag VALUE``.
    """

    def __init__(self, flag: str, *, drop: tuple[str, ...] = (), joined: bool = False) -> None:
        self._flag = flag
        self._drop = drop
        self._joined = joined

    def restart_argv(self, argv: Sequence[str], last: bytes | None) -> list[str]:
        match = _RFC3339.match(last) if last else None
        if match is None:
            return list(argv)
        stamp = match.group(0).decode("ascii")
        out = _without(argv, self._drop)
        extra = [f"{self._flag}={stamp}"] if self._joined else [self._flag, stamp]
        return out[:-1] + extra + out[-1:]  # the name stays last

    def key(self, raw: bytes) -> tuple[float, int] | None:
        """(seconds since the epoch, nanoseconds): sortable across zones and widths."""
        match = _RFC3339.match(raw)
        if match is None:
            return None
        base, fraction, zone = (g.decode("ascii") if g else "" for g in match.groups())
        zone = "+00:00" if zone == "Z" else zone
        if len(zone) == 5:  # +0000
            zone = f"{zone[:3]}:{zone[3:]}"
        try:
            when = datetime.fromisoformat(base + zone)
        except ValueError:
            return None
        return (when.timestamp(), int(fraction.ljust(9, "0")) if fraction else 0)


class CursorResume:
    """Resume journalctl after the last entry's ``__CURSOR`` (JSON output)."""

    def restart_argv(self, argv: Sequence[str], last: bytes | None) -> list[str]:
        cursor = _cursor(last)
        if cursor is None:
            return list(argv)
        return [*_without(argv, ("-n", str(BACKLOG))), f"--after-cursor={cursor}"]

    def key(self, raw: bytes) -> None:
        return None  # the cursor is exact: a restarted journalctl repeats nothing


def _cursor(last: bytes | None) -> str | None:
    if not last:
        return None
    try:
        entry = json.loads(last)
    except ValueError:
        return None
    cursor = entry.get("__CURSOR") if isinstance(entry, dict) else None
    return cursor if isinstance(cursor, str) else None


def _without(argv: Sequence[str], drop: tuple[str, ...]) -> list[str]:
    """``argv`` without the consecutive arguments ``drop``."""
    out = list(argv)
    n = len(drop)
    for i in range(len(out) - n + 1):
        if n and tuple(out[i : i + n]) == drop:
            return out[:i] + out[i + n :]
    return out
