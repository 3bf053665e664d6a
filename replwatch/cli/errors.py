"""Exit codes and the one-line error style shared by every subcommand."""

from __future__ import annotations

import sys
from enum import IntEnum

import click


class ExitCode(IntEnum):
    """Process exit codes. Subcommands document which of these they use."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130


def fail(message: str, code: int = ExitCode.FAILURE) -> None:
    """Print one ``replwatch: error: ...`` line on stderr and exit with ``code``."""
    click.echo(f"replwatch: error: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """Print one ``replwatch: warning: ...`` line on stderr."""
    click.echo(f"replwatch: warning: {message}", err=True)
