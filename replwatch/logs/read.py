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

import errno
import gzip
import io
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
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise OSError(errno.EBADF, "standard input is closed")
        return sys.stdin.buffer
    handle = open(path, "rb")  # noqa: SIM115 - the caller closes it
    try:
        magic = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
    except OSError:
        handle.close()
        raise
    if magic == _GZIP_MAGIC:
        return Gunzip(handle)  # type: ignore[return-value]
    return handle


class Gunzip(io.RawIOBase):
    """A ``.gz`` stream that yields everything it holds, as ``zcat`` does.

    :class:`gzip.GzipFile` loses the whole last read when the file is truncated (a log
    copied while being compressed) or has garbage after the last member. This reader
    decompresses member after member, returns every byte it could, and only then
    raises one :class:`OSError` that says what was wrong, so the caller reports the
    file after its lines were read.
    """

    def __init__(self, fileobj: BinaryIO, chunk: int = CHUNK) -> None:
        self.fileobj = fileobj  # position_reader() reads the compressed offset here
        self._chunk = chunk
        self._inflate = zlib.decompressobj(31)
        self._in_member = False
        self._pending = b""
        self._done = False
        self._problem: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._take(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, found in the pending bytes (IOBase's would read byte by byte)."""
        parts: list[bytes] = []
        while True:
            if not self._pending and not self._fill():
                break
            cut = self._pending.find(b"\n")
            if cut >= 0:
                parts.append(self._pending[: cut + 1])
                self._pending = self._pending[cut + 1 :]
                break
            parts.append(self._pending)
            self._pending = b""
        return b"".join(parts)

    def close(self) -> None:
        try:
            self.fileobj.close()
        finally:
            super().close()

    def _take(self, size: int) -> bytes:
        if not self._pending:
            self._fill()
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def _fill(self) -> bool:
        """Decompress until bytes are pending; at the end raise the problem, once."""
        while not self._pending and not self._done:
            raw = self.fileobj.read(self._chunk)
            if not raw:
                self._done = True
                if self._in_member:
                    self._problem = "truncated compressed data (the lines before the cut were read)"
                break
            self._pending = self._inflate_all(raw)
        if self._pending:
            return True
        if self._problem is not None:
            problem, self._problem = self._problem, None
            raise OSError(errno.EIO, problem)
        return False

    def _inflate_all(self, raw: bytes) -> bytes:
        out: list[bytes] = []
        while raw and not self._done:
            try:
                out.append(self._inflate.decompress(raw))
            except zlib.error as exc:
                self._done = True
                self._problem = f"corrupt compressed data ({exc}; what came before was read)"
                break
            self._in_member = not self._inflate.eof
            if not self._inflate.eof:
                break
            raw = self._inflate.unused_data  # the next member, or what trails the last one
            self._inflate = zlib.decompressobj(31)
            if raw and raw[:2] != _GZIP_MAGIC:
                if raw.strip(b"\0"):  # zero padding after the last member is harmless
                    self._problem = "garbage after the compressed data (ignored)"
                self._done = True
        return b"".join(out)


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
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # a GzipFile passed in
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
    stream: BinaryIO, *, first_line: int = 1, limit: int | None = None, size: int = CHUNK
) -> Iterator[LineBatch]:
    """Split ``stream`` (its next ``limit`` bytes, or all) into line batches of
    about ``size`` bytes.

    A final line without a newline is still a line. Memory holds one chunk plus
    at most :data:`MAX_LINE` bytes of a line still being read.
    """
    line_no = first_line
    carry = b""
    skipping = 0  # >0: inside an over-long line; counts its bytes so far
    chunks = read_chunks(stream, size, limit=limit)
    broken: OSError | None = None  # raised after the torn last line is yielded
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            break
        except OSError as exc:
            broken = exc
            break
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
    if broken is not None:
        raise broken
