"""Nothing lost, nothing repeated: the rotations that broke (issue 14), on real files.

Each case does what logrotate, an operator or a busy writer does, between two
polls or under a running tailer, and checks what a user of ``tail`` would see:
every line once.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from replwatch.follow.follower import HEAD_BYTES, Follower
from replwatch.follow.multitail import MultiTailer
from tests.follow.support import start_writer
from tests.follow.test_rotation import assert_same_as_disk, disk_lines, wait_exit


def retry_line(n: int) -> bytes:
    # Same width, same ending: a replica's retry loop under trouble.
    return (
        b"4242:S 02 Dec 2026 10:%02d:%02d.000 # Error condition on socket for SYNC: "
        % (
            n // 60 % 60,
            n % 60,
        )
        + b"Connection refused\n"
    )


def raws(records) -> list[bytes]:
    return [r.raw for r in records]


def test_copytruncate_refilled_to_the_old_size_is_seen(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    f.poll()
    old = b"".join(b"old line %03d\n" % n for n in range(50))
    log.write_bytes(old)
    assert len(f.poll()) == 50
    new = b"".join(b"new line %03d\n" % n for n in range(50))
    assert len(new) == len(old)
    with open(log, "r+b") as w:  # truncate, then refill to exactly the old size
        w.truncate(0)
        w.write(new)
    assert raws(f.poll()) == [b"new line %03d" % n for n in range(50)]
    assert f.poll() == []


def test_refilled_with_lines_whose_last_bytes_match(tmp_path: Path) -> None:
    # The new file ends, at our old offset, with exactly the bytes the old one had
    # there (same-width retry lines): only its first bytes tell it apart.
    log = tmp_path / "10001.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    f.poll()
    head_old = b"4242:S 02 Dec 2026 09:59:59.000 * Connecting to MASTER 127.0.0.1:10000\n"
    tail_lines = b"".join(retry_line(n) for n in range(100, 140))
    log.write_bytes(head_old + tail_lines)
    assert len(f.poll()) == 41
    head_new = b"4242:S 02 Dec 2026 10:00:00.000 * MASTER <-> REPLICA sync started.....\n"
    assert len(head_new) == len(head_old)
    more = b"".join(retry_line(n) for n in range(140, 150))
    with open(log, "r+b") as w:
        w.truncate(0)
        w.write(head_new + tail_lines + more)
    out = raws(f.poll())
    assert out[0] == head_new.rstrip(b"\n")
    assert len(out) == 51  # all of the new file, not just what lies past the old offset


def test_the_lines_only_the_copy_holds_are_read_from_it(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    f.poll()
    with open(log, "ab") as w:
        w.write(b"".join(b"line %d\n" % n for n in range(1, 101)))
    assert len(f.poll()) == 100
    with open(log, "ab") as w:  # written in the last moment before the copy...
        w.write(b"".join(b"line %d\n" % n for n in range(101, 131)) + b"torn ")
    shutil.copyfile(log, tmp_path / "10001.log.1")  # logrotate copytruncate
    os.truncate(log, 0)
    with open(log, "ab") as w:
        w.write(b"after 1\n")
    out = f.poll()
    # ...come from the copy, the torn last line included, then the new file from 0.
    assert raws(out) == [b"line %d" % n for n in range(101, 131)] + [b"torn ", b"after 1"]
    assert out[-1].line_no == 1


def test_a_copy_that_is_not_ours_is_not_read(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_bytes(b"".join(b"line %d\n" % n for n in range(1, 11)))
    f = Follower(str(log), start="start")
    assert len(f.poll()) == 10
    (tmp_path / "10001.log.1").write_bytes(b"x" * 500 + b"\n")  # other bytes: not the copy
    os.truncate(log, 0)
    with open(log, "ab") as w:
        w.write(b"after\n")
    assert raws(f.poll()) == [b"after"]


def test_plain_copytruncate_under_poll_loses_nothing(tmp_path: Path) -> None:
    # Like logrotate: the copy and the truncate happen whenever, the tailer polls
    # on its own schedule; the lines of its last interval exist only in the copy.
    log = tmp_path / "10001.log"
    pause, paused = Path(f"{log}.pause"), Path(f"{log}.paused")
    tailer = MultiTailer([str(log)], force_poll=True, poll_interval=0.3)
    got: list = []
    with tailer:
        writer = start_writer(log, 20_000, burst=50, sleep=0.01)
        copies: list[Path] = []
        for k in (1, 2, 3, 4):
            time.sleep(0.25)
            got += tailer.poll_once()
            time.sleep(0.2)  # lines written since the last poll: only the copy will hold them
            pause.touch()  # copytruncate's own window (copy..truncate) is not ours to save
            while not paused.exists() and writer.poll() is None:
                time.sleep(0.002)
            assert writer.poll() is None, "the writer finished before the rotation"
            copy = tmp_path / f"10001.log.{k}"
            shutil.copyfile(log, copy)
            os.truncate(log, 0)
            copies.append(copy)
            pause.unlink()
            time.sleep(0.1)
            got += tailer.poll_once()
        wait_exit(writer)
        for _ in range(5):
            got += tailer.poll_once()
    assert_same_as_disk(got, [*copies, log], 20_000)


def test_date_named_rotation_into_the_glob_is_not_printed_again(tmp_path: Path, collect) -> None:
    log = tmp_path / "10001.log"
    c = collect([str(tmp_path / "*.log")], rescan_interval=0.1)
    writer = start_writer(log, 20_000, burst=200, sleep=0.01)
    rotated = []
    for day in (1, 2, 3):
        time.sleep(0.35)
        target = tmp_path / f"10001-2026120{day}.log"  # dateext: still matches *.log
        os.rename(log, target)
        log.touch()
        rotated.append(target)
    wait_exit(writer)
    records = c.wait_for(20_000)
    time.sleep(1.5)  # rescans and grace periods pass: a second print would show now
    records = c.wait_for(20_000)
    assert_same_as_disk(records, [*rotated, log], 20_000)


def test_symlink_swapped_back_is_read_on_not_again(tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(b"a1\na2\n")
    b.write_bytes(b"b1\n")
    link = tmp_path / "current.log"
    link.symlink_to(a)
    f = Follower(str(link), start="start", grace=0.0)
    assert raws(f.poll()) == [b"a1", b"a2"]
    link.unlink()
    link.symlink_to(b)
    assert raws(f.poll()) == [b"b1"]
    time.sleep(0.01)
    f.poll()  # A's grace is over: it is closed, its position remembered
    with a.open("ab") as w:
        w.write(b"a3\n")
    link.unlink()
    link.symlink_to(a)
    out = f.poll()
    assert raws(out) == [b"a3"]
    assert out[0].line_no == 3


def test_a_renamed_file_still_written_is_drained_past_the_grace(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_bytes(b"")
    c_tailer = MultiTailer([str(log)], force_poll=True, poll_interval=0.05, grace=0.2)
    got: list = []
    with c_tailer, open(log, "ab", buffering=0) as stubborn:
        got += c_tailer.poll_once()
        os.rename(log, tmp_path / "10001.log.1")
        log.touch()
        for n in range(1, 31):  # 1.5 s of writes to the renamed file, 0.2 s grace
            stubborn.write(b"late %d\n" % n)
            time.sleep(0.05)
            got += c_tailer.poll_once()
        time.sleep(0.3)
        got += c_tailer.poll_once()
        got += c_tailer.poll_once()
    assert raws(got) == [b"late %d" % n for n in range(1, 31)]


def test_retired_files_are_bounded(tmp_path: Path) -> None:
    from replwatch.follow.follower import MAX_RETIRED

    log = tmp_path / "a.log"
    f = Follower(str(log), start="start", grace=60.0)
    writers = []
    for k in range(MAX_RETIRED + 5):
        log.write_bytes(b"file %d\n" % k)
        f.poll()
        writers.append(tmp_path / f"a.log.{k}")
        os.rename(log, writers[-1])
    f.poll()
    assert f.open_files <= MAX_RETIRED + 1
    assert HEAD_BYTES >= 4096
    f.close()


def test_inotify_overflow_rescans_and_says_so(tmp_path: Path) -> None:
    # The kernel's overflow reaches us as watchdog's warning; it must not reach stderr
    # unprefixed, and the tailer must rescan (a file created meanwhile is found).
    errors: list[Exception] = []
    tailer = MultiTailer([str(tmp_path)], on_error=errors.append, rescan_interval=3600)
    with tailer:
        assert tailer.watcher is not None and tailer.watcher.mode == "inotify"
        (tmp_path / "missed.log").write_bytes(b"")
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        tailer.poll_once()
        assert str(tmp_path / "missed.log") in tailer.followers
    assert [str(e) for e in errors] == [
        "inotify queue overflowed (events were lost); rescanned the followed files"
    ]
    assert not logging.getLogger("watchdog").handlers


def test_copy_read_is_remembered_so_the_glob_skips_it(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_bytes(b"")
    tailer = MultiTailer([str(tmp_path / "*.log")], force_poll=True, rescan_interval=0.0)
    with tailer:
        tailer.poll_once()
        with open(log, "ab") as w:
            w.write(b"".join(b"l %d\n" % n for n in range(20)))
        got = tailer.poll_once()
        with open(log, "ab") as w:
            w.write(b"only in the copy\n")
        shutil.copyfile(log, tmp_path / "10001-20261202.log")  # dateext copytruncate
        os.truncate(log, 0)
        got += tailer.poll_once()
        got += tailer.poll_once()  # the copy is now matched by the glob
        got += tailer.poll_once()
    assert raws(got) == [b"l %d" % n for n in range(20)] + [b"only in the copy"]
    assert disk_lines(tmp_path / "10001-20261202.log")[-1] == b"only in the copy"


def test_more_files_than_ulimit_n_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    import resource
    import subprocess
    import sys

    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(600):
        (logs / f"{n:04d}.log").write_bytes(b"")

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # hard too: cannot be raised

    tail = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "tail", "--json", str(logs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=low_limit,
    )  # fmt: skip
    try:
        time.sleep(3.0)
        with (logs / "0000.log").open("a") as f:  # one of those that fit still works
            f.write("1:M 25 Nov 2026 08:49:46.136 * Ready to accept connections tcp\n")
        time.sleep(2.0)
    finally:
        tail.send_signal(2)
        out, err = tail.communicate(timeout=20)
    assert "Traceback" not in err
    assert tail.returncode == 0
    warnings = [line for line in err.splitlines() if "too many open files" in line]
    assert len(warnings) == 1, err
    assert "ulimit -n is 256" in warnings[0] and "raise the limit" in warnings[0]
    assert '"kind":"server_ready"' in out.replace(" ", "")
