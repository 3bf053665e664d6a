"""Recordings: created private, read back strictly, and never a traceback on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replwatch.events import poll_event
from replwatch.recording import RecordingError, RecordingHeader, RecordingWriter, load_recording


def _recording(path: Path, extra_lines: list[str]) -> None:
    with RecordingWriter.create(
        path, RecordingHeader(started="2026-12-03T10:00:00", interval=1.0)
    ) as w:
        w.write_event(
            0.5, poll_event("127.0.0.1:10001", "link_down", "down", ts="2026-12-03T10:00:00.500")
        )
        w.write_snapshot(1.0, {"ts": "2026-12-03T10:00:01.000", "nodes": [], "links": []})
    with path.open("a") as handle:
        handle.write("\n".join(extra_lines) + "\n")


BAD_LINES = [
    '{"type":"event","t":1.5,"event":{"kind":"x"',  # torn by a kill
    '{"type":"event","t":"soon","event":{}}',  # time not a number
    '{"type":"event","t":NaN,"event":{}}',  # not finite
    '{"type":"snapshot","t":2,"snapshot":{"nodes":[7]}}',  # a snapshot that does not decode
    '{"type":"event","t":2,"event":["not","an","object"]}',
    "[1,2,3]",
    "\x00\x01garbage",
    "[" * 100000,  # nesting deep enough to exhaust the JSON decoder's recursion
]


def test_bad_records_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "session.rwrec"
    _recording(path, BAD_LINES)
    recording = load_recording(path)
    assert [r.kind for r in recording.records] == ["event", "snapshot"]
    assert recording.records[0].event().kind == "link_down"
    assert recording.skipped == len(BAD_LINES)
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "first_line",
    [
        "not json at all",
        json.dumps({"type": "header", "format": "something-else", "version": 1}),
        json.dumps(
            {"type": "header", "format": "replwatch-recording", "version": 1, "interval": "x"}
        ),
    ],
)
def test_a_file_that_is_not_a_recording_is_refused(tmp_path: Path, first_line: str) -> None:
    path = tmp_path / "not.rwrec"
    path.write_text(first_line + "\n")
    with pytest.raises(RecordingError):
        load_recording(path)
    done = subprocess.run(
        [sys.executable, "-m", "replwatch", "replay", str(path)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.parametrize("command", [["tui", "--ports", "1"], ["demo"]])
def test_the_dashboard_without_a_terminal_refuses_at_once(command: list[str]) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != "TEXTUAL_DRIVER"}
    done = subprocess.run(
        [sys.executable, "-m", "replwatch", *command],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    assert done.returncode == 1
    assert "needs a terminal" in done.stderr and "status --watch" in done.stderr
    assert "Traceback" not in done.stderr
