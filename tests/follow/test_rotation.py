"""Nothing lost, nothing twice: a real writer process while the log is rotated.

Each test runs a writer subprocess (``writer.py``) appending numbered lines at
speed, rotates the file under it the way logrotate or an operator would, then
compares what the tailer emitted with what the files on disk hold: every line
exactly once, each at its real line number in its file, each file's lines in
order. The tests run with inotify wake-ups and with ``--poll``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from replwatch.follow.follower import LineRecord
from tests.follow.support import start_writer


def disk_lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def assert_same_as_disk(records: list[LineRecord], files: list[Path], total: int) -> None:
    """Every line of ``files`` came out once, at its line number, in file order."""
    where: dict[bytes, tuple[int, int]] = {}
    for index, file in enumerate(files):
        for line_no, raw in enumerate(disk_lines(file), start=1):
            where[raw] = (index, line_no)
    assert len(where) == total, "the writer's lines are not all on disk"
    raws = [r.raw for r in records]
    assert len(raws) == len(set(raws)), "a line came out twice"
    missing = set(where) - set(raws)
    assert not missing, f"{len(missing)} lines lost, e.g. {sorted(missing)[:3]}"
    assert len(raws) == total
    last_seen = [0] * len(files)
    for rec in records:
        index, line_no = where[rec.raw]
        assert rec.line_no == line_no, f"{rec.raw!r} reported as line {rec.line_no}"
        assert line_no > last_seen[index], f"{rec.raw!r} came out of order"
        last_seen[index] = line_no


def wait_exit(proc) -> None:
    assert proc.wait(timeout=60) == 0


def test_rename_and_create(tmp_path: Path, collect) -> None:
    log = tmp_path / "10001.log"
    c = collect([str(log)])
    writer = start_writer(log, 30_000, burst=200, sleep=0.01)
    rotated = []
    for k in (1, 2, 3):
        time.sleep(0.35)
        target = tmp_path / f"10001.log.{k}"
        os.rename(log, target)  # logrotate `create`: rename, then a new empty file
        log.touch()
        rotated.append(target)
    wait_exit(writer)
    records = c.wait_for(30_000)
    assert_same_as_disk(records, [*rotated, log], 30_000)
    assert all(r.path == str(log) for r in records)


def test_copytruncate(tmp_path: Path, collect) -> None:
    log = tmp_path / "10001.log"
    pause, paused = Path(f"{log}.pause"), Path(f"{log}.paused")
    c = collect([str(log)])
    writer = start_writer(log, 30_000, burst=200, sleep=0.01)
    copies: list[Path] = []
    for k in (1, 2, 3):
        time.sleep(0.35)
        # The writer pauses around the copy + truncate: lines written between the
        # copy and the truncate are lost by copytruncate itself, not by the tailer.
        pause.touch()
        while not paused.exists():
            time.sleep(0.005)
        held = sum(len(disk_lines(p)) for p in [*copies, log])
        c.wait_for(held, timeout=10)
        copy = tmp_path / f"10001.log.{k}"
        shutil.copyfile(log, copy)
        os.truncate(log, 0)
        copies.append(copy)
        pause.unlink()
    wait_exit(writer)
    records = c.wait_for(30_000)
    assert_same_as_disk(records, [*copies, log], 30_000)


def test_delete_and_recreate(tmp_path: Path, collect) -> None:
    log = tmp_path / "10001.log"
    c = collect([str(log)])
    writer = start_writer(log, 20_000, burst=200, sleep=0.01)
    kept = []
    for k in (1, 2):
        time.sleep(0.35)
        # Keep a hard link only so the test can read back what the deleted file held.
        keep = tmp_path / f"deleted.{k}"
        os.link(log, keep)
        os.unlink(log)  # the writer notices and creates the file again
        kept.append(keep)
    wait_exit(writer)
    records = c.wait_for(20_000)
    assert_same_as_disk(records, [*kept, log], 20_000)


def test_file_and_directory_that_do_not_exist_yet(tmp_path: Path, collect) -> None:
    log = tmp_path / "later" / "10002.log"
    c = collect([str(log)])
    time.sleep(0.3)
    assert c.records == []
    log.parent.mkdir()
    writer = start_writer(log, 5_000, burst=500, sleep=0.01)
    wait_exit(writer)
    records = c.wait_for(5_000)
    assert_same_as_disk(records, [log], 5_000)


def test_burst_of_100k_lines(tmp_path: Path, collect) -> None:
    log = tmp_path / "10000.log"
    log.write_bytes(b"old line, before the tail started\n")
    c = collect([str(log)])  # starts at the end: the old line is not news
    writer = start_writer(log, 100_000)
    wait_exit(writer)
    records = c.wait_for(100_000)
    assert [r.raw for r in records] == [b"w %d" % n for n in range(1, 100_001)]
    assert [r.line_no for r in records] == list(range(2, 100_002))
