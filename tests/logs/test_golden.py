"""Golden files: each real log in ``sample_logs/`` parses to ``tests/golden/<name>.jsonl``.

A parser or grammar change shows up as a reviewable diff of these files.
Regenerate them on purpose with ``REPLWATCH_UPDATE_GOLDEN=1 pytest tests/logs/test_golden.py``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replwatch.logs.files import parse_file
from replwatch.logs.parser import LogParser

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "sample_logs").glob("**/*.log"))
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("REPLWATCH_UPDATE_GOLDEN") == "1"

#: Message prefixes allowed to stay unrecognized in sample logs: none are about
#: replication (keep this list short and justified).
ALLOWED_UNRECOGNIZED: tuple[str, ...] = ()

#: Redis 2.8-3.2 (and later, when not daemonized to a tty-less log) write their ASCII-art
#: logo into the log file: 16 lines of art, some with the version, mode, port, PID or
#: URL beside them, then an empty line. They are not log lines, so they stay
#: ``malformed``; nothing else may.
_LOGO_ART = r"[ _.\-`'()|,/\\]*"
LOGO_LINE = re.compile(
    rf"{_LOGO_ART}(?:(?:Redis|Valkey) \d[\d.]* \(\w+/\d+\) \d+ bit"
    r"|Running in [\w ]+ mode|Port: \d+|PID: \d+|https?://\S+)?\s*"
)


def is_logo_line(message: str) -> bool:
    """True for a line of the server's ASCII-art start-up logo (or the blank after it)."""
    return LOGO_LINE.fullmatch(message) is not None


def golden_name(sample: Path) -> str:
    """``sample_logs/redis-7.0.15/seed/10000.log`` -> ``redis-7.0.15__seed__10000.jsonl``."""
    relative = sample.relative_to(ROOT / "sample_logs").with_suffix("")
    return "__".join(relative.parts) + ".jsonl"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Epoch and signal-handler timestamps are local time: pin the zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.skipif(not SAMPLES, reason="no sample_logs/**/*.log recorded yet")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: golden_name(p))
def test_sample_log_matches_golden(parser: LogParser, sample: Path) -> None:
    source = str(sample.relative_to(ROOT))
    events = list(parse_file(parser, sample, source=source, year=2026))
    text = "".join(ev.to_json() + "\n" for ev in events)
    golden = GOLDEN / golden_name(sample)
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with REPLWATCH_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")
    left = [
        ev
        for ev in events
        if (ev.kind == "unrecognized" and not ev.message.startswith(ALLOWED_UNRECOGNIZED))
        or (ev.kind == "malformed" and not is_logo_line(ev.message))
    ]
    assert not left, [f"{ev.line}: {ev.kind}: {ev.message}" for ev in left]


def test_no_orphan_golden_files() -> None:
    """A golden file whose sample is gone is stale."""
    expected = {golden_name(s) for s in SAMPLES}
    stale = [p.name for p in GOLDEN.glob("*.jsonl") if p.name not in expected]
    assert not stale


@pytest.mark.parametrize(
    ("message", "logo"),
    [
        ("                _._                                                  ", True),
        ("      _.-``    `.  `_.  ''-._           Redis 2.8.24 (00000000/0) 64 bit", True),
        (" |    `-._   `._    /     _.-'    |     PID: 3136", True),
        ("", True),
        ("Connecting to MASTER 127.0.0.1:6379", False),
        ("4347:M 25 Nov 08:46:38.123 * garbled", False),
    ],
)
def test_logo_lines_are_told_apart(message: str, logo: bool) -> None:
    assert is_logo_line(message) is logo
