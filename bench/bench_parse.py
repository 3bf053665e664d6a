"""Benchmark ``replwatch parse --json`` against lnav on the same 1,000,000-line log.

Builds the file from real lines of ``sample_logs/**/*.log`` (the Redis 5+ header
lines, which the reference lnav format reads), then times both tools in this
one run, best of ``--runs``, and prints wall and CPU seconds, the ratio and
replwatch's peak RSS (from ``wait4``). The target on a 2-core machine is a ratio
of at most 1.5 and a peak RSS under 100 MB.

    .venv/bin/python bench/bench_parse.py [--lines 1000000] [--runs 3] [--keep FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The reference lnav format of shared/bench (Redis 3.0+ headers with a year).
LNAV_FORMAT = {
    "$schema": "https://lnav.org/schemas/format-v1.schema.json",
    "redis_log": {
        "title": "Redis server log",
        "regex": {
            "std": {
                "pattern": r"^(?<pid>\d+):(?<role>[XCSM]) (?<timestamp>\d{2} [A-Z][a-z]{2} \d{4} "
                r"\d{2}:\d{2}:\d{2}\.\d{3}) (?<level>[.\-*#]) (?<body>.*)$"
            }
        },
        "timestamp-format": ["%d %b %Y %H:%M:%S.%L"],
        "level-field": "level",
        "level": {"debug": "\\.", "info": "-|\\*", "warning": "#"},
        "value": {
            "pid": {"kind": "integer", "identifier": True},
            "role": {"kind": "string", "identifier": True},
        },
        "sample": [
            {"line": "4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 127.0.0.1:10000"}
        ],
    },
}
LNAV_QUERY = ";SELECT count(*) AS n FROM redis_log WHERE log_body LIKE '%resync%'"
HEADER = re.compile(r"^\d+:[XCSM] \d{2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")


@dataclass
class Run:
    wall: float
    cpu: float
    peak_rss_mb: float


def source_lines(globs: list[str]) -> list[str]:
    lines: list[str] = []
    for pattern in globs:
        for path in sorted(ROOT.glob(pattern)):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if HEADER.match(line):
                    lines.append(line)
    return lines


def build_log(path: Path, lines: list[str], count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in itertools.islice(itertools.cycle(lines), count):
            out.write(line + "\n")


def install_lnav_format() -> None:
    target = Path.home() / ".lnav" / "formats" / "installed" / "redis_log.json"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(LNAV_FORMAT, indent=2))


def timed(argv: list[str]) -> Run:
    """Run ``argv`` with stdout to /dev/null; wall, user+sys CPU and peak RSS."""
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {err.strip()[:300]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best(argv: list[str], runs: int) -> Run:
    results = [timed(argv) for _ in range(runs)]
    return min(results, key=lambda r: r.wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--glob", action="append", default=None, help="source logs (repeatable)")
    ap.add_argument("--keep", type=Path, help="write the generated log here and keep it")
    args = ap.parse_args()

    lines = source_lines(args.glob or ["sample_logs/**/*.log"])
    if not lines:
        raise SystemExit("no Redis 5+ header lines found in the source logs (see --glob)")
    workdir = Path(tempfile.mkdtemp(prefix="replwatch-bench-"))
    log = args.keep or workdir / "bench.log"
    try:
        build_log(log, lines, args.lines)
        size_mb = log.stat().st_size / 1e6
        print(f"log: {args.lines:,} lines, {size_mb:.0f} MB from {len(lines):,} real lines")
        replwatch = best(
            [sys.executable, "-m", "replwatch", "parse", "--json", str(log)], args.runs
        )
        print(
            f"replwatch parse --json: {replwatch.wall:.2f} s wall, {replwatch.cpu:.2f} s CPU, "
            f"peak RSS {replwatch.peak_rss_mb:.0f} MB"
        )
        lnav_bin = shutil.which("lnav")
        if lnav_bin is None:
            print("lnav: not installed, no ratio (apt-get install lnav)")
            return
        install_lnav_format()
        lnav = best(
            [lnav_bin, "-n", "-c", LNAV_QUERY, "-c", ":write-csv-to -", str(log)], args.runs
        )
        print(f"lnav scan:              {lnav.wall:.2f} s wall, {lnav.cpu:.2f} s CPU")
        print(
            f"ratio replwatch/lnav: {replwatch.wall / lnav.wall:.2f} wall, "
            f"{replwatch.cpu / lnav.cpu:.2f} CPU (target: <= 1.5 wall, RSS < 100 MB)"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
