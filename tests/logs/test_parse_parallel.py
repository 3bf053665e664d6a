"""The two-process ``parse --json`` writes exactly what one process writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from replwatch.logs.files import json_records
from replwatch.logs.parallel import can_split, write_json_two_processes
from replwatch.logs.parser import LogParser
from replwatch.logs.read import MAX_LINE

LINES = [
    "4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 127.0.0.1:10000",
    "4357:S 25 Nov 2026 08:49:46.136 * MASTER <-> REPLICA sync started",
    "garbage \xff line",
    "4347:M 25 Nov 08:46:38.123 * DB saved on disk",
    "4357:M 25 Nov 2026 08:49:47.001 * Replica 127.0.0.1:10002 asks for synchronization",
    "4357:M 25 Nov 2026 08:49:47.002 * something unknown",
]


def _make(path: Path, repeat: int, *, huge_line: bool = False, torn: bool = True) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(repeat):
            f.write("\n".join(LINES) + "\n")
            if huge_line and i == repeat // 2:
                f.write("4357:S 25 Nov 2026 08:49:46.135 * " + "x" * (3 * MAX_LINE) + "\n")
        if torn:
            f.write("4357:S 25 Nov 2026 08:49:48.000 * MASTER <-> REPL")
    return path


def _one_process(parser: LogParser, path: Path) -> bytes:
    text = "".join(t + "\n" for _, _, t in json_records(parser, path, year=2026))
    return text.encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("segment_bytes", [1, 100, 4096, 1 << 20])
def test_same_bytes_as_one_process(parser: LogParser, tmp_path: Path, segment_bytes: int) -> None:
    path = _make(tmp_path / "x.log", 400, huge_line=True)
    out = tmp_path / "out.json"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        write_json_two_processes(
            parser, str(path), year=2026, out_fd=fd, segment_bytes=segment_bytes
        )
    finally:
        os.close(fd)
    assert out.read_bytes() == _one_process(parser, path)


def test_can_split_only_big_plain_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _make(tmp_path / "x.log", 10)
    assert can_split(str(path), min_bytes=10) is ((os.cpu_count() or 1) >= 2)
    assert not can_split(str(path), min_bytes=1 << 30)
    assert not can_split("-", min_bytes=0)
    assert not can_split(str(tmp_path), min_bytes=0)
    monkeypatch.setenv("REPLWATCH_PARSE_WORKERS", "1")
    assert not can_split(str(path), min_bytes=0)


def test_cli_uses_two_processes_and_ends_quietly_on_head(tmp_path: Path) -> None:
    path = _make(tmp_path / "x.log", 3000)
    env = {**os.environ, "REPLWATCH_PARALLEL_MIN_BYTES": "1", "REPLWATCH_PARSE_WORKERS": "2"}
    cmd = [sys.executable, "-m", "replwatch", "parse", "--json", "--year", "2026", str(path)]
    full = subprocess.run(cmd, capture_output=True, env=env, timeout=60, check=True)
    one = subprocess.run(
        cmd, capture_output=True, env={**env, "REPLWATCH_PARSE_WORKERS": "1"}, timeout=60
    )
    assert full.stdout == one.stdout and full.stderr == b""
    assert full.stdout.count(b"\n") == 3000 * len(LINES) + 1
    shell = f"{' '.join(cmd)} | head -3"
    piped = subprocess.run(shell, shell=True, capture_output=True, env=env, timeout=60)
    assert piped.stdout.count(b"\n") == 3 and piped.stderr == b""


def _make_cri(path: Path, repeat: int) -> Path:
    """A kubelet file: both streams, long lines cut into ``P`` parts, some parts of
    one stream waiting while the other stream writes, a message that holds
    ``stdout P`` itself, and a last partial line never completed."""
    ts = "2026-11-25T08:49:46.123456789Z"
    lines = []
    for i in range(repeat):
        line = LINES[i % len(LINES)]
        if i % 7 == 0:
            lines += [f"{ts} stdout P {line[:20]}", f"{ts} stderr F {LINES[1]}",
                      f"{ts} stdout P {line[20:30]}", f"{ts} stdout F {line[30:]}"]  # fmt: skip
        elif i % 11 == 0:
            lines.append(f"{ts} stderr F {line} said stdout P here")
        else:
            lines.append(f"{ts} stdout F {line}")
    lines.append(f"{ts} stderr P 4357:S 25 Nov 2026 08:49:49.000 * never ends")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("segment_bytes", [1, 100, 4096])
def test_cri_partial_lines_meet_in_one_process(
    parser: LogParser, tmp_path: Path, segment_bytes: int
) -> None:
    path = _make_cri(tmp_path / "0.log", 3000)
    assert can_split(str(path), min_bytes=10) is ((os.cpu_count() or 1) >= 2)
    out = tmp_path / "out.json"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        write_json_two_processes(
            parser, str(path), year=2026, out_fd=fd, segment_bytes=segment_bytes
        )
    finally:
        os.close(fd)
    written = out.read_bytes()
    assert written == _one_process(parser, path)
    lines = path.read_bytes().count(b"\n")
    assert written.count(b"\n") == lines - 2 * (3000 // 7 + 1)  # two parts joined per cut line
