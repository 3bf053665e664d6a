"""MultiTailer: directories, globs, the blocking iterator and the polling fallback."""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path

import pytest

from replwatch.follow.multitail import MultiTailer


def test_directory_follows_log_files_created_later(tmp_path: Path, collect) -> None:
    (tmp_path / "10000.log").write_bytes(b"old\n")
    (tmp_path / "notes.txt").write_bytes(b"")
    c = collect([str(tmp_path)])
    (tmp_path / "10000.log").open("ab").write(b"m1\n")
    (tmp_path / "10001.log").write_bytes(b"r1\nr2\n")  # appears after the start
    (tmp_path / "notes.txt").write_bytes(b"not a log\n")
    got = c.wait_for(3, timeout=10)
    by_file = {(Path(r.path).name, r.line_no, r.raw) for r in got}
    assert by_file == {("10000.log", 2, b"m1"), ("10001.log", 1, b"r1"), ("10001.log", 2, b"r2")}


def test_glob_is_expanded_again(tmp_path: Path, collect) -> None:
    c = collect([str(tmp_path / "*" / "redis-*.log")])
    sub = tmp_path / "node1"
    sub.mkdir()
    (sub / "redis-10002.log").write_bytes(b"hello\n")
    (sub / "other.log").write_bytes(b"ignored\n")
    got = c.wait_for(1, timeout=10)
    assert [(r.path, r.raw) for r in got] == [(str(sub / "redis-10002.log"), b"hello")]


def test_last_n_lines_of_each_file(tmp_path: Path) -> None:
    for port in (10000, 10001):
        (tmp_path / f"{port}.log").write_bytes(b"".join(b"%d\n" % n for n in range(10)))
    with MultiTailer([str(tmp_path / "*.log")], start=2, force_poll=True) as tailer:
        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        got = [(Path(r.path).name, r.line_no, r.raw) for r in tailer.lines(stop)]
    assert got == [
        ("10000.log", 9, b"8"),
        ("10000.log", 10, b"9"),
        ("10001.log", 9, b"8"),
        ("10001.log", 10, b"9"),
    ]


def test_stop_from_another_thread_ends_the_iterator(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    with MultiTailer([str(log)]) as tailer:
        threading.Timer(0.2, tailer.stop).start()
        started = time.monotonic()
        assert list(tailer.lines()) == []
        assert time.monotonic() - started < 5


def test_errors_are_values_and_following_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_bytes(b"")
    good = tmp_path / "good.log"
    good.write_bytes(b"")
    errors: list[Exception] = []
    with MultiTailer([str(blocker / "x.log"), str(good)], on_error=errors.append) as tailer:
        good.open("ab").write(b"still here\n")
        stop = threading.Event()
        threading.Timer(1.5, stop.set).start()
        got = [r.raw for r in tailer.lines(stop)]
    assert got == [b"still here"]
    assert len(errors) == 1 and isinstance(errors[0], NotADirectoryError)


def test_falls_back_to_polling_when_inotify_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import watchdog.observers.inotify as inotify

    def no_inotify(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EMFILE, "inotify instance limit reached")

    monkeypatch.setattr(inotify, "InotifyObserver", no_inotify)
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    errors: list[Exception] = []
    with MultiTailer([str(log)], on_error=errors.append) as tailer:
        assert tailer.watcher is not None and tailer.watcher.mode == "poll"
        log.open("ab").write(b"polled\n")
        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        assert [r.raw for r in tailer.lines(stop)] == [b"polled"]
    assert "inotify unavailable" in str(errors[0])


def test_add_path_keeps_the_other_files_in_place(tmp_path: Path, collect) -> None:
    a = tmp_path / "10000.log"
    a.write_bytes(b"a-old\n")
    c = collect([str(a)])  # from the end of A
    with a.open("ab") as f:
        f.write(b"a1\na2\n")
    assert [r.raw for r in c.wait_for(2, timeout=10)] == [b"a1", b"a2"]
    node = tmp_path / "node2"  # a node started later, logging in its own directory
    node.mkdir()
    b = node / "10002.log"
    b.write_bytes(b"b-startup1\nb-startup2\n")
    with a.open("ab") as f:
        f.write(b"a3\n")  # written in the gap, before B is added
    c.tailer.add_path(str(b))  # from another thread, as the TUI does
    with a.open("ab") as f, b.open("ab") as g:
        f.write(b"a4\n")
        g.write(b"b1\n")
    got = c.wait_for(7, timeout=10)
    of_a = [(r.line_no, r.raw) for r in got if r.path == str(a)]
    of_b = [(r.line_no, r.raw) for r in got if r.path == str(b)]
    assert of_a == [(2, b"a1"), (3, b"a2"), (4, b"a3"), (5, b"a4")]  # none lost, none twice
    assert of_b == [(1, b"b-startup1"), (2, b"b-startup2"), (3, b"b1")]  # its startup lines


def test_add_path_can_start_at_the_end(tmp_path: Path) -> None:
    a = tmp_path / "a.log"
    b = tmp_path / "b.log"
    a.write_bytes(b"")
    b.write_bytes(b"history\n" * 3)
    with MultiTailer([str(a)], force_poll=True) as tailer:
        a.open("ab").write(b"a1\n")
        tailer.add_path(str(b), start="end")
        tailer.add_path(str(a), start="start")  # already followed: left as it is
        assert [(r.path, r.line_no, r.raw) for r in tailer.poll_once()] == [(str(a), 1, b"a1")]
        b.open("ab").write(b"b4\n")
        assert [(r.path, r.line_no, r.raw) for r in tailer.poll_once()] == [(str(b), 4, b"b4")]
