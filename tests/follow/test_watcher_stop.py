"""Stopping the inotify watcher while a log is being written is silent.

watchdog logs ``InotifyEmitter.queue_events() called when the thread is inactive``
(on stderr, when nothing configured logging) if its observer is torn down under an
emitter that is handling an event; a user saw it every time the live TUI exited.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from replwatch.follow.multitail import MultiTailer

ROUNDS = 30


def _follow_while_writing(log: Path) -> list[bytes]:
    """Follow ``log`` with inotify while a thread appends to it; stop mid-stream."""
    got: list[bytes] = []
    tailer = MultiTailer([str(log)])
    tailer.open()
    assert tailer.watcher is not None and tailer.watcher.mode == "inotify"
    reader = threading.Thread(target=tailer.run, args=(lambda b: got.extend(r.raw for r in b),))
    reader.start()
    done = threading.Event()

    def write() -> None:
        with log.open("ab", buffering=0) as f:
            while not done.is_set():
                f.write(b"line\n")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.005)
        tailer.stop()
        reader.join(timeout=5)
        tailer.close()
        tailer.close()  # twice is harmless
    finally:
        done.set()
        writer.join()
    return got


def test_stopping_mid_write_logs_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="watchdog")
    for n in range(ROUNDS):
        log = tmp_path / f"{n}.log"
        log.write_bytes(b"")
        assert _follow_while_writing(log), "the follower saw none of the writes"
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []
    err = capfd.readouterr().err
    assert err == ""
