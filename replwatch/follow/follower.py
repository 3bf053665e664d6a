"""Follow one log file like ``tail -F``: byte offsets, partial lines, rotation.

A :class:`Follower` owns everything about one path: the open file, the byte offset
it has read up to, the bytes of a last line whose newline has not arrived yet, and
the identity (device, inode) of the file it has open. It never blocks and never
sleeps: :meth:`Follower.poll` reads whatever is there *now*. Something else
(:class:`replwatch.follow.multitail.MultiTailer`, woken by :mod:`replwatch.follow.watcher`)
decides *when*.

What it guarantees, for each path:

* only complete lines are emitted, cut at ``max_line`` bytes (the rules of
  :mod:`replwatch.follow.lines`, shared with command sources); a last line without
  a newline is kept until it completes, or until its file ends for good (rotated
  away, truncated, deleted), when it is emitted as it is;
* rename + create (logrotate ``create``): the old file is drained to its end first,
  then the new file is read from its start. The old file stays open, and is read,
  for ``grace`` seconds more — and for as long as it keeps growing — because a
  writer may still append to it until it reopens its log; at most
  :data:`MAX_RETIRED` such files are kept per path;
* copytruncate: the file was truncated when it is shorter than our offset, or when
  the bytes we read no longer are what we read — its first bytes (up to
  :data:`HEAD_BYTES`) or the bytes just before our offset — whatever the new
  content and size (a file refilled to the old size, or with same-width lines, is
  still seen). Before reading it again from byte 0, the rotated copy (``name.1``,
  ``name-DATE``, ``stem-DATE.log``: same start, same bytes before our offset) is
  read from our old offset to its end: the lines written in the last moment before
  the copy exist only there;
* the same file under another name (date-named rotation into a followed glob, a
  symlink swapped back, two PATHs naming one file) is read on from where it was,
  not again (:mod:`replwatch.follow.registry`);
* deletion: the open file is drained during the grace period, then the follower
  waits for the path to come back; a file that does not exist yet is waited for.

Line numbers count per *file incarnation*: they restart at 1 when a rotated-in or
truncated file is read from its start, so ``source:line`` points at the line in the
file that is on disk now. When following starts at the end (or the last N lines),
the skipped lines are counted (a fast streaming ``count(b"\\n")``), so numbers are
still real line numbers.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass

from replwatch.follow.lines import MAX_LINE, LineRecord, LineSplitter
from replwatch.follow.registry import FileRegistry, Identity, Position

__all__ = ["MAX_LINE", "Follower", "LineRecord", "count_newlines", "start_of_last_lines"]

#: How much one :meth:`Follower.poll` reads at most, so one busy file cannot starve
#: the others; :attr:`Follower.has_more` says when there is more to read.
READ_BUDGET = 1024 * 1024
#: Seconds a rotated-away or deleted file is still read after the switch (and after
#: each time it grew since).
ROTATE_GRACE = 1.0
#: Rotated-away files still drained per path; the oldest is closed beyond this.
MAX_RETIRED = 8
_CHUNK = 256 * 1024
#: Bytes remembered before the offset; if they change, the file was rewritten.
_SIGNATURE = 256
#: The file's first bytes remembered; if they change, the file was rewritten.
HEAD_BYTES = 4096
#: Compressed rotations are not read back (logrotate compresses a later rotation).
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".z")
#: At most this many candidate copies are opened after one truncation.
_COPY_CANDIDATES = 8


@dataclass(slots=True, eq=False)
class _OpenFile:
    """One open incarnation of the path and how far it has been read."""

    fd: int
    dev: int
    ino: int
    splitter: LineSplitter
    offset: int = 0
    #: monotonic time after which a retired file is closed (if it stopped growing).
    retire_at: float = 0.0
    #: the last bytes before ``offset``, to notice a truncate followed by regrowth.
    signature: bytes = b""
    #: the file's first ``min(offset, HEAD_BYTES)`` bytes, to notice a rewrite.
    head: bytes = b""

    @property
    def identity(self) -> Identity:
        return (self.dev, self.ino)

    @property
    def partial(self) -> bytearray:
        return self.splitter.partial

    def position(self) -> Position:
        return Position(self.offset, self.splitter.line_no, self.head, self.signature)


def _identity(st: os.stat_result) -> Identity:
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
        registry: shared with the other followers of one tailer, so that a file met
            under two names is read once; by default this follower's own.
    """

    def __init__(
        self,
        path: str,
        *,
        start: str | int = "end",
        max_line: int = MAX_LINE,
        grace: float = ROTATE_GRACE,
        clock: Callable[[], float] = time.monotonic,
        registry: FileRegistry | None = None,
    ) -> None:
        self.path = path
        self._start = start
        self._max_line = max_line
        self._grace = grace
        self._clock = clock
        self._registry = registry if registry is not None else FileRegistry()
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
        denied, a path through a non-directory, too many open files) is kept in
        :attr:`error` (None after a poll without one), the lines read before it
        are still returned, and the next poll tries again.
        """
        out: list[LineRecord] = []
        self.has_more = False
        try:
            self._poll_into(out, budget)
            self.error = None
        except OSError as exc:
            self.error = _explained(exc, self.path)
        return out

    def _poll_into(self, out: list[LineRecord], budget: int) -> None:
        now = self._clock()
        for old in list(self._retired):
            if self._drain(old, out, budget=None):
                # Still written to (a writer that has not reopened its log yet):
                # keep reading it for as long as it grows, and a grace after that.
                old.retire_at = max(old.retire_at, now + self._grace)
            elif now >= old.retire_at:
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
        if cur is not None and (st is None or _identity(st) != cur.identity):
            # Rotated away or deleted: everything written before the switch comes
            # first, then the file is retired (still read for the grace period).
            self._drain(cur, out, budget=None)
            self._retire(cur, now, out)
            self._current = cur = None
        if cur is None and st is not None:
            cur = self._open(st)
        # Only the file present at the very first poll starts at the end; a file
        # that appears later is new, and all of it is news.
        self._first_open = False
        if cur is not None:
            if self._rewritten(cur):
                # copytruncate: whatever was beyond our offset went with the copy;
                # read it there, then the file restarts at byte 0.
                self._read_copy(cur, out)
                cur.splitter.end(out)
                cur.splitter.restart()
                cur.offset = 0
                cur.signature = b""
                cur.head = b""
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

    def release(self, opened: _OpenFile) -> None:
        """Another follower met this file under its own name and reads it from now on."""
        if self._current is opened:
            self._current = None
        elif opened in self._retired:
            self._retired.remove(opened)

    @property
    def is_open(self) -> bool:
        """True while a file is open at the path (it existed at the last poll)."""
        return self._current is not None

    @property
    def open_files(self) -> int:
        """Descriptors this follower holds (its file and the retired ones)."""
        return len(self._retired) + (self._current is not None)

    # -- internals --------------------------------------------------------------

    def _open(self, st: os.stat_result) -> _OpenFile | None:
        claimed = self._registry.claim(_identity(st), self)
        if isinstance(claimed, _OpenFile):
            # The same file, already open under another name (or retired here):
            # read on from where it is, never again from the start.
            claimed.splitter.name = self.path
            self._adopt(claimed)
            return claimed
        if not self._registry.may_open():
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        self._registry.descriptors += 1
        fst = os.fstat(fd)  # the file we really opened, not the one stat() saw
        opened = _OpenFile(
            fd=fd, dev=fst.st_dev, ino=fst.st_ino,
            splitter=LineSplitter(self.path, max_line=self._max_line),
        )  # fmt: skip
        if isinstance(claimed, Position) and _identity(fst) == _identity(st):
            opened.offset, opened.splitter.line_no = claimed.offset, claimed.line_no
            opened.head, opened.signature = claimed.head, claimed.signature
            if self._rewritten(opened):  # not the file it was: a new one, all news
                opened.offset, opened.splitter.line_no = 0, 0
                opened.head, opened.signature = b"", b""
        elif self._first_open and self._start != "start":
            lines = 0 if self._start == "end" else int(self._start)
            opened.offset = start_of_last_lines(fd, fst.st_size, lines)
            opened.splitter.line_no = count_newlines(fd, opened.offset)
            sig_start = max(0, opened.offset - _SIGNATURE)
            opened.signature = os.pread(fd, opened.offset - sig_start, sig_start)
            opened.head = os.pread(fd, min(opened.offset, HEAD_BYTES), 0)
        self._adopt(opened)
        return opened

    def _adopt(self, opened: _OpenFile) -> None:
        if opened in self._retired:
            self._retired.remove(opened)
        self._current = opened
        self._registry.opened(opened.identity, self, opened)

    def _retire(self, f: _OpenFile, now: float, out: list[LineRecord]) -> None:
        f.retire_at = now + self._grace
        self._retired.append(f)
        while len(self._retired) > MAX_RETIRED:
            self._close(self._retired.pop(0), out)

    def _rewritten(self, f: _OpenFile) -> bool:
        """True if ``f`` no longer holds the bytes we read: truncated (and maybe
        refilled, to any size, with any lines) since we read them."""
        size = os.fstat(f.fd).st_size
        if size < f.offset:
            return True
        if f.head and os.pread(f.fd, len(f.head), 0) != f.head:
            return True
        n = len(f.signature)
        return bool(n) and os.pread(f.fd, n, f.offset - n) != f.signature

    def _drain(self, f: _OpenFile, out: list[LineRecord], *, budget: int | None) -> bool:
        """Read ``f`` from its offset to its end (or ``budget`` bytes) into lines.

        Returns True if anything was read.
        """
        read = 0
        while budget is None or read < budget:
            chunk = os.pread(f.fd, _CHUNK, f.offset)
            if not chunk:
                return read > 0
            self._take(f, chunk, out)
            read += len(chunk)
        self.has_more = os.fstat(f.fd).st_size > f.offset
        return True

    @staticmethod
    def _take(f: _OpenFile, chunk: bytes, out: list[LineRecord]) -> None:
        if f.offset < HEAD_BYTES:
            f.head += chunk[: HEAD_BYTES - f.offset]
        f.offset += len(chunk)
        f.signature = (f.signature + chunk[-_SIGNATURE:])[-_SIGNATURE:]
        f.splitter.feed(chunk, out)

    def _read_copy(self, f: _OpenFile, out: list[LineRecord]) -> None:
        """Read the rest of the truncated file from its rotated copy, if one is found.

        The copy is the newest file next to ours whose name extends ours (or our
        stem) and that holds what we read: the same first bytes and the same bytes
        before our offset. It is remembered as read to its end, so that a glob that
        matches it later does not print it again.
        """
        if not f.offset:
            return
        fd = _find_copy(self.path, f)
        if fd is None:
            return
        try:
            copy = _OpenFile(fd=fd, dev=0, ino=0, splitter=f.splitter, offset=f.offset)
            st = os.fstat(fd)
            copy.dev, copy.ino = _identity(st)
            if self._registry.is_open(copy.identity):
                return  # another name of ours already reads the copy on
            copy.head, copy.signature = f.head, f.signature
            while chunk := os.pread(fd, _CHUNK, copy.offset):
                self._take(copy, chunk, out)
            self._registry.remember(copy.identity, copy.position())
        finally:
            os.close(fd)

    def _close(self, f: _OpenFile, out: list[LineRecord]) -> None:
        try:
            self._drain(f, out, budget=None)
            self._registry.closed(f.identity, f, f.position())
            f.splitter.end(out)
        finally:
            os.close(f.fd)
            self._registry.descriptors -= 1


def _find_copy(path: str, f: _OpenFile) -> int | None:
    """An open descriptor on the rotated copy of ``path`` that ``f`` was reading."""
    directory, name = os.path.split(path)
    stem = name.rpartition(".")[0] or name
    prefixes = (name, stem + "-", stem + ".", stem + "_")
    candidates: list[tuple[int, str]] = []
    try:
        with os.scandir(directory or ".") as entries:
            for entry in entries:
                other = entry.name
                if other == name or not other.startswith(prefixes):
                    continue
                if other.lower().endswith(_COMPRESSED):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_size >= f.offset:
                    candidates.append((st.st_mtime_ns, entry.path))
    except OSError:
        return None
    for _, candidate in sorted(candidates, reverse=True)[:_COPY_CANDIDATES]:
        try:
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        n = len(f.signature)
        same = os.pread(fd, len(f.head), 0) == f.head and (
            not n or os.pread(fd, n, f.offset - n) == f.signature
        )
        if same:
            return fd
        os.close(fd)
    return None


def _explained(exc: OSError, path: str) -> OSError:
    """Out of descriptors: say which limit to raise instead of a bare errno."""
    if exc.errno not in (errno.EMFILE, errno.ENFILE):
        return exc
    from replwatch.follow.fdlimit import advice

    return OSError(exc.errno, f"cannot open {path}: {advice()}")


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
