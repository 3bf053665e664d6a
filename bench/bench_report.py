"""Benchmark ``replwatch report`` against ``replwatch parse --json`` on the same log.

The report reads every line once more than ``parse`` (it keeps sessions, link states
and a few cited lines), so the question a user has is "how much slower than just
parsing?". Builds one file of ``--lines`` real lines from ``sample_logs/**/*.log``
(the Redis 5+ header lines, as ``bench_parse.py`` does), times both commands in this
one run (best of ``--runs``) and prints wall seconds, the ratio and each one's peak
RSS (from ``wait4``). On a file this big both use two processes: ``parse --json``
cuts the file in two (``logs/parallel.py``); the report has both read all of it,
each feeding half the collectors (``report/parallel.py``). Targets: ratio <= 2.0,
peak RSS < 200 MB, and memory that does not grow with the number of lines.

Memory: the report keeps bounded histories (at most 5000 sync sessions per run and
5000 state changes per link; the oldest are dropped, and the report says how many),
and this log, every line a replication event, fills them in about 400,000 lines:
below that the peak grows as they fill, above it stays flat. So two shorter files
are read too: a tenth of the lines (printed) and half of them, whose peak must be
within 20% of the long run's (past the bounds from 800,000 lines on).

    .venv/bin/python bench/bench_report.py [--lines 1000000] [--runs 1] [--keep FILE]

Measured on a 2-core machine shared with other work, best of 3 (one run of the
original code): 1,000,000 lines, parse --json 1.2-1.3 s, report 10.3 s (ratio 8.8)
before the speed work, 3.7-4.2 s (ratio 2.9-3.3) after; 200,000 lines (parse on one
process there), ratio 3.6 before, 1.7 after. Peak RSS 72 -> 74 MB at 1M lines, flat
past the bounds (500k / 1M / 2M lines: 69-76 / 74-78 / 82 MB).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_parse import best, build_log, source_lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--glob", action="append", default=None, help="source logs (repeatable)")
    ap.add_argument("--keep", type=Path, help="write the generated log here and keep it")
    args = ap.parse_args()

    lines = source_lines(args.glob or ["sample_logs/**/*.log"])
    if not lines:
        raise SystemExit("no Redis 5+ header lines found in the source logs (see --glob)")
    workdir = Path(tempfile.mkdtemp(prefix="replwatch-bench-report-"))
    log = args.keep or workdir / "bench.log"
    short = workdir / "short.log"
    half = workdir / "half.log"
    try:
        build_log(log, lines, args.lines)
        build_log(short, lines, max(args.lines // 10, 1000))
        build_log(half, lines, max(args.lines // 2, 1000))
        size_mb = log.stat().st_size / 1e6
        print(f"log: {args.lines:,} lines, {size_mb:.0f} MB from {len(lines):,} real lines")
        py = sys.executable
        parse = best([py, "-m", "replwatch", "parse", "--json", str(log)], args.runs)
        report = best([py, "-m", "replwatch", "report", str(log)], args.runs)
        small = best([py, "-m", "replwatch", "report", str(short)], args.runs)
        halfway = best([py, "-m", "replwatch", "report", str(half)], args.runs)
        print(
            f"replwatch parse --json: {parse.wall:.2f} s wall, {parse.cpu:.2f} s CPU, "
            f"peak RSS {parse.peak_rss_mb:.0f} MB"
        )
        print(
            f"replwatch report:       {report.wall:.2f} s wall, {report.cpu:.2f} s CPU, "
            f"peak RSS {report.peak_rss_mb:.0f} MB"
        )
        for count, run in ((args.lines // 10, small), (args.lines // 2, halfway)):
            print(
                f"replwatch report on {max(count, 1000):,} lines: "
                f"{run.wall:.2f} s wall, peak RSS {run.peak_rss_mb:.0f} MB"
            )
        growth = report.peak_rss_mb / max(halfway.peak_rss_mb, 1.0)
        print(
            f"ratio report/parse: {report.wall / parse.wall:.2f} wall; memory long/half run "
            f"{growth:.2f}, long/tenth {report.peak_rss_mb / max(small.peak_rss_mb, 1.0):.2f} "
            "(targets: <= 2.0 wall, RSS < 200 MB, long/half <= 1.2)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
