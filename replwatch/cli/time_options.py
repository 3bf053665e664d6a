"""The time options the commands share: --since/--until, --skew and --year.

Defined once so that every command accepts the same spellings and refuse bad ones
with the same usage error (exit 3).
"""

from __future__ import annotations

import math
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
        if not math.isfinite(offsets[source]) or abs(offsets[source]) > MAX_SKEW:
            fail(
                f"--skew {value!r}: SECONDS must be a number within ±{MAX_SKEW} (a day)",
                ExitCode.USAGE,
            )
    return offsets


MAX_SKEW = 86_400
"""Clocks further apart than a day are a wrong zone or year, not skew."""


def year_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--year YEAR`` for headers without one, range-checked the same for every command."""
    return click.option(
        "--year",
        type=click.IntRange(1970, 9999),
        default=None,
        help="Year for log headers that have none (Redis before 3.0 and yearless envelopes).",
    )(command)


def skew_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--skew FILE=SECONDS`` (repeatable), as ``skew: tuple[str, ...]``."""
    return click.option(
        "--skew",
        multiple=True,
        metavar="FILE=SECONDS",
        help="Shift FILE's clock by SECONDS (repeatable) when hosts' clocks disagree.",
    )(command)
