"""``replwatch parse`` as a user runs it: in-process with CliRunner, and once as a pipe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from replwatch.cli.errors import ExitCode
from replwatch.cli.parse_cmd import parse
from replwatch.events import Event

MASTER = [
    "4356:M 25 Nov 2026 08:49:46.100 * Ready to accept connections tcp",
    "4356:M 25 Nov 2026 08:49:46.200 * Replica 127.0.0.1:10001 asks for synchronization",
    "4356:M 25 Nov 2026 08:49:46.300 * Full resync requested by replica 127.0.0.1:10001",
    "                _._                                                  ",
    "4356:M 25 Nov 2026 08:49:47.000 # Connection with replica 127.0.0.1:10001 lost.",
]
REPLICA = [
    "4357:S 25 Nov 2026 08:49:46.150 * Connecting to MASTER 127.0.0.1:10000",
    "4357:S 25 Nov 2026 08:49:46.300 * Full resync from master: "
    "8ba1c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3:1",
    "4357:S 25 Nov 2026 08:49:46.900 * hello unknown message",
]


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("REPLWATCH_GRAMMAR_DIR", str(tmp_path / "no-user-grammars"))
    master = tmp_path / "10000.log"
    replica = tmp_path / "10001.log"
    master.write_text("\n".join(MASTER) + "\n")
    replica.write_text("\n".join(REPLICA) + "\n")
    return master, replica


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(parse, list(args), input=input)


def test_json_merges_files_by_time_and_matches_to_json(logs: tuple[Path, Path]) -> None:
    master, replica = logs
    result = run("--json", str(master), str(replica))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["source"], r["line"]) for r in records] == [
        (str(master), 1), (str(replica), 1), (str(master), 2), (str(master), 3),
        (str(master), 4), (str(replica), 2), (str(replica), 3), (str(master), 5),
    ]  # fmt: skip
    for line in result.output.splitlines():
        assert Event.from_json(line).to_json() == line


def test_text_output_is_plain_columns_when_piped(logs: tuple[Path, Path]) -> None:
    master, replica = logs
    result = run(str(master), str(replica))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "\x1b[" not in result.output
    assert lines[1].split()[:5] == [
        "11-25",
        "08:49:46.150",
        "10001",
        "replica",
        "master_connecting",
    ]
    assert "peer=127.0.0.1:10000" in lines[1]
    assert "replid=8ba1c4f3…" in lines[5]


def test_kind_since_until_filters(logs: tuple[Path, Path]) -> None:
    master, replica = logs
    result = run(
        "--json", "--kind", "full_resync_requested,full_resync_started", str(master), str(replica)
    )
    kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
    assert kinds == ["full_resync_requested", "full_resync_started"]
    since, until = "2026-11-25T08:49:46.250", "2026-11-25 08:49:46.900"
    result = run("--json", "--since", since, "--until", until, str(master), str(replica))
    times = [json.loads(line)["ts"] for line in result.output.splitlines()]
    assert min(t for t in times if t) >= "2026-11-25T08:49:46.300"
    assert max(t for t in times if t) <= "2026-11-25T08:49:46.900"
    assert len(times) == 4  # includes the malformed banner line between them


def test_stats_counts_and_shares(logs: tuple[Path, Path]) -> None:
    master, replica = logs
    result = run("--stats", str(master), str(replica))
    assert result.exit_code == 0
    counts = dict(line.split() for line in result.output.splitlines() if "share" not in line)
    assert counts["total"] == "8"
    assert counts["replica_sync_request"] == "1" and counts["malformed"] == "1"
    assert "unrecognized share: 12.50%" in result.output
    assert "malformed share: 12.50%" in result.output


def test_unreadable_file_is_one_error_line_and_exit_1(
    logs: tuple[Path, Path], tmp_path: Path
) -> None:
    master, _ = logs
    result = run("--json", str(tmp_path / "missing.log"), str(tmp_path), str(master))
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == len(MASTER) + 2  # events + two error lines
    assert "missing.log: No such file or directory" in result.output
    assert "Is a directory" in result.output
    assert "Traceback" not in result.output


def test_usage_errors_exit_3(logs: tuple[Path, Path], tmp_path: Path) -> None:
    master, _ = logs
    assert run("--since", "yesterday", str(master)).exit_code == ExitCode.USAGE
    assert run().exit_code == ExitCode.USAGE
    bad = tmp_path / "bad.grammar"
    bad.write_text('rule x\n  match "a {b:nope}"\n')
    result = run("--grammar", str(bad), str(master))
    assert result.exit_code == ExitCode.USAGE
    assert "bad.grammar:2: rule x: unknown type 'nope'" in result.output


def test_a_misspelt_kind_is_a_usage_error_with_suggestions(logs: tuple[Path, Path]) -> None:
    master, _ = logs
    result = run("--kind", "psync_rejectd", str(master))
    assert result.exit_code == ExitCode.USAGE
    assert "'psync_rejectd' is not a kind" in result.output and "psync_rejected" in result.output
    assert run("--kind", "psync_rejected,link_down", str(master)).exit_code == 0


def test_a_users_own_kind_is_accepted(logs: tuple[Path, Path], tmp_path: Path) -> None:
    master, _ = logs
    extra = tmp_path / "mine.grammar"
    extra.write_text('rule my_kind\n  match "hello {what:rest}"\n  sample "hello x" what=x\n')
    assert run("--grammar", str(extra), "--kind", "my_kind", str(master)).exit_code == 0


def test_skew_moves_one_files_clock_in_order_and_output(tmp_path: Path) -> None:
    ahead = tmp_path / "ahead.log"
    ahead.write_text("1:M 25 Nov 2026 08:00:05.000 * Ready to accept connections\n")
    right = tmp_path / "right.log"
    right.write_text("2:S 25 Nov 2026 08:00:03.000 * Connecting to MASTER 127.0.0.1:10000\n")
    result = run("--json", "--skew", f"{ahead}=-4", str(right), str(ahead))
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    assert [(e["source"], e["ts"]) for e in events] == [
        (str(ahead), "2026-11-25T08:00:01.000"),
        (str(right), "2026-11-25T08:00:03.000"),
    ]
    assert run("--skew", "nonsense", str(right)).exit_code == ExitCode.USAGE


def test_stdin_with_year_and_user_grammar(logs: tuple[Path, Path], tmp_path: Path) -> None:
    extra = tmp_path / "mine.grammar"
    extra.write_text('rule greeting\n  match "hello {what:rest}"\n  sample "hello x" what=x\n')
    text = "4347:M 25 Nov 08:46:38.123 * hello unknown message\n"
    result = run("--json", "--year", "2017", "--grammar", str(extra), "-", input=text)
    record = json.loads(result.output)
    assert (record["ts"], record["kind"], record["fields"]) == (
        "2017-11-25T08:46:38.123", "greeting", {"what": "unknown message"},
    )  # fmt: skip
    assert record["source"] == "-"


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text("\n".join(MASTER * 20000) + "\n")
    pipeline = subprocess.run(
        f"{sys.executable} -m replwatch parse {path} | head -1",
        shell=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert pipeline.stdout.count("\n") == 1
    assert pipeline.stderr == ""


def test_stdin_events_come_out_as_the_lines_come_in() -> None:
    """``tail -f x.log | replwatch parse -``: each event is printed before the next line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "parse", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    for line, kind in ((MASTER[1], b"replica_sync_request"), (MASTER[2], b"full_resync_requested")):
        proc.stdin.write((line + "\n").encode())
        proc.stdin.flush()
        assert kind in proc.stdout.readline()
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_ctrl_c_exits_130_quietly() -> None:
    """Waiting on stdin, a Ctrl-C (SIGINT to the process group) ends with 130, no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "parse", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None
    proc.stdin.write((MASTER[0] + "\n").encode())
    proc.stdin.flush()
    assert proc.stdout is not None
    # the first event printed means it started and now blocks on stdin (a fixed sleep
    # could fire the signal while Python is still importing, under load)
    assert b"server_ready" in proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"error" not in err


def test_ctrl_c_on_the_two_process_path_exits_130_quietly(tmp_path: Path) -> None:
    """``--json`` of one big file runs on two processes; Ctrl-C still ends both quietly."""
    big = tmp_path / "big.log"
    big.write_text("\n".join(MASTER[:3] * 20000) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "parse", "--json", str(big)],
        stdout=subprocess.PIPE,  # not read yet: both processes block on a full pipe
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "REPLWATCH_PARALLEL_MIN_BYTES": "1000"},
    )
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == b""
