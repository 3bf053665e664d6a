"""``replwatch report FILE...``: what happened to replication in these logs, and why.

Thin: parse each file (streaming), hand the event streams to
:func:`replwatch.report.build_report`, print text or JSON, optionally write HTML.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import click

from replwatch.cli.errors import Command, ExitCode, fail, warn
from replwatch.cli.time_options import moment, skew_offsets, skew_option, year_option

if TYPE_CHECKING:
    from replwatch.events import EventRecord


@click.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML report (timeline picture) to this file.",
)
@click.option("--since", help="Ignore lines before this time (ISO, e.g. 2026-11-25T08:49).")
@click.option("--until", help="Ignore lines after this time (ISO).")
@year_option
@skew_option
def report(
    files: tuple[str, ...],
    as_json: bool,
    html_out: str | None,
    since: str | None,
    until: str | None,
    year: int | None,
    skew: tuple[str, ...],
) -> None:
    """Explain replication in FILE... (master and replica logs, any order).

    Pairs the two sides of each link, lists sync sessions (full/partial, bytes,
    duration, outcome) and outages, and finds causes with the setting to look at:
    masterauth, repl-backlog-size, client-output-buffer-limit, repl-timeout,
    failovers and restarts. Every claim cites file:line.
    """
    from replwatch.logs.files import record_batches
    from replwatch.logs.parser import GrammarError, load_default_parser
    from replwatch.report import build_report
    from replwatch.report.excerpts import read_excerpts
    from replwatch.report.parallel import build_report_twice_read, plain_sizes
    from replwatch.report.render_html import render_html
    from replwatch.report.render_json import render_json
    from replwatch.report.render_text import render_text

    start, end = moment(since, "--since"), moment(until, "--until")
    offsets = skew_offsets(skew)
    for name in files:
        if not os.path.isfile(name) or not os.access(name, os.R_OK):
            fail(f"cannot read {name}: no such readable file")
    try:
        parser = load_default_parser()
    except GrammarError as exc:
        fail(str(exc), ExitCode.USAGE)
    unreadable: list[str] = []
    sizes = plain_sizes(files)

    def open_streams(quiet: bool = False) -> list[Iterator[EventRecord]]:
        # each file read in lists of records by the ``parse --json`` loop (one list
        # per MiB of input), flattened in C
        return [
            chain.from_iterable(
                _read_what_it_holds(
                    record_batches(
                        parser, name, source=name, year=year, size=(sizes or {}).get(name)
                    ),
                    name,
                    unreadable,
                    quiet,
                )
            )
            for name in files
        ]

    # The analysis makes no reference cycles (tests/report/test_fast_path.py checks
    # it): the cyclic collector would only walk, again and again, what the report
    # keeps (sessions, intervals, their evidence), a third of the time on big logs.
    gc.disable()
    if sizes is not None:  # big logs: two processes read them (report/parallel.py)
        result = build_report_twice_read(
            open_streams, files=files, since=start, until=end, clock_offsets=offsets
        )
    else:
        result = build_report(
            open_streams(), files=files, since=start, until=end, clock_offsets=offsets
        )
    if html_out:
        try:
            html = render_html(result, excerpts=read_excerpts(result))
            Path(html_out).write_text(html, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {html_out}: {exc.strerror or exc}")
    text = render_json(result) if as_json else render_text(result)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # `| head` closed the pipe: exit quietly, and keep Python from complaining.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(ExitCode.OK)
    if unreadable:
        sys.exit(ExitCode.FAILURE)


def _read_what_it_holds(
    batches: Iterator[list[EventRecord]], name: str, unreadable: list[str], quiet: bool = False
) -> Iterator[list[EventRecord]]:
    """A file that breaks while being read (a truncated .gz, an I/O error) keeps the
    events read so far and is named in one warning (unless ``quiet``); the report
    goes on with the rest."""
    try:
        yield from batches
    except OSError as exc:
        if quiet:
            return
        unreadable.append(name)
        warn(f"{name}: {exc.strerror or exc}; the report uses the lines read before")
