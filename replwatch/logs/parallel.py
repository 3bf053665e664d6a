"""``parse --json`` of one big plain file on two processes, output in file order.

Why: one Python process parses about a million lines in two seconds; a 2-core
machine can do it in about half. How, keeping memory flat and the output
byte-identical to the one-process run:

* the file is cut into segments of ``segment_bytes`` whose ends are moved to the
  next line start; process ``p`` (0 = this one, 1 = a forked child that inherits
  the loaded grammar) parses the segments ``k`` with ``k % 2 == p``;
* a CRI file (``/var/log/pods``) is cut only where no stream's partial (``P``)
  line waits for the line that ends it, so its parts meet in one process;
* each process counts the newlines of the other's segments itself (cheap, in C)
  to number its lines;
* output order is a token passed through two pipes: a process writes its segment
  (held in memory, a few MB) only after the other wrote the segment before.

A process that dies closes its pipes; the other sees end-of-file and stops.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import mmap
import os
import re
import signal
import stat
import sys
from collections.abc import Iterator

from replwatch.logs.files import json_batches
from replwatch.logs.parser import LogParser, Progress
from replwatch.logs.read import read_chunks

SEGMENT_BYTES = 2 << 20
_SNIFF_BYTES = 64 * 1024
_CRI_PARTIAL = re.compile(rb"^\d{4}-\d\d-\d\dT\S+ (?:stdout|stderr) [PF] ", re.MULTILINE)


class _PeerGone(Exception):
    """The other process closed its token pipe before its turn was done."""


class _CriCuts:
    """Where a CRI file may be cut: not between a partial (``P``) line of a stream
    and the ``F`` line of that stream that completes it (the parser joins them).

    The ``P`` lines are found with :meth:`bytes.find` (C speed: a file without
    any, the usual case for Redis's short lines, costs one pass per stream), each
    checked to be a line's envelope, not text inside a message.
    """

    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        self.partials = {stream: self._lines(b" " + stream + b" P ", 0, None)
                         for stream in (b"stdout", b"stderr")}  # fmt: skip

    def _lines(self, needle: bytes, pos: int, first: int | None) -> list[int]:
        """Starts of the lines whose envelope holds ``needle`` (the first only, with
        ``first`` set: the one at or after ``pos``)."""
        data, found = self.data, []
        while (at := data.find(needle, pos)) >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            if at - start <= 40 and b" " not in data[start:at]:  # the line's time, then it
                found.append(start)
                if first is not None:
                    break
            pos = at + 1
        return found

    def safe(self, cut: int) -> int:
        """The first line start at or after ``cut`` where no partial line waits."""
        moved = True
        while moved:
            moved = False
            for stream, starts in self.partials.items():
                k = bisect.bisect_left(starts, cut)
                if k == 0:
                    continue
                ends = self._lines(b" " + stream + b" F ", starts[k - 1], 1)
                if not ends:
                    return len(self.data)  # never completed: no cut after it
                end = self.data.find(b"\n", ends[0])
                done = len(self.data) if end < 0 else end + 1
                if done > cut:
                    cut, moved = done, True
        return cut


def _segment_starts(path: str, size: int, segment_bytes: int) -> Iterator[int]:
    """Line-start offsets near each multiple of ``segment_bytes``, then ``size``."""
    yield 0
    with open(path, "rb") as f, contextlib.ExitStack() as stack:
        cuts = None
        if size and _CRI_PARTIAL.search(f.read(_SNIFF_BYTES)) is not None:
            data = stack.enter_context(mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ))
            cuts = _CriCuts(data)
        last = 0
        target = segment_bytes
        while target < size:
            if target > last:
                f.seek(target - 1)
                pos = target - 1
                for chunk in read_chunks(f, 1 << 16):
                    cut = chunk.find(b"\n")
                    if cut >= 0:
                        last = pos + cut + 1
                        break
                    pos += len(chunk)
                else:
                    last = size
                if cuts is not None and last < size:
                    last = cuts.safe(last)
                if last >= size:
                    break
                yield last
            target += segment_bytes
    yield size


def _count_newlines(path: str, start: int, end: int) -> int:
    with open(path, "rb") as f:
        f.seek(start)
        return sum(chunk.count(b"\n") for chunk in read_chunks(f, limit=end - start))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _run_share(
    parser: LogParser,
    path: str,
    *,
    me: int,
    year: int | None,
    segment_bytes: int,
    size: int,
    out_fd: int,
    token_in: int,
    token_out: int,
    progress: Progress | None = None,
) -> None:
    """Parse and write this process's segments, in turn with the other process."""
    starts = list(_segment_starts(path, size, segment_bytes))
    last = len(starts) - 2
    line_no = 1
    for k, (start, end) in enumerate(itertools.pairwise(starts)):
        if k % 2 != me:
            line_no += _count_newlines(path, start, end)
            continue
        pieces: list[bytes] = []  # this segment's output, held until our turn
        for batch in json_batches(
            parser,
            path,
            year=year,
            meta=False,
            byte_range=(start, end),
            first_line=line_no,
            progress=progress,
        ):
            if batch.json:
                batch.json.append("")
                pieces.append("\n".join(batch.json).encode("utf-8", "surrogatepass"))
        if k > 0 and os.read(token_in, 1) != b"t":
            raise _PeerGone
        for piece in pieces:
            _write_all(out_fd, piece)
        pieces.clear()
        if k < last:
            os.write(token_out, b"t")
        # lines, not events: the CRI parts of one line are one event
        line_no += _count_newlines(path, start, end)


def can_split(path: str, *, min_bytes: int) -> bool:
    """True for a plain (not gzip) regular file of at least ``min_bytes`` on a
    machine with two or more CPUs, unless ``REPLWATCH_PARSE_WORKERS=1``."""
    if os.environ.get("REPLWATCH_PARSE_WORKERS", "2") == "1" or (os.cpu_count() or 1) < 2:
        return False
    if not hasattr(os, "fork") or path == "-":
        return False
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size < min_bytes:
            return False
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return False
    return not head.startswith(b"\x1f\x8b")  # gzip cannot be cut


def write_json_two_processes(
    parser: LogParser,
    path: str,
    *,
    year: int | None,
    out_fd: int,
    segment_bytes: int = SEGMENT_BYTES,
    progress: Progress | None = None,
) -> None:
    """Write ``json_batches(parser, path)`` to ``out_fd`` using two processes.

    Raises:
        OSError: the file could not be read, or the helper process failed.
    """
    size = os.stat(path).st_size
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the helper: odd segments
        status = 0
        try:
            os.close(to_child_w)
            os.close(to_parent_r)
            _run_share(parser, path, me=1, year=year, segment_bytes=segment_bytes, size=size,
                       out_fd=out_fd, token_in=to_child_r, token_out=to_parent_w)  # fmt: skip
        except (BrokenPipeError, _PeerGone):
            status = 0  # stdout closed (| head) or the parent stopped: nothing to say
        except KeyboardInterrupt:
            status = 130  # Ctrl-C reached the whole process group: the parent reports
        except BaseException as exc:  # one line, never a traceback, then a plain exit
            os.write(2, f"replwatch: error: {path}: {exc}\n".encode(errors="replace"))
            status = 1
        os._exit(status)
    os.close(to_child_r)
    os.close(to_parent_w)
    peer_gone = False
    try:
        _run_share(parser, path, me=0, year=year, segment_bytes=segment_bytes, size=size,
                   out_fd=out_fd, token_in=to_parent_r, token_out=to_child_w,
                   progress=progress)  # fmt: skip
    except _PeerGone:
        peer_gone = True
    finally:
        os.close(to_child_w)
        os.close(to_parent_r)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == -signal.SIGPIPE or (peer_gone and code == 0):
        raise BrokenPipeError("stdout closed")
    if code != 0 or peer_gone:
        raise OSError("the helper parse process failed")
