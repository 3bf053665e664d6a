"""The time options ``parse`` and ``report`` share: --since/--until and --skew.

Defined once so that both commands accept the same spellings and refuse bad ones
with the same usage error (exit 3).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from replwatch.cli.errors import ExitCode, fail


def moment(value: str | None, option: str) -> datetime | None:
    """A --since/--until value as a naive datetime (``2026-11-25 08:49`` works too)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace(" ", "T", 1)).replace(tzinfo=None)
    except ValueError:
        fail(f"{option} {value!r} is not a time like 2026-11-25T08:49:46", ExitCode.USAGE)
    return None  # pragma: no cover  (fail exits)


def iso_bound(value: str | None, option: str) -> str | None:
    """A --since/--until value in the prefix form event timestamps use."""
    when = moment(value, option)
    return when.isoformat(timespec="milliseconds") if when is not None else None


def skew_offsets(values: tuple[str, ...]) -> dict[str, float]:
    """``FILE=SECONDS`` values as {file: seconds}; anything else is a usage error."""
    offsets: dict[str, float] = {}
    for value in values:
        source, sep, seconds = value.rpartition("=")
        try:
            offsets[source] = float(seconds)
        except ValueError:
            source = ""
        if not sep or not source:
            fail(f"--skew {value!r} should be FILE=SECONDS, e.g. a.log=-2.5", ExitCode.USAGE)
    return offsets


def skew_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--skew FILE=SECONDS`` (repeatable), as ``skew: tuple[str, ...]``."""
    return click.option(
        "--skew",
        multiple=True,
        metavar="FILE=SECONDS",
        help="Shift FILE's clock by SECONDS (repeatable) when hosts' clocks disagree.",
    )(command)
