"""Command sources with real child processes: lines, restarts, stderr, clean-up."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from replwatch.follow.command import (
    STDERR_LINE,
    STDERR_LINES,
    CommandSource,
    CommandSpec,
    SourceNote,
    missing_program,
)
from replwatch.follow.lines import MAX_LINE, LineRecord
from replwatch.follow.multitail import MultiTailer

PY = sys.executable


def python(code: str, name: str = "exec:test") -> CommandSpec:
    return CommandSpec(name=name, argv=(PY, "-c", code))


class Running:
    """A MultiTailer over command sources, run in a thread, collecting lines and notes."""

    def __init__(self, *sources: CommandSource) -> None:
        self.records: list[LineRecord] = []
        self.notes: list[str] = []
        self._lock = threading.Lock()
        self.tailer = MultiTailer([], commands=list(sources), on_error=self._note)
        self.tailer.open()
        self._thread = threading.Thread(target=self.tailer.run, args=(self._add,), daemon=True)
        self._thread.start()

    def _note(self, exc: Exception) -> None:
        assert isinstance(exc, SourceNote), exc
        with self._lock:
            self.notes.append(str(exc))

    def _add(self, batch: list[LineRecord]) -> None:
        with self._lock:
            self.records.extend(batch)

    def wait(self, cond, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if cond(self):
                    return
            time.sleep(0.02)
        raise AssertionError(f"timed out: {self.records[-5:]} {self.notes[-5:]}")

    def stop(self) -> None:
        self.tailer.stop()
        self._thread.join(timeout=10)
        self.tailer.close()


def test_lines_of_each_run_arrive_in_order_and_the_command_is_restarted(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    code = (
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(runs)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        "for i in range(3): print(f'run {n} line {i}', flush=True)\n"
        "sys.stdout.write(f'run {n} torn')\n"  # no newline: emitted at the exit
        "sys.exit(3)\n"
    )
    source = CommandSource(python(code), first_backoff=0.05, max_backoff=0.2)
    r = Running(source)
    try:
        r.wait(lambda r: len(r.records) >= 12)
    finally:
        r.stop()
    raws = [rec.raw for rec in r.records]
    assert raws[:8] == [
        b"run 1 line 0", b"run 1 line 1", b"run 1 line 2", b"run 1 torn",
        b"run 2 line 0", b"run 2 line 1", b"run 2 line 2", b"run 2 torn",
    ]  # fmt: skip
    # One stream: numbers run on across restarts, none twice.
    numbers = [rec.line_no for rec in r.records]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {rec.path for rec in r.records} == {"exec:test"}
    exits = [n for n in r.notes if "exited with status 3" in n]
    assert exits[0].startswith(f"exec '{PY} -c ")
    assert exits[0].endswith("exited with status 3; restarting in 0.05s")
    assert exits[1].endswith("restarting in 0.1s")  # backoff doubles


def test_invalid_utf8_and_a_1mb_line_are_bounded_lines(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "w = sys.stdout.buffer.write\n"
        "w(b'bad \\xff\\xfe bytes\\n')\n"
        "w(b'x' * 1_000_000 + b'\\n')\n"
        "w(b'after\\n')\n"
        "sys.stdout.flush()\n"
        "import time; time.sleep(60)\n"
    )
    r = Running(CommandSource(python(code)))
    try:
        r.wait(lambda r: len(r.records) >= 3)
    finally:
        r.stop()
    assert r.records[0].raw == b"bad \xff\xfe bytes"
    assert r.records[1].raw == b"x" * MAX_LINE  # cut, like a file's line
    assert r.records[2].raw == b"after"
    assert [rec.line_no for rec in r.records] == [1, 2, 3]


def test_close_ends_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # A shell pipeline: the shell and a grandchild, both must go.
    script = f"sleep 300 & echo $$ $! > {pids}; echo started; wait"
    source = CommandSource(CommandSpec(name="exec:sh", argv=("sh", "-c", script)))
    r = Running(source)
    r.wait(lambda r: len(r.records) >= 1 and pids.exists() and pids.read_text().strip())
    shell, grandchild = (int(p) for p in pids.read_text().split())
    r.stop()
    for pid in (shell, grandchild):
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), f"process {pid} outlived the tailer"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def test_stderr_is_shown_prefixed_and_bounded() -> None:
    code = (
        "import sys, time\n"
        "for i in range(100): sys.stderr.write(f'oops {i} ' + 'e' * 2000 + '\\n')\n"
        "sys.stderr.flush(); print('a line', flush=True); time.sleep(60)\n"
    )
    r = Running(CommandSource(python(code, name="exec:noisy")))
    try:
        r.wait(lambda r: r.records and len(r.notes) >= STDERR_LINES + 1)
        time.sleep(0.3)
    finally:
        r.stop()
    stderr_notes = [n for n in r.notes if n.startswith("exec:noisy: ")]
    assert len(stderr_notes) == STDERR_LINES + 1
    assert stderr_notes[0].startswith("exec:noisy: oops 0 eee")
    assert all(len(n) <= len("exec:noisy: ") + STDERR_LINE for n in stderr_notes)
    assert stderr_notes[-1] == "exec:noisy: (more standard error not shown)"
    assert [rec.raw for rec in r.records] == [b"a line"]


def test_a_missing_program_is_named_with_what_to_install(tmp_path: Path) -> None:
    spec = CommandSpec(
        name="docker:redis", argv=("no-such-docker-cli", "logs"), install_hint="install Docker"
    )
    assert missing_program(spec) == (
        "cannot follow docker:redis: no-such-docker-cli not found on PATH: install Docker"
    )
    assert missing_program(python("pass")) is None
    not_exec = tmp_path / "script"
    not_exec.write_text("#!/bin/sh\n")
    problem = missing_program(CommandSpec(name="exec:x", argv=(str(not_exec),)))
    assert problem == f"cannot follow exec:x: {not_exec} is not an executable file"


def test_a_program_that_vanishes_is_retried_with_a_message(tmp_path: Path) -> None:
    program = tmp_path / "gone"
    program.write_text("#!/bin/sh\necho once\n")
    program.chmod(0o755)
    source = CommandSource(
        CommandSpec(name="exec:gone", argv=(str(program),)), first_backoff=0.05, max_backoff=0.1
    )
    r = Running(source)
    try:
        r.wait(lambda r: r.records)
        program.unlink()
        r.wait(lambda r: any("could not be started" in n for n in r.notes))
    finally:
        r.stop()
    assert [rec.raw for rec in r.records][:1] == [b"once"]
    note = next(n for n in r.notes if "could not be started" in n)
    assert note.startswith(f"exec '{program}' could not be started (No such file or directory)")


def test_lines_written_just_before_an_exit_are_all_delivered() -> None:
    # 20,000 lines written as fast as possible, then exit: none may be lost with
    # the process (the queue is bounded, so the writer is held back meanwhile).
    code = (
        "import sys\n"
        "sys.stdout.buffer.write(b''.join(b'%06d\\n' % i for i in range(20_000)))\n"
        "sys.exit(0)\n"
    )
    source = CommandSource(python(code), first_backoff=30.0)
    r = Running(source)
    try:
        r.wait(lambda r: len(r.records) >= 20_000 and r.notes)
    finally:
        r.stop()
    assert [rec.raw for rec in r.records] == [b"%06d" % i for i in range(20_000)]
    assert r.notes[0].endswith("exited with status 0; restarting in 30s")
