"""Real processes for the tail tests: the writer that rotation happens under, and
``replwatch tail`` itself with threads collecting what it prints."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

WRITER = Path(__file__).with_name("writer.py")


def start_writer(path: Path, count: int, *, burst: int = 0, sleep: float = 0.0) -> subprocess.Popen:
    args = [sys.executable, str(WRITER), str(path), str(count)]
    if burst:
        args += ["--burst", str(burst), "--sleep", str(sleep)]
    return subprocess.Popen(args)


class Tail:
    """``python -m replwatch tail ...`` with a thread collecting its stdout lines."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "replwatch", "tail", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.errors), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_for(self, count: int, timeout: float = 20.0, *, stderr: bool = False) -> list[str]:
        lines = self.errors if stderr else self.lines
        deadline = time.monotonic() + timeout
        while len(lines) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(lines) >= count, f"got only {lines}"
        return list(lines)

    def interrupt(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=10)
        for thread in self._threads:
            thread.join(timeout=5)
        return code, "\n".join(self.errors)
