"""Stress the tailer with every rotation case, many times, with every core busy.

    python bench/stress_rotation.py --runs 20 [--idle] [--case copytruncate]

Prints, per case and watch mode, how many runs were clean and the lines lost,
repeated and out of order over all runs (the target is 0 / 0 / 0). The cases are those
of ``tests/follow/rotation_suite.py``; the test suite runs 2 of each.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.follow.rotation_suite import CASES, busy_cores, run_case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10, help="runs per case and mode")
    ap.add_argument("--idle", action="store_true", help="do not keep the cores busy")
    ap.add_argument("--case", choices=sorted(CASES), action="append", help="only these")
    args = ap.parse_args()
    cases = args.case or sorted(CASES)
    load = contextlib.nullcontext(0) if args.idle else busy_cores()
    failed = False
    with load as busy:
        print(f"{args.runs} runs per case and mode, {busy} busy cores")
        print(
            f"{'case':<18}{'mode':<9}{'clean':>8}{'lost':>7}{'repeated':>10}{'disorder':>10}{'s/run':>7}"
        )
        for case in cases:
            for mode in ("inotify", "poll"):
                started = time.monotonic()
                outcomes = [run_case(case, mode) for _ in range(args.runs)]
                per_run = (time.monotonic() - started) / args.runs
                clean = sum(o.clean for o in outcomes)
                lost = sum(o.lost for o in outcomes)
                repeated = sum(o.repeated for o in outcomes)
                disordered = sum(o.disordered for o in outcomes)
                failed |= clean != args.runs
                print(
                    f"{case:<18}{mode:<9}{clean:>5}/{args.runs:<2}{lost:>7}{repeated:>10}"
                    f"{disordered:>10}{per_run:>7.1f}",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
