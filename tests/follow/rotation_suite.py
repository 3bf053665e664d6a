"""Every rotation a tailer meets, run again and again with both cores busy.

A single run of a rotation test passes by luck as easily as by design: the lines at
risk are the few written in the last poll interval or the grace period before a
rotation, and whether any are written there depends on scheduling. This suite runs
each case many times, in both watch modes, while burner processes keep every core
busy, and counts what came out against what the files on disk hold: lines lost,
lines repeated, lines out of order. It is the test of issue 14's "0 lost, 0
repeated" (``tests/follow/test_rotation_suite.py``, a few runs each) and a stress
tool (``bench/stress_rotation.py --runs 50``, figures printed).

Each case runs a real writer subprocess (``writer.py``) and rotates under it the way
logrotate (``create``, ``copytruncate``, ``dateext``) or an operator would.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.follow.conftest import Collector
from tests.follow.support import start_writer

#: Lines per run, written in bursts so that rotations land between and within bursts.
LINES = 12_000


@dataclass(frozen=True)
class Outcome:
    """What one run produced, compared with the files on disk."""

    written: int
    lost: int
    repeated: int
    disordered: int

    @property
    def clean(self) -> bool:
        return self.lost == self.repeated == self.disordered == 0


def _disk(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def compare(raws: list[bytes], files: list[Path]) -> Outcome:
    """Count lost, repeated and out-of-order lines of ``raws`` against ``files``."""
    order: dict[bytes, tuple[int, int]] = {}
    for index, file in enumerate(files):
        for line_no, raw in enumerate(_disk(file), start=1):
            order[raw] = (index, line_no)
    seen: set[bytes] = set()
    repeated = disordered = 0
    last = [0] * len(files)
    for raw in raws:
        if raw in seen:
            repeated += 1
            continue
        seen.add(raw)
        where = order.get(raw)
        if where is None:
            continue
        if where[1] <= last[where[0]]:
            disordered += 1
        last[where[0]] = where[1]
    return Outcome(len(order), len(set(order) - seen), repeated, disordered)


def _pause_writer(log: Path) -> Iterator[None]:
    """Hold the writer still: copytruncate's own copy..truncate window loses the lines
    written inside it whatever the tailer does, so no line is written there."""
    pause, paused = Path(f"{log}.pause"), Path(f"{log}.paused")
    pause.touch()
    deadline = time.monotonic() + 10
    while not paused.exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    try:
        yield
    finally:
        pause.unlink()


pause_writer = contextlib.contextmanager(_pause_writer)

#: A case rotates ``log`` (in ``workdir``) a few times while the writer runs and
#: returns every file that holds the writer's lines, oldest first.
Case = Callable[[Path, Path], list[Path]]


def rename_create(workdir: Path, log: Path) -> list[Path]:
    rotated = []
    for k in (1, 2, 3):
        time.sleep(0.25)
        target = workdir / f"{log.name}.{k}"
        os.rename(log, target)
        log.touch()
        rotated.append(target)
    return [*rotated, log]


def copytruncate(workdir: Path, log: Path) -> list[Path]:
    copies = []
    for k in (1, 2, 3):
        time.sleep(0.25)
        copy = workdir / f"{log.name}.{k}"
        with pause_writer(log):  # the tailer is not waited for: it may be behind
            shutil.copyfile(log, copy)
            os.truncate(log, 0)
        copies.append(copy)
    return [*copies, log]


def dateext_into_the_glob(workdir: Path, log: Path) -> list[Path]:
    rotated = []
    for day in (1, 2, 3):
        time.sleep(0.25)
        target = workdir / f"{log.stem}-2026120{day}.log"
        os.rename(log, target)
        log.touch()
        rotated.append(target)
    return [*rotated, log]


def delete_recreate(workdir: Path, log: Path) -> list[Path]:
    kept = []
    for k in (1, 2):
        time.sleep(0.3)
        keep = workdir / f"deleted.{k}"  # a hard link only to read back what it held
        os.link(log, keep)
        os.unlink(log)  # the writer notices and creates the file again
        kept.append(keep)
    return [*kept, log]


#: Each case with what the tailer follows: the file itself, or a glob of its folder.
CASES: dict[str, tuple[Case, str]] = {
    "rename+create": (rename_create, "file"),
    "copytruncate": (copytruncate, "file"),
    "dateext-glob": (dateext_into_the_glob, "glob"),
    "delete+recreate": (delete_recreate, "file"),
}


def run_case(name: str, mode: str, *, lines: int = LINES) -> Outcome:
    """One run of case ``name`` with the tailer in ``mode`` (``inotify`` or ``poll``)."""
    case, follows = CASES[name]
    with tempfile.TemporaryDirectory(prefix="replwatch-rot-") as tmp:
        workdir = Path(tmp)
        log = workdir / "10001.log"
        spec = str(workdir / "*.log") if follows == "glob" else str(log)
        collector = Collector([spec], force_poll=(mode == "poll"), rescan_interval=0.1)
        try:
            writer = start_writer(log, lines, burst=100, sleep=0.008)
            files = case(workdir, log)
            if writer.wait(timeout=120) != 0:
                raise RuntimeError("the writer failed")
            collector.wait_for(lines, timeout=30)
            time.sleep(1.5)  # grace periods and rescans pass: a late repeat shows now
            records = collector.wait_for(lines, timeout=1)
        finally:
            collector.stop()
        return compare([r.raw for r in records], files)


def _burn(stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    while not stop.is_set():
        sum(range(10_000))


@contextlib.contextmanager
def busy_cores(count: int | None = None) -> Iterator[int]:
    """Keep ``count`` (default: every) core busy with burner processes."""
    count = count or os.cpu_count() or 1
    stop = multiprocessing.get_context("spawn").Event()
    burners = [
        multiprocessing.get_context("spawn").Process(target=_burn, args=(stop,), daemon=True)
        for _ in range(count)
    ]
    for burner in burners:
        burner.start()
    try:
        yield count
    finally:
        stop.set()
        for burner in burners:
            burner.join(5)
            if burner.is_alive():
                burner.kill()
