"""Bytes in, complete lines out: the one line splitter of every live source.

Files (:mod:`replwatch.follow.follower`) and commands (:mod:`replwatch.follow.command`)
both deliver arbitrary chunks of bytes; this module turns them into lines with the
same rules, so that ``tail FILE`` and ``tail --exec 'cat FILE'`` give the same
records:

* a line is complete when its ``\\n`` arrives; only the ``\\n`` is stripped (a CRLF
  line keeps its ``\\r`` for the parser);
* a line longer than ``max_line`` bytes is cut to its first ``max_line`` bytes and
  the rest is skipped up to its newline, so memory is bounded however long it is;
  the cut line still counts as one line, so numbers stay those of ``wc -l``. The
  parser turns a cut or torn line into a ``malformed`` event like any other;
* the bytes of a last line without a newline are kept until it completes, or until
  the stream ends for good (:meth:`LineSplitter.end`), when they are emitted as they
  are (a torn line).
"""

from __future__ import annotations

from typing import NamedTuple

#: A line longer than this many bytes is cut to this length (memory stays bounded).
MAX_LINE = 64 * 1024


class LineRecord(NamedTuple):
    """One complete line of one followed source.

    Attributes:
        path: the path being followed, as it was given, or a command source's name
            (``docker:redis-1``); it becomes the event's ``source``.
        line_no: 1-based line number in the file incarnation (or stream) it came from.
        raw: the line's bytes without its ``\\n`` (a CRLF line keeps its ``\\r``).
    """

    path: str
    line_no: int
    raw: bytes


class LineSplitter:
    """Splits one stream's chunks into :class:`LineRecord` values, bounded per line.

    Args:
        name: the ``path`` of the records it makes.
        max_line: longest line kept, in bytes.
        line_no: the number of lines already seen (the next line is ``line_no + 1``).
    """

    __slots__ = ("line_no", "max_line", "name", "partial", "skipping")

    def __init__(self, name: str, *, max_line: int = MAX_LINE, line_no: int = 0) -> None:
        self.name = name
        self.max_line = max_line
        self.line_no = line_no
        self.partial = bytearray()
        #: the current over-long line was already cut; skip up to its newline.
        self.skipping = False

    def feed(self, chunk: bytes, out: list[LineRecord]) -> None:
        """Append the lines that ``chunk`` completes to ``out``."""
        pos = 0
        cap = self.max_line
        while True:
            nl = chunk.find(b"\n", pos)
            if nl < 0:
                break
            if self.skipping:
                self.skipping = False
            elif self.partial:
                room = cap - len(self.partial)
                self.partial += chunk[pos : pos + min(room, nl - pos)]
                self._emit(bytes(self.partial), out)
                self.partial.clear()
            else:
                self._emit(chunk[pos : min(nl, pos + cap)], out)
            pos = nl + 1
        rest = len(chunk) - pos
        if rest and not self.skipping:
            room = cap - len(self.partial)
            self.partial += chunk[pos : pos + min(room, rest)]
            if rest > room:
                # Over-long line: keep its head, skip the rest up to the newline.
                self._emit(bytes(self.partial), out)
                self.partial.clear()
                self.skipping = True

    def end(self, out: list[LineRecord]) -> None:
        """The stream will not grow this line any more: emit its partial last line."""
        if self.partial:
            self._emit(bytes(self.partial), out)
            self.partial.clear()
        self.skipping = False

    def restart(self) -> None:
        """A new incarnation (a truncated file read again from byte 0): numbers restart."""
        self.line_no = 0
        self.partial.clear()
        self.skipping = False

    def _emit(self, raw: bytes, out: list[LineRecord]) -> None:
        self.line_no += 1
        out.append(LineRecord(self.name, self.line_no, raw))
