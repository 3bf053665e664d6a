"""``replwatch tail`` as users run it: a subprocess following a file that grows."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from replwatch.cli import cli
from replwatch.cli.errors import ExitCode
from tests.follow.support import Tail

# A replica's full resync as Redis 7.0 writes it (the lab test checks real output).
REPLICA_SYNC = [
    "4242:S 25 Nov 2026 08:49:40.100 * Connecting to MASTER 127.0.0.1:10000",
    "4242:S 25 Nov 2026 08:49:40.100 * MASTER <-> REPLICA sync started",
    "4242:S 25 Nov 2026 08:49:40.101 * Non blocking connect for SYNC fired the event.",
    "4242:S 25 Nov 2026 08:49:40.101 * Master replied to PING, replication can continue...",
    "4242:S 25 Nov 2026 08:49:40.102 * Partial resynchronization not possible (no cached master)",
    "4242:S 25 Nov 2026 08:49:45.500 * Full resync from master: "
    "8ba1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3:0",
    "4242:S 25 Nov 2026 08:49:45.600 * MASTER <-> REPLICA sync: receiving 18 bytes from master "
    "to disk",
    "4242:S 25 Nov 2026 08:49:45.601 * MASTER <-> REPLICA sync: Flushing old data",
    "4242:S 25 Nov 2026 08:49:45.601 * MASTER <-> REPLICA sync: Loading DB in memory",
    "4242:S 25 Nov 2026 08:49:45.602 * MASTER <-> REPLICA sync: Finished with success",
]


def append(path: Path, *lines: str) -> None:
    with path.open("a") as f:
        f.write("".join(line + "\n" for line in lines))


def test_follows_new_lines_as_json_and_ctrl_c_exits_0(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    append(log, "old line that is not shown", REPLICA_SYNC[0])
    tail = Tail("--json", "-n", "1", str(log))
    first = json.loads(tail.wait_for(1)[0])  # the last line: tail is now following
    assert (first["kind"], first["line"], first["source"]) == ("master_connecting", 2, str(log))
    append(log, *REPLICA_SYNC[1:])
    events = [json.loads(line) for line in tail.wait_for(len(REPLICA_SYNC))]
    assert [e["line"] for e in events] == list(range(2, 2 + len(REPLICA_SYNC)))
    assert events[-1]["kind"] == "sync_finished"
    assert events[-1]["ts"] == "2026-11-25T08:49:45.602"
    # JSON mode is the contract's records only: no session summary lines.
    assert len(tail.lines) == len(REPLICA_SYNC)
    code, stderr = tail.interrupt()
    assert code == 0 and stderr == ""


def test_text_mode_prints_events_and_the_sync_summary(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    log.write_text("")
    tail = Tail(str(log))
    time.sleep(1.0)  # let it open the file at its (empty) end
    append(log, *REPLICA_SYNC)
    lines = tail.wait_for(len(REPLICA_SYNC) + 1)
    assert "\x1b[" not in "".join(lines)  # not a terminal: no colour codes
    assert lines[-1].startswith("== sync: ")
    assert "full resync: 18 B from 10000" in lines[-1]
    assert "Finished with success" in lines[-2] or "sync_finished" in lines[-2]
    code, _ = tail.interrupt()
    assert code == 0


def test_kind_filter_and_from_start(tmp_path: Path) -> None:
    log = tmp_path / "10001.log"
    append(log, *REPLICA_SYNC)
    tail = Tail("--json", "--from-start", "--kind", "sync_started,sync_finished", str(log))
    time.sleep(0.5)
    events = [json.loads(line) for line in tail.wait_for(2)]
    time.sleep(0.5)
    assert [e["kind"] for e in events] == ["sync_started", "sync_finished"]
    assert len(tail.lines) == 2
    tail.interrupt()


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    """``replwatch tail --from-start X | head -1``: once head is gone, exit quietly."""
    log = tmp_path / "10001.log"
    append(log, *REPLICA_SYNC)
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "tail", "--json", "--from-start", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # head -1 reads a line ...
    proc.stdout.close()  # ... and exits
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        append(log, REPLICA_SYNC[0])  # the next write finds the pipe closed
        time.sleep(0.2)
    assert proc.wait(timeout=5) == 0
    assert proc.stderr.read() == b""


def test_missing_file_is_waited_for(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    tail = Tail("--json", str(log))
    warning = tail.wait_for(1, stderr=True)[0]
    assert warning == f"replwatch: warning: {log} does not exist yet; waiting for it"
    append(log, REPLICA_SYNC[0])
    assert json.loads(tail.wait_for(1)[0])["line"] == 1
    code, stderr = tail.interrupt()
    assert code == 0
    assert stderr == warning


def test_usage_error_for_contradicting_starts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["tail", "-n", "5", "--from-start", str(tmp_path / "x")])
    assert result.exit_code == ExitCode.USAGE
    assert "cannot be used together" in result.output


def test_tail_is_in_the_help() -> None:
    result = CliRunner().invoke(cli, ["tail", "--help"])
    assert result.exit_code == 0
    for option in ("--json", "--lines", "--from-start", "--kind", "--poll", "--year", "--exec",
                   "--docker", "--kubectl", "--journal"):  # fmt: skip
        assert option in result.output
    assert "[PATH]..." in result.output and "--exec" in result.output


# The top of the ASCII-art logo Redis 2.8/3.2 write, headerless, at every start.
LOGO = [
    "                _._                                                  ",
    "           _.-``__ ''-._                                             ",
    "      _.-``    `.  `_.  ''-._           Redis 3.2.13 (00000000/0) 64 bit",
]


def test_logo_lines_recede_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal a malformed row (the logo) is dim as a whole; events keep colour."""
    log = tmp_path / "10000.log"
    append(log, *LOGO, REPLICA_SYNC[0])
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "tail", "--from-start", str(log)],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**env, "COLUMNS": "160"},
    )
    os.close(follower)
    output = b""
    try:
        deadline = time.monotonic() + 20
        while output.count(b"\n") < len(LOGO) + 1 and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.2)[0]:
                output += os.read(leader, 65536)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        os.close(leader)
    rows = output.decode().replace("\r\n", "\n").splitlines()
    assert len(rows) == len(LOGO) + 1, rows
    dim, reset = "\x1b[2m", "\x1b[0m"
    for row, logo in zip(rows, LOGO, strict=False):
        assert row.startswith(dim) and row.endswith(reset), repr(row)
        assert row.count("\x1b[") == 2, repr(row)  # one dim span, nothing brighter inside
        assert "malformed" in row and logo.strip() in row
    event = rows[-1]
    assert "master_connecting" in event and "\x1b[32m" in event  # an event keeps its colour
    assert event.count("\x1b[") > 2  # ... column by column, not dimmed as a whole
