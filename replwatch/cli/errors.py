"""Exit codes and the one-line error style shared by every subcommand.

One table of exit codes for the whole tool, so a script can rely on a number meaning
the same thing whichever subcommand it ran: ``2`` is always "a server could not be
reached or refused us" (``status`` made that promise first), so usage errors are ``3``
everywhere rather than click's default ``2``.
"""

from __future__ import annotations

import errno
import sys
from enum import IntEnum
from typing import Any

import click


class ExitCode(IntEnum):
    """Process exit codes of every subcommand (README lists them per command)."""

    OK = 0
    FAILURE = 1  # a file could not be read, a command failed
    DEGRADED = 1  # status: a link down, syncing or lagging past a limit
    UNREACHABLE = 2  # a node unreachable, timed out or refusing the credentials
    USAGE = 3  # bad command line
    INTERRUPTED = 130  # Ctrl-C


WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EBADF})
"""Errors of writing the output (a full disk, a closed stdout): the environment's,
not a bug, so :func:`replwatch.cli.main` prints one line and exits 1."""


class _UsageExits3:
    """Mixin: click usage errors exit :attr:`ExitCode.USAGE` instead of click's 2."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)  # type: ignore[misc]
        except click.UsageError as exc:
            exc.exit_code = ExitCode.USAGE  # type: ignore[misc]
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except click.UsageError as exc:
            exc.exit_code = ExitCode.USAGE  # type: ignore[misc]
            raise


class Command(_UsageExits3, click.Command):
    """The click command class of every replwatch subcommand."""


class Group(_UsageExits3, click.Group):
    """The click group class of replwatch's command groups (``lab``)."""


def fail(message: str, code: int = ExitCode.FAILURE) -> None:
    """Print one ``replwatch: error: ...`` line on stderr and exit with ``code``."""
    click.echo(f"replwatch: error: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """Print one ``replwatch: warning: ...`` line on stderr."""
    click.echo(f"replwatch: warning: {message}", err=True)
