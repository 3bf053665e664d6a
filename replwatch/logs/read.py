"""Reading log files: plain, ``.gz`` or stdin, split into bounded lines in bulk.

Lines are produced in batches (one per ~1 MiB read) because splitting a whole
chunk at once is what makes parsing a million lines fast. A physical line is
capped at :data:`MAX_LINE` characters: a longer one keeps its first
``MAX_LINE`` and is reported with its full length so the parser can mark it
(see ``docs/grammar.md``); the rest is skipped without being held in memory.
Bytes are decoded as UTF-8 with invalid sequences replaced; a CR before the
newline is dropped.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

#: Longest line kept, in bytes (characters once decoded).
MAX_LINE = 64 * 1024
CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class LineBatch:
    """Consecutive lines starting at ``first_line`` (1-based).

    ``overlong`` maps an index in ``lines`` to the full length of a line that was
    cut at :data:`MAX_LINE`.
    """

    first_line: int
    lines: list[str]
    overlong: dict[int, int] = field(default_factory=dict)
    #: ``"\\n".join(lines)`` when it was at hand (empty otherwise): lets the fast
    #: path run one regex over the whole batch instead of one per line.
    text: str = ""


def position_reader(stream: BinaryIO) -> Callable[[], int] | None:
    """A function giving how far into the file on disk ``stream`` has read (for a
    progress bar): the compressed position for gzip, None for pipes."""
    raw = getattr(stream, "fileobj", None) or stream
    try:
        raw.tell()
    except (OSError, AttributeError, ValueError):
        return None
    return raw.tell


def open_log(path: str | Path) -> BinaryIO:
    """Open ``path`` for binary reading: ``-`` is stdin, gzip is detected by its magic.

    Raises:
        OSError: missing file, a directory, no permission.
    """
    if str(path) == "-":
        return sys.stdin.buffer
    handle = open(path, "rb")  # noqa: SIM115 - the caller closes it
    try:
        magic = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
    except OSError:
        handle.close()
        raise
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def read_chunks(
    stream: BinaryIO, size: int = CHUNK, *, limit: int | None = None
) -> Iterator[bytes]:
    """Raw chunks of ``stream`` (at most ``limit`` bytes in all); a corrupt gzip
    stream ends with an OSError."""
    # A pipe: take what has arrived (read1) rather than wait for a full chunk.
    seekable = getattr(stream, "seekable", lambda: True)()
    read = stream.read if seekable or not hasattr(stream, "read1") else stream.read1
    left = limit
    while left is None or left > 0:
        try:
            chunk = read(size if left is None else min(size, left))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise OSError(f"corrupt compressed data: {exc}") from None
        if not chunk:
            return
        if left is not None:
            left -= len(chunk)
        yield chunk


def _decode_text(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if "\r" in text:  # CRLF: the last line's CR sits just before the cut newline
        text = text.replace("\r\n", "\n")
        if text.endswith("\r"):
            text = text[:-1]
    return text


def _decode(body: bytes) -> list[str]:
    return _decode_text(body).split("\n")


def _cap(lines: list[str], overlong: dict[int, int], base: int = 0) -> None:
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE:
            overlong[base + i] = len(line.encode("utf-8", "replace"))
            lines[i] = line[:MAX_LINE]


def iter_batches(
    stream: BinaryIO, *, first_line: int = 1, limit: int | None = None
) -> Iterator[LineBatch]:
    """Split ``stream`` (its next ``limit`` bytes, or all) into line batches.

    A final line without a newline is still a line. Memory holds one chunk plus
    at most :data:`MAX_LINE` bytes of a line still being read.
    """
    line_no = first_line
    carry = b""
    skipping = 0  # >0: inside an over-long line; counts its bytes so far
    for chunk in read_chunks(stream, limit=limit):
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                skipping += len(chunk)
                continue
            lines = _decode(carry)
            lines[0] = lines[0][:MAX_LINE].rstrip("\r")
            yield LineBatch(line_no, lines[:1], {0: skipping + cut})
            line_no += 1
            carry, skipping = b"", 0
            chunk = chunk[cut + 1 :]
        buf = carry + chunk if carry else chunk
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) > MAX_LINE:
                carry, skipping = buf[:MAX_LINE], len(buf)
            else:
                carry = buf
            continue
        text = _decode_text(buf[:cut])
        lines = text.split("\n")
        carry = buf[cut + 1 :]
        overlong: dict[int, int] = {}
        if cut > MAX_LINE and max(map(len, lines)) > MAX_LINE:
            _cap(lines, overlong)
            text = ""
        yield LineBatch(line_no, lines, overlong, text)
        line_no += len(lines)
        if len(carry) > MAX_LINE:
            carry, skipping = carry[:MAX_LINE], len(carry)
    if skipping:
        lines = _decode(carry)
        yield LineBatch(line_no, [lines[0][:MAX_LINE].rstrip("\r")], {0: skipping})
    elif carry:
        lines = _decode(carry)
        last = lines[-1].rstrip("\r") if len(lines) == 1 else "\n".join(lines)
        yield LineBatch(line_no, [last])
