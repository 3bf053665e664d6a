"""The parser is pure: no UI / client / watcher imports, no clock reads."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import replwatch

PURE_MODULES = [
    "replwatch/logs/parser.py",
    "replwatch/logs/timestamps.py",
    "replwatch/logs/fastpath.py",
    "replwatch/logs/classifier.py",
    "replwatch/logs/envelopes.py",
    "replwatch/cli/render.py",
]
PURE_PACKAGES = ["replwatch/grammar", "replwatch/topology", "replwatch/timeline"]


def test_importing_the_parser_pulls_in_no_io_frameworks() -> None:
    code = (
        "import sys, replwatch.logs.parser; "
        "print(sorted(m for m in ('textual', 'redis', 'watchdog', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_clock_reads_in_pure_modules() -> None:
    root = Path(replwatch.__file__).resolve().parent.parent
    files = [root / m for m in PURE_MODULES]
    files += [p for pkg in PURE_PACKAGES for p in sorted((root / pkg).glob("*.py"))]
    clock = re.compile(r"\b(datetime\.now|date\.today|time\.time|time\.monotonic|perf_counter)\(")
    offenders = [str(f) for f in files if clock.search(f.read_text())]
    assert not offenders
