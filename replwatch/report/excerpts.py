"""The evidence lines themselves, with a few lines around each, for the HTML report.

``file:line`` makes a reader open the log; the line and its neighbours let them see
at once what the finding rests on (the PSYNC request before the refusal, the
``Starting BGSAVE`` before the fork error). This is the report's one piece of I/O
after the analysis: each cited file is read once more, streaming, keeping only the
windows around cited lines (bounded: at most :data:`MAX_CITED` lines per file, each
with :data:`CONTEXT` lines either side, each cut to :data:`WIDTH` characters). A file
that cannot be read any more simply has no excerpts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from replwatch.logs.read import open_log
from replwatch.report.model import Report

CONTEXT = 2
MAX_CITED = 200
WIDTH = 300
#: Lines cited per finding that get an excerpt.
PER_FINDING = 4

#: ``(line number, text)`` of an excerpt's lines, the cited one among them.
Excerpt = tuple[tuple[int, str], ...]
#: A secret a line might carry after these words (a pasted config, a command echo).
_SECRET = re.compile(r"(?i)\b(requirepass|masterauth|auth-pass|-a|--pass)(\s+)(\S+)")


def cited_lines(report: Report) -> dict[str, set[int]]:
    """The (file -> line numbers) that the findings cite first, bounded per file."""
    cited: dict[str, set[int]] = {}
    for finding in report.findings:
        for source, line in finding.evidence[:PER_FINDING]:
            lines = cited.setdefault(source, set())
            if len(lines) < MAX_CITED and line > 0:
                lines.add(line)
    return cited


def read_excerpts(report: Report, *, context: int = CONTEXT) -> dict[tuple[str, int], Excerpt]:
    """``(file, line) -> excerpt`` for the lines the findings cite."""
    excerpts: dict[tuple[str, int], Excerpt] = {}
    for source, lines in cited_lines(report).items():
        try:
            windows = _windows(_read_lines(source), lines, context)
        except OSError:
            continue
        for line, excerpt in windows.items():
            excerpts[(source, line)] = excerpt
    return excerpts


def _read_lines(source: str) -> Iterable[str]:
    with open_log(source) as stream:
        for raw in stream:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _windows(lines: Iterable[str], cited: set[int], context: int) -> dict[int, Excerpt]:
    wanted = {n for line in cited for n in range(line - context, line + context + 1)}
    last = max(cited, default=0) + context
    kept: dict[int, str] = {}
    for number, text in enumerate(lines, 1):
        if number in wanted:
            kept[number] = mask(text[:WIDTH])
        if number >= last:
            break
    return {
        line: tuple((n, kept[n]) for n in range(line - context, line + context + 1) if n in kept)
        for line in cited
    }


def mask(text: str) -> str:
    """``masterauth s3cret`` -> ``masterauth ***``: passwords never reach the report."""
    return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
