"""How fast does ``replwatch tail`` show a line, and what does it cost when idle?

Runs the follower as a real child process on a temporary log and, for inotify and
polling modes, prints:

* latency: lines are appended one at a time at irregular 20-80 ms intervals, each
  carrying its write time (``t=<ns>``); the bench reads the child's stdout and
  reports the median and p95 of (time read - time written). Targets: median
  < 50 ms, p95 < 200 ms.
* burst: 100,000 lines appended at once; time until the last one is printed.
* idle CPU: the child's user+system CPU over 10 s with no writes
  (``/proc/<pid>/stat``), as a percentage of one core. Target: < 1 %.

The child is ``replwatch tail --json`` (tailer + parser + JSON), or with
``--library`` a bare :class:`replwatch.follow.multitail.MultiTailer` printing raw lines.

Usage: python bench/bench_tail.py [--library] [--idle-seconds 10] [--samples 150]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_STAMP = re.compile(rb"t=(\d+)")
_LIBRARY_CHILD = """
import sys
from replwatch.follow.multitail import MultiTailer
out = sys.stdout.buffer
def show(batch):
    out.write(b"".join(r.raw + b"\\n" for r in batch))
    out.flush()
with MultiTailer([sys.argv[1]], force_poll=sys.argv[2] == "poll") as t:
    t.run(show)
"""


class Child:
    """The follower process and a thread timestamping every line it prints."""

    def __init__(self, log: Path, mode: str, *, library: bool) -> None:
        if library:
            args = [sys.executable, "-c", _LIBRARY_CHILD, str(log), mode]
        else:
            args = [sys.executable, "-m", "replwatch", "tail", "--json", str(log)]
            if mode == "poll":
                args.append("--poll")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE)
        self.received: list[tuple[int, bytes]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.received.append((time.time_ns(), line))

    def wait_lines(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.002)
        if len(self.received) < count:
            raise SystemExit(f"only {len(self.received)} of {count} lines came out")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def header() -> bytes:
    return time.strftime("%d %b %Y %H:%M:%S.000").encode()


def bench_mode(mode: str, *, library: bool, samples: int, idle_seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "10001.log"
        log.write_bytes(b"")
        child = Child(log, mode, library=library)
        try:
            time.sleep(1.5)  # imports, grammar load, first poll
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
            for n in range(samples):
                line = b"4242:S %s * bench seq=%d t=%d\n" % (header(), n, time.time_ns())
                os.write(fd, line)
                time.sleep(random.uniform(0.02, 0.08))
            child.wait_lines(samples)
            delays = []
            for received_ns, text in child.received:
                stamp = _STAMP.search(text)
                if stamp:
                    delays.append((received_ns - int(stamp.group(1))) / 1e6)
            delays.sort()
            p95 = delays[int(len(delays) * 0.95) - 1]
            print(
                f"{mode:8} latency over {len(delays)} lines: median "
                f"{statistics.median(delays):.1f} ms, p95 {p95:.1f} ms, max {delays[-1]:.1f} ms"
            )

            burst = 100_000
            before = len(child.received)
            started = time.monotonic()
            head = b"4242:S " + header() + b" * burst line "
            os.write(fd, b"".join(head + b"%d\n" % n for n in range(burst)))
            child.wait_lines(before + burst, timeout=300)
            took = time.monotonic() - started
            print(f"{mode:8} burst of {burst:,} lines printed in {took:.2f} s "
                  f"({burst / took:,.0f} lines/s)")  # fmt: skip
            os.close(fd)

            time.sleep(1.0)
            cpu0, wall0 = child.cpu_seconds(), time.monotonic()
            time.sleep(idle_seconds)
            cpu = child.cpu_seconds() - cpu0
            wall = time.monotonic() - wall0
            print(f"{mode:8} idle CPU over {wall:.1f} s: {100 * cpu / wall:.2f} % of one core")
        finally:
            child.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", action="store_true", help="bare MultiTailer child")
    ap.add_argument("--samples", type=int, default=150)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    args = ap.parse_args()
    what = "MultiTailer (library)" if args.library else "replwatch tail --json"
    print(f"follower: {what}; {os.cpu_count()} CPUs")
    for mode in ("inotify", "poll"):
        bench_mode(mode, library=args.library, samples=args.samples, idle_seconds=args.idle_seconds)


if __name__ == "__main__":
    main()
