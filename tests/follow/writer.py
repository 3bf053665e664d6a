"""A log writer run as a real subprocess by the tail tests.

Appends ``<prefix> <n>`` lines, numbered from 1, as fast as asked, and behaves like
a well-mannered logger (Python's ``WatchedFileHandler``, Redis reopening its log
per line): before every line it checks the path and reopens it when the file was
renamed away or deleted. While ``<path>.pause`` exists it stops writing and says so
by creating ``<path>.paused``; that lets a test copytruncate without the lines
that copytruncate itself would lose.

Usage: python writer.py PATH COUNT [--burst K --sleep S] [--prefix P]
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("count", type=int)
    ap.add_argument("--burst", type=int, default=0, help="sleep after every K lines")
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--prefix", default="w")
    args = ap.parse_args()
    path, pause, paused = args.path, args.path + ".pause", args.path + ".paused"
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    fd = os.open(path, flags, 0o644)
    prefix = args.prefix.encode()
    for n in range(1, args.count + 1):
        if os.path.exists(pause):
            open(paused, "w").close()
            while os.path.exists(pause):
                time.sleep(0.005)
            os.unlink(paused)
        try:
            moved = os.stat(path).st_ino != os.fstat(fd).st_ino
        except FileNotFoundError:
            moved = True
        if moved:
            os.close(fd)
            fd = os.open(path, flags, 0o644)
        os.write(fd, b"%s %d\n" % (prefix, n))
        if args.burst and n % args.burst == 0:
            time.sleep(args.sleep)
    os.close(fd)


if __name__ == "__main__":
    main()
