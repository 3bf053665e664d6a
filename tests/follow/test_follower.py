"""The Follower on its own: offsets, partial lines, starting points, cut lines."""

from __future__ import annotations

import os
from pathlib import Path

from replwatch.follow.follower import Follower, count_newlines, start_of_last_lines


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def raws(records) -> list[bytes]:
    return [r.raw for r in records]


def test_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b"1:M 25 Nov 08:49:46.136 * Ready to acc")
    assert f.poll() == []  # torn: not a line yet
    append(log, b"ept connections\nnext")
    out = f.poll()
    assert raws(out) == [b"1:M 25 Nov 08:49:46.136 * Ready to accept connections"]
    assert out[0].line_no == 1
    append(log, b"\n")
    assert [(r.line_no, r.raw) for r in f.poll()] == [(2, b"next")]


def test_crlf_and_binary_bytes_are_passed_through(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b"crlf line\r\n\x00\xff\xfe garbage\n")
    assert raws(f.poll()) == [b"crlf line\r", b"\x00\xff\xfe garbage"]


def test_enormous_line_is_cut_and_numbering_continues(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log), max_line=1000)
    assert f.poll() == []
    # 5 MB without a newline, written in pieces: memory must not follow it.
    for _ in range(50):
        append(log, b"x" * 100_000)
        f.poll()
        assert len(f._current.splitter.partial) <= 1000
    append(log, b"y\nafter\n")
    out = f.poll()
    assert [(r.line_no, r.raw) for r in out] == [(2, b"after")]
    f2 = Follower(str(log), start="start", max_line=1000)
    out2 = f2.poll()
    while f2.has_more:
        out2 += f2.poll()
    assert [(r.line_no, len(r.raw)) for r in out2] == [(1, 1000), (2, 5)]


def test_start_at_end_skips_old_lines_but_counts_them(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"one\ntwo\nthree\nhalf")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b" done\nfour\n")
    # the half-written line at the start is not cut in two
    assert [(r.line_no, r.raw) for r in f.poll()] == [(4, b"half done"), (5, b"four")]


def test_last_n_lines(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"".join(b"line %d\n" % n for n in range(1, 200_001)))
    out = Follower(str(log), start=3).poll()
    assert [(r.line_no, r.raw) for r in out] == [
        (199_998, b"line 199998"),
        (199_999, b"line 199999"),
        (200_000, b"line 200000"),
    ]
    assert raws(Follower(str(log), start=500_000).poll())[0] == b"line 1"
    assert len(Follower(str(log), start="start").poll(budget=10**9)) == 200_000


def test_start_of_last_lines_reads_backwards_only_what_it_needs(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    data = b"a\nbb\nccc\n"
    log.write_bytes(data)
    fd = os.open(log, os.O_RDONLY)
    try:
        assert start_of_last_lines(fd, len(data), 0) == len(data)
        assert start_of_last_lines(fd, len(data), 1) == data.index(b"ccc")
        assert start_of_last_lines(fd, len(data), 2) == data.index(b"bb")
        assert start_of_last_lines(fd, len(data), 9) == 0
        assert count_newlines(fd, len(data)) == 3
    finally:
        os.close(fd)


def test_file_that_appears_later_is_read_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    f = Follower(str(log))  # default: start at the end
    assert f.poll() == []
    assert not f.is_open
    log.write_bytes(b"first\nsecond\n")
    assert [(r.line_no, r.raw) for r in f.poll()] == [(1, b"first"), (2, b"second")]


def test_truncated_and_regrown_between_polls_is_noticed(tmp_path: Path) -> None:
    """A busy writer can refill a truncated file past our offset before we look."""
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b"".join(b"old %d\n" % n for n in range(100)))
    assert len(f.poll()) == 100
    os.truncate(log, 0)
    append(log, b"".join(b"new line %d\n" % n for n in range(200)))
    out = f.poll()
    assert out[0].line_no == 1 and out[0].raw == b"new line 0"
    assert len(out) == 200


def test_truncation_emits_the_torn_line_it_held(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b"whole\ntorn")
    assert raws(f.poll()) == [b"whole"]
    os.truncate(log, 0)
    append(log, b"fresh\n")
    assert [(r.line_no, r.raw) for r in f.poll()] == [(2, b"torn"), (1, b"fresh")]


def test_read_budget_leaves_the_rest_for_the_next_poll(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log))
    assert f.poll() == []
    append(log, b"".join(b"%07d\n" % n for n in range(300_000)))  # 2.4 MB
    first = f.poll()
    assert f.has_more and 0 < len(first) < 300_000
    rest = []
    while f.has_more:
        rest += f.poll()
    assert raws(first + rest) == [b"%07d" % n for n in range(300_000)]


def test_late_writes_to_a_rotated_file_are_still_read(tmp_path: Path) -> None:
    now = [0.0]
    log = tmp_path / "a.log"
    log.write_bytes(b"")
    f = Follower(str(log), clock=lambda: now[0], grace=1.0)
    assert f.poll() == []
    with open(log, "ab", buffering=0) as old:  # a writer that has not reopened yet
        old.write(b"before\n")
        os.rename(log, tmp_path / "a.log.1")
        log.write_bytes(b"new 1\n")
        assert raws(f.poll()) == [b"before", b"new 1"]
        old.write(b"late\n")
        now[0] = 0.5
        assert [(r.line_no, r.raw) for r in f.poll()] == [(2, b"late")]
        now[0] = 2.0
        old.write(b"past the grace\n")  # still growing: still read, grace renewed
        assert raws(f.poll()) == [b"past the grace"]
        now[0] = 2.9
        old.write(b"still\n")
        assert raws(f.poll()) == [b"still"]
        now[0] = 4.0  # a grace period without growth: closed
        assert f.poll() == []
        old.write(b"gone\n")
        now[0] = 4.5
        assert f.poll() == []
    assert f.close() == []


def test_errors_are_kept_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_bytes(b"")
    f = Follower(str(blocker / "x.log"))
    assert f.poll() == []
    assert isinstance(f.error, NotADirectoryError)
    blocker.unlink()
    blocker.mkdir()
    (blocker / "x.log").write_bytes(b"now it exists\n")
    assert raws(f.poll()) == [b"now it exists"]
    assert f.error is None
