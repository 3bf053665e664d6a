"""The live-source options shared by ``tail`` and ``tui``: ``--exec``, ``--docker``,
``--kubectl``, ``--journal``.

``@source_options`` adds them (each repeatable) and hands the command one tuple of
:class:`~replwatch.follow.command.CommandSpec` (keyword ``commands``), checked before
anything starts: a program that is not installed is one clear error line naming
what to install, exit status 1, never a traceback later in a thread.

``--kubectl`` takes kubectl's own spelling in its value, ``--kubectl 'POD -n NS -c
CONTAINER'`` (``tail`` already has a ``-n``), or ``NS/POD[/CONTAINER]``.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable
from typing import Any, TypeVar

import click

from replwatch.cli.errors import ExitCode, fail
from replwatch.follow.command import CommandSpec, missing_program
from replwatch.follow.shortcuts import (
    UsageError,
    docker_spec,
    exec_spec,
    journal_spec,
    kubectl_spec,
)

F = TypeVar("F", bound=Callable[..., Any])

_OPTION_NAMES = ("exec_commands", "docker", "kubectl", "journal")


def parse_kubectl(value: str) -> CommandSpec:
    """``POD [-n NS] [-c CONTAINER]`` or ``NS/POD[/CONTAINER]``."""
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise UsageError(f"--kubectl {value!r}: {exc}") from None
    pod: str | None = None
    options: dict[str, str] = {}
    names = {"-n": "namespace", "--namespace": "namespace", "-c": "container",
             "--container": "container"}  # fmt: skip
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, inline = word.partition("=")
        if flag in names:
            if eq:
                options[names[flag]] = inline
            elif i + 1 < len(words):
                i += 1
                options[names[flag]] = words[i]
            else:
                raise UsageError(f"--kubectl {value!r}: {word} needs a value")
        elif pod is None and not word.startswith("-"):
            pod = word
        else:
            raise UsageError(f"--kubectl {value!r}: {word!r} is not understood")
        i += 1
    if pod is None:
        raise UsageError(f"--kubectl {value!r}: no pod named")
    if "/" in pod and not pod.startswith(("pod/", "deployment/", "statefulset/")):
        parts = pod.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise UsageError(f"--kubectl {value!r}: use NS/POD or NS/POD/CONTAINER")
        options.setdefault("namespace", parts[0])
        if len(parts) == 3:
            options.setdefault("container", parts[2])
        pod = parts[1]
    return kubectl_spec(pod, namespace=options.get("namespace"), container=options.get("container"))


def build_commands(
    *,
    exec_commands: tuple[str, ...] = (),
    docker: tuple[str, ...] = (),
    kubectl: tuple[str, ...] = (),
    journal: tuple[str, ...] = (),
) -> tuple[CommandSpec, ...]:
    """The option values as command specs; a usage error (exit 2) on a bad value."""
    try:
        specs = [exec_spec(value) for value in exec_commands]
        specs += [docker_spec(value) for value in docker]
        specs += [parse_kubectl(value) for value in kubectl]
        specs += [journal_spec(value) for value in journal]
    except UsageError as exc:
        fail(str(exc), ExitCode.USAGE)
    seen: set[str] = set()
    unique = []
    for spec in specs:
        if spec.name not in seen:
            seen.add(spec.name)
            unique.append(spec)
    return tuple(unique)


def check_installed(specs: tuple[CommandSpec, ...]) -> None:
    """Exit with one clear line if a source's program is not installed here."""
    for spec in specs:
        problem = missing_program(spec)
        if problem is not None:
            fail(problem, ExitCode.FAILURE)


def source_options(func: F) -> F:
    """Add ``--exec``/``--docker``/``--kubectl``/``--journal``; pass ``commands=(...)``."""
    options = [
        click.option(
            "--exec",
            "exec_commands",
            multiple=True,
            metavar="'CMD'",
            help="Follow the output of a command (repeatable), e.g. "
            "'ssh host tail -F /var/log/redis/redis.log'; no shell unless it says sh -c. "
            "Restarted with backoff when it exits.",
        ),
        click.option(
            "--docker",
            multiple=True,
            metavar="CONTAINER",
            help="Follow a container's logs (docker logs -f -t; repeatable).",
        ),
        click.option(
            "--kubectl",
            multiple=True,
            metavar="'POD [-n NS] [-c C]'",
            help="Follow a pod's logs (kubectl logs -f --timestamps; repeatable).",
        ),
        click.option(
            "--journal",
            multiple=True,
            metavar="UNIT",
            help="Follow a systemd unit's journal (journalctl -f -u UNIT -o json; repeatable).",
        ),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _OPTION_NAMES if name in kwargs}
        commands = build_commands(**values)
        check_installed(commands)
        kwargs["commands"] = commands
        return func(*args, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
