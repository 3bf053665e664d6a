"""The recording file: what is written reads back the same; damage is survived."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replwatch.recording import RecordingError, load_recording
from replwatch.topology.snapshot import Snapshot
from tests.tui.sample_session import log_events, snapshots, write_recording


def test_round_trip_keeps_snapshots_and_events_in_order(tmp_path: Path) -> None:
    recording = load_recording(write_recording(tmp_path / "s.jsonl"))
    assert recording.header.interval == 0.5
    assert recording.header.nodes == ("127.0.0.1:10000", "127.0.0.1:10001", "127.0.0.1:10002")
    kinds = [r.kind for r in recording.records]
    assert kinds == ["snapshot"] + ["event"] * 7 + ["snapshot", "snapshot"]
    assert Snapshot.from_dict(recording.records[-1].data) == snapshots()[-1]
    assert [r.event() for r in recording.records[2:8]] == log_events()
    assert recording.duration == 1.5


def test_first_line_is_a_header_jq_can_read(tmp_path: Path) -> None:
    path = write_recording(tmp_path / "s.jsonl")
    header = json.loads(path.read_text().splitlines()[0])
    assert header["type"] == "header"
    assert header["format"] == "replwatch-recording"
    assert header["version"] == 1


def test_torn_last_line_and_garbage_are_skipped(tmp_path: Path) -> None:
    path = write_recording(tmp_path / "s.jsonl")
    with path.open("a", encoding="utf-8") as stream:
        stream.write("not json at all\n[1,2]\n")
        stream.write('{"type":"snapshot","t":2.0,"snapsh')  # killed mid-write
    assert len(load_recording(path).records) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\n", "line 1 is not JSON"),
        ('{"type":"event"}\n', "no header"),
        ('{"type":"header","format":"replwatch-recording","version":99}\n', "version 99"),
    ],
)
def test_not_a_recording_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(RecordingError, match=message):
        load_recording(path)


def test_a_large_recording_is_indexed_not_held(tmp_path: Path) -> None:
    """A 177 MB recording took 680 MB to replay: now only where each record starts is
    kept, and a record is read again when it is shown."""
    import tracemalloc

    path = write_recording(tmp_path / "s.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for _ in range(3000):
            out.write("\n".join(body) + "\n")
    size = big.stat().st_size
    tracemalloc.start()
    try:
        recording = load_recording(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(recording.records) == 3000 * len(body)
    assert peak < size / 10, f"{peak} bytes held for a {size}-byte recording"
    assert recording.records[-1].data == json.loads(body[-1])["snapshot"]
    assert [r.kind for r in recording.records[:3]] == ["snapshot", "event", "event"]
