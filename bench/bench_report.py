"""Benchmark ``replwatch report`` against ``replwatch parse --json`` on the same log.

The report reads every line once more than ``parse`` (it keeps sessions, link states
and a few cited lines), so the question a user has is "how much slower than just
parsing?". Builds one file of ``--lines`` real lines from ``sample_logs/**/*.log``
(the Redis 5+ header lines, as ``bench_parse.py`` does), times both commands in this
one run (best of ``--runs``) and prints wall seconds, the ratio and each one's peak
RSS (from ``wait4``). A second, shorter file tells whether the report's peak memory
grows with the number of lines. Targets: ratio <= 2.0, peak RSS < 200 MB, and the
memory of the short and the long run within 20% of each other.

    .venv/bin/python bench/bench_report.py [--lines 1000000] [--runs 1] [--keep FILE]
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
    try:
        build_log(log, lines, args.lines)
        build_log(short, lines, max(args.lines // 10, 1000))
        size_mb = log.stat().st_size / 1e6
        print(f"log: {args.lines:,} lines, {size_mb:.0f} MB from {len(lines):,} real lines")
        py = sys.executable
        parse = best([py, "-m", "replwatch", "parse", "--json", str(log)], args.runs)
        report = best([py, "-m", "replwatch", "report", str(log)], args.runs)
        small = best([py, "-m", "replwatch", "report", str(short)], args.runs)
        print(
            f"replwatch parse --json: {parse.wall:.2f} s wall, {parse.cpu:.2f} s CPU, "
            f"peak RSS {parse.peak_rss_mb:.0f} MB"
        )
        print(
            f"replwatch report:       {report.wall:.2f} s wall, {report.cpu:.2f} s CPU, "
            f"peak RSS {report.peak_rss_mb:.0f} MB"
        )
        print(
            f"replwatch report on {max(args.lines // 10, 1000):,} lines: "
            f"{small.wall:.2f} s wall, peak RSS {small.peak_rss_mb:.0f} MB"
        )
        growth = report.peak_rss_mb / max(small.peak_rss_mb, 1.0)
        print(
            f"ratio report/parse: {report.wall / parse.wall:.2f} wall; memory long/short run "
            f"{growth:.2f} (targets: <= 2.0 wall, RSS < 200 MB, memory ratio <= 1.2)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
