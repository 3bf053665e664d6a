"""Starting the real writer process that the tail tests rotate logs under."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WRITER = Path(__file__).with_name("writer.py")


def start_writer(path: Path, count: int, *, burst: int = 0, sleep: float = 0.0) -> subprocess.Popen:
    args = [sys.executable, str(WRITER), str(path), str(count)]
    if burst:
        args += ["--burst", str(burst), "--sleep", str(sleep)]
    return subprocess.Popen(args)
