"""``replwatch report`` of big logs on two processes: both read every line, each
feeds half the collectors.

Why: on a busy log the analysis costs about twice the parsing, one core does all
of it, and the collectors fall in two parts that never read each other
(:data:`replwatch.report.analyze.PARTS`: the sync sessions and notable lines; the
nodes, the links' states and the other facts the findings read). So a forked
child, which inherits the loaded grammar, reads the files too and feeds the
``links`` part while this process feeds ``sessions``; the child's collectors
come back pickled through a pipe when it is done (they are bounded, like all the
report keeps). Each line is parsed twice, on two cores: the wall time is about
the parse plus half the analysis instead of the parse plus all of it.

The report is the one-process one (``tests/report/test_fast_path.py``). Both
processes must read the same bytes: plain files are read up to the size they had
at the start (a log still being written grows meanwhile). A child that fails
leaves this process to read its part itself: the same report, later.
"""

from __future__ import annotations

import os
import pickle
import signal
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from replwatch.events import AnyEvent
from replwatch.report.analyze import LINKS, SESSIONS, Analysis
from replwatch.report.model import Report

#: Logs from this size (all files together) are read by two processes.
MIN_BYTES = 8 << 20
_GZIP_MAGIC = b"\x1f\x8b"

#: Opens the files' event streams; ``quiet``: a file that breaks is not reported
#: (the other process tells it). Both calls must give the same events.
OpenStreams = Callable[[bool], Sequence[Iterable[AnyEvent]]]


def plain_sizes(paths: Sequence[str], *, min_bytes: int | None = None) -> dict[str, int] | None:
    """Each plain file's size now (gzip ones are absent: read whole), if these logs
    are worth two processes: regular files of ``min_bytes`` (:data:`MIN_BYTES`) or
    more in all, on a machine with two CPUs or more, unless
    ``REPLWATCH_PARSE_WORKERS=1``; else None."""
    if os.environ.get("REPLWATCH_PARSE_WORKERS", "2") == "1" or (os.cpu_count() or 1) < 2:
        return None
    if not hasattr(os, "fork") or "-" in paths:
        return None
    sizes: dict[str, int] = {}
    total = 0
    try:
        for path in paths:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                return None
            total += st.st_size
            with open(path, "rb") as f:
                if f.read(2) != _GZIP_MAGIC:
                    sizes[path] = st.st_size
    except OSError:
        return None
    return sizes if total >= (MIN_BYTES if min_bytes is None else min_bytes) else None


def build_report_twice_read(
    open_streams: OpenStreams,
    *,
    files: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    clock_offsets: Mapping[str, float] | None = None,
) -> Report:
    """:func:`replwatch.report.build_report` of the streams ``open_streams`` opens,
    read by this process and a forked child (see the module docstring)."""
    analysis = Analysis(files)

    def read_part(part: str, quiet: bool) -> None:
        analysis.read(
            open_streams(quiet),
            since=since,
            until=until,
            clock_offsets=clock_offsets,
            parts=(part,),
        )

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the links part, pickled to the pipe; never returns
        code = 1
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it quietly
            read_part(LINKS, True)
            data = pickle.dumps(analysis.part(LINKS), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    try:
        read_part(SESSIONS, False)
        chunks = []
        while chunk := os.read(read, 1 << 20):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        pid = 0
    finally:
        os.close(read)
        if pid:  # this process failed or was interrupted: end the child too
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0 and chunks:
        analysis.take(LINKS, pickle.loads(b"".join(chunks)))
    else:  # the child failed: read its part here
        read_part(LINKS, True)
    return analysis.report()
