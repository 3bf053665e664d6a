"""Follow one log file like ``tail -F``: byte offsets, partial lines, rotation.

A :class:`Follower` owns everything about one path: the open file, the byte offset
it has read up to, the bytes of a last line whose newline has not arrived yet, and
the identity (device, inode) of the file it has open. It never blocks and never
sleeps: :meth:`Follower.poll` reads whatever is there *now*. Something else
(:class:`replwatch.follow.multitail.MultiTailer`, woken by :mod:`replwatch.follow.watcher`)
decides *when*.

What it guarantees, for each path:

* only complete lines are emitted (a line is emitted when its ``\\n`` arrives; only
  the ``\\n`` is stripped, a CRLF line keeps its ``\\r`` for the parser); a last
  line without a newline is kept until it completes, or until its file ends for
  good (rotated away, truncated, deleted), when it is emitted as it is;
* a line longer than ``max_line`` bytes is cut to its first ``max_line`` bytes and
  the rest is skipped up to its newline, so memory is bounded however long it is;
  the cut line still counts as one line, so line numbers stay those of ``wc -l``;
* rename + create (logrotate ``create``): the old file is drained to its end first,
  then the new file is read from its start. The old file stays open, and is read,
  for ``grace`` seconds more, because a writer may still append to it until it
  reopens its log;
* copytruncate (same inode, size below our offset, or the bytes just before our
  offset changed because it was truncated and regrown in between): reading
  restarts at byte 0;
* deletion: the open file is drained during the grace period, then the follower
  waits for the path to come back; a file that does not exist yet is waited for.

Line numbers count per *file incarnation*: they restart at 1 when a rotated-in or
truncated file is read from its start, so ``source:line`` points at the line in the
file that is on disk now. When following starts at the end (or the last N lines),
the skipped lines are counted (a fast streaming ``count(b"\\n")``), so numbers are
still real line numbers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

#: A line longer than this many bytes is cut to this length (memory stays bounded).
MAX_LINE = 64 * 1024
#: How much one :meth:`Follower.poll` reads at most, so one busy file cannot starve
#: the others; :attr:`Follower.has_more` says when there is more to read.
READ_BUDGET = 1024 * 1024
#: Seconds a rotated-away or deleted file is still read after the switch.
ROTATE_GRACE = 1.0
_CHUNK = 256 * 1024
#: Bytes remembered before the offset; if they change, the file was rewritten.
_SIGNATURE = 32


class LineRecord(NamedTuple):
    """One complete line of one followed file.

    Attributes:
        path: the path being followed, as it was given.
        line_no: 1-based line number in the file incarnation it came from.
        raw: the line's bytes without its ``\\n`` (a CRLF line keeps its ``\\r``).
    """

    path: str
    line_no: int
    raw: bytes


@dataclass(slots=True)
class _OpenFile:
    """One open incarnation of the path and how far it has been read."""

    fd: int
    dev: int
    ino: int
    offset: int = 0
    line_no: int = 0
    partial: bytearray = field(default_factory=bytearray)
    #: the current over-long line was already cut; skip up to its newline.
    skipping: bool = False
    #: monotonic time after which a retired file is closed.
    retire_at: float = 0.0
    #: the last bytes before ``offset``, to notice a truncate followed by regrowth.
    signature: bytes = b""


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


class Follower:
    """Follows one path across rotation, truncation, deletion and re-creation.

    Args:
        path: the file to follow; it need not exist yet.
        start: where to begin in the file that exists at the first poll: ``"end"``
            (after its last complete line), ``"start"``, or an int N for the last N
            lines. A file that appears later is always read from its start.
        max_line: longest line kept, in bytes; longer lines are cut.
        grace: seconds a rotated-away or deleted file is still drained.
        clock: monotonic clock, replaceable in tests.
    """

    def __init__(
        self,
        path: str,
        *,
        start: str | int = "end",
        max_line: int = MAX_LINE,
        grace: float = ROTATE_GRACE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._start = start
        self._max_line = max_line
        self._grace = grace
        self._clock = clock
        self._current: _OpenFile | None = None
        self._retired: list[_OpenFile] = []
        self._first_open = True
        #: True when the last poll stopped at its read budget with data left.
        self.has_more = False
        #: The error that stopped the last poll, if one did.
        self.error: OSError | None = None

    # -- public ---------------------------------------------------------------

    def poll(self, *, budget: int = READ_BUDGET) -> list[LineRecord]:
        """Read what has arrived since the last call and return its complete lines.

        Never raises: an error other than the file being absent (permission
        denied, a path through a non-directory) is kept in :attr:`error` (None
        after a poll without one), the lines read before it are still returned,
        and the next poll tries again.
        """
        out: list[LineRecord] = []
        self.has_more = False
        try:
            self._poll_into(out, budget)
            self.error = None
        except OSError as exc:
            self.error = exc
        return out

    def _poll_into(self, out: list[LineRecord], budget: int) -> None:
        now = self._clock()
        for old in list(self._retired):
            self._drain(old, out, budget=None)
            if now >= old.retire_at:
                self._retired.remove(old)
                self._close(old, out)
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        except OSError:
            # Unreachable (a path through a file, a directory we may not search):
            # as good as absent, so once it can be reached the file is news.
            self._first_open = False
            raise
        cur = self._current
        if cur is not None and (st is None or _identity(st) != (cur.dev, cur.ino)):
            # Rotated away or deleted: everything written before the switch comes
            # first, then the file is retired (still read for the grace period).
            self._drain(cur, out, budget=None)
            cur.retire_at = now + self._grace
            self._retired.append(cur)
            self._current = cur = None
        if cur is None and st is not None:
            cur = self._open()
        # Only the file present at the very first poll starts at the end; a file
        # that appears later is new, and all of it is news.
        self._first_open = False
        if cur is not None:
            size = os.fstat(cur.fd).st_size
            if size < cur.offset or (size > cur.offset and not _still_there(cur)):
                # copytruncate: same inode, shorter than what we read, or already
                # regrown but no longer holding the bytes we read last. Whatever was
                # beyond our offset went with the copy; the file restarts at byte 0.
                self._end_incarnation(cur, out)
                cur.offset = 0
                cur.line_no = 0
                cur.signature = b""
            self._drain(cur, out, budget=budget)

    def close(self) -> list[LineRecord]:
        """Close every open file, returning any last lines that had no newline."""
        out: list[LineRecord] = []
        for old in self._retired:
            self._close(old, out)
        self._retired.clear()
        if self._current is not None:
            self._close(self._current, out)
            self._current = None
        return out

    @property
    def is_open(self) -> bool:
        """True while a file is open at the path (it existed at the last poll)."""
        return self._current is not None

    # -- internals --------------------------------------------------------------

    def _open(self) -> _OpenFile | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        fst = os.fstat(fd)  # the file we really opened, not the one stat() saw
        opened = _OpenFile(fd=fd, dev=fst.st_dev, ino=fst.st_ino)
        if self._first_open and self._start != "start":
            lines = 0 if self._start == "end" else int(self._start)
            opened.offset = start_of_last_lines(fd, fst.st_size, lines)
            opened.line_no = count_newlines(fd, opened.offset)
            sig_start = max(0, opened.offset - _SIGNATURE)
            opened.signature = os.pread(fd, opened.offset - sig_start, sig_start)
        self._current = opened
        return opened

    def _drain(self, f: _OpenFile, out: list[LineRecord], *, budget: int | None) -> None:
        """Read ``f`` from its offset to its end (or ``budget`` bytes) into lines."""
        read = 0
        while budget is None or read < budget:
            chunk = os.pread(f.fd, _CHUNK, f.offset)
            if not chunk:
                return
            f.offset += len(chunk)
            read += len(chunk)
            f.signature = (f.signature + chunk[-_SIGNATURE:])[-_SIGNATURE:]
            self._split(f, chunk, out)
        self.has_more = os.fstat(f.fd).st_size > f.offset

    def _split(self, f: _OpenFile, chunk: bytes, out: list[LineRecord]) -> None:
        pos = 0
        cap = self._max_line
        while True:
            nl = chunk.find(b"\n", pos)
            if nl < 0:
                break
            if f.skipping:
                f.skipping = False
            elif f.partial:
                room = cap - len(f.partial)
                f.partial += chunk[pos : pos + min(room, nl - pos)]
                self._emit(f, bytes(f.partial), out)
                f.partial.clear()
            else:
                self._emit(f, chunk[pos : min(nl, pos + cap)], out)
            pos = nl + 1
        rest = len(chunk) - pos
        if rest and not f.skipping:
            room = cap - len(f.partial)
            f.partial += chunk[pos : pos + min(room, rest)]
            if rest > room:
                # Over-long line: keep its head, skip the rest up to the newline.
                self._emit(f, bytes(f.partial), out)
                f.partial.clear()
                f.skipping = True

    def _emit(self, f: _OpenFile, raw: bytes, out: list[LineRecord]) -> None:
        f.line_no += 1
        out.append(LineRecord(self.path, f.line_no, raw))

    def _end_incarnation(self, f: _OpenFile, out: list[LineRecord]) -> None:
        """The file will not grow this line any more: emit its partial last line."""
        if f.partial:
            self._emit(f, bytes(f.partial), out)
            f.partial.clear()
        f.skipping = False

    def _close(self, f: _OpenFile, out: list[LineRecord]) -> None:
        try:
            self._drain(f, out, budget=None)
            self._end_incarnation(f, out)
        finally:
            os.close(f.fd)


def _still_there(f: _OpenFile) -> bool:
    """True if the bytes just before our offset are still the ones we read.

    An append-only file never changes them. A size check alone misses a file that
    was truncated and written past our offset again between two polls (a busy
    writer under ``--poll``); the bytes there are then other bytes.
    """
    if not f.signature:
        return True
    n = len(f.signature)
    return os.pread(f.fd, n, f.offset - n) == f.signature


def start_of_last_lines(fd: int, size: int, lines: int) -> int:
    """Byte offset where the last ``lines`` lines of the file start.

    Reads backwards in blocks, so it costs the size of those lines, not of the
    file. A last line without its newline is not counted (it is not complete);
    with ``lines == 0`` the result is just past the last newline.
    """
    pos = size
    wanted = lines + 1  # the newline *before* the first wanted line
    block = 64 * 1024
    while pos > 0:
        step = min(block, pos)
        data = os.pread(fd, step, pos - step)
        end = len(data)
        while True:
            nl = data.rfind(b"\n", 0, end)
            if nl < 0:
                break
            wanted -= 1
            if wanted == 0:
                return pos - step + nl + 1
            end = nl
        pos -= step
    return 0


def count_newlines(fd: int, end: int) -> int:
    """How many newlines the first ``end`` bytes hold, read in bounded chunks."""
    total = 0
    pos = 0
    while pos < end:
        data = os.pread(fd, min(1024 * 1024, end - pos), pos)
        if not data:
            break
        total += data.count(b"\n")
        pos += len(data)
    return total
