"""What a user sees when the world around replwatch is broken: full disks, closed
streams, empty or malformed option values, broken compressed files.

Each case is one line naming the problem and a documented exit code, never a
traceback (issue 14, "Nothing frozen, no traceback").
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from replwatch.cli.errors import ExitCode

LINES = [
    "4356:M 25 Nov 2026 08:49:46.100 * Ready to accept connections tcp",
    "4356:M 25 Nov 2026 08:49:46.200 * Replica 127.0.0.1:10001 asks for synchronization",
    "4356:M 25 Nov 2026 08:49:46.300 * Full resync requested by replica 127.0.0.1:10001",
]


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replwatch", *args],
        capture_output=kwargs.pop("capture", True),  # type: ignore[arg-type]
        text=True,
        timeout=60,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "10000.log"
    path.write_text("\n".join(LINES) + "\n")
    return path


@pytest.mark.parametrize(
    "args",
    [["report"], ["parse"], ["parse", "--json"], ["parse", "--stats"]],
    ids=["report", "parse", "parse-json", "parse-stats"],
)
def test_a_full_disk_is_one_line_and_exit_1(args: list[str], log: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "replwatch", *args, str(log)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == ExitCode.FAILURE
    assert result.stderr.strip() == (
        "replwatch: error: cannot write the output: No space left on device"
    )


def test_closed_stdout_and_stdin_are_named(log: Path) -> None:
    closed_out = subprocess.run(
        [sys.executable, "-m", "replwatch", "parse", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        # the child starts with fd 1 closed, as after `>&-`
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert closed_out.returncode == ExitCode.FAILURE
    assert "standard output is closed" in closed_out.stderr
    assert "Traceback" not in closed_out.stderr

    closed_in = subprocess.run(
        [sys.executable, "-m", "replwatch", "parse", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: __import__("os").close(0),
    )
    assert closed_in.returncode == ExitCode.FAILURE
    assert "standard input is closed" in closed_in.stderr
    assert "Traceback" not in closed_in.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--ports", ""],
        ["status", "--nodes", ""],
        ["status", "--nodes", "a b:6379"],
        ["status", "--nodes", "db1\n:6379"],
        ["status", "--sentinel", ""],
        ["export", "--ports", ""],
        ["report", "--skew", "10000.log=nan", "LOG"],
        ["report", "--skew", "10000.log=1e400", "LOG"],
        ["parse", "--skew", "10000.log=inf", "LOG"],
        ["report", "--year", "99999", "LOG"],
        ["parse", "--year", "0", "LOG"],
        ["tail", "--year", "123456", "--no-follow", "LOG"],
    ],
)
def test_bad_values_are_usage_errors_not_a_silent_default(args: list[str], log: Path) -> None:
    """`--ports "$UNSET"` must not quietly poll 127.0.0.1:6379."""
    result = run([str(log) if a == "LOG" else a for a in args])
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert "6379" not in result.stdout


def _gzip_of(lines: list[str], times: int) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode() * times)


def test_a_truncated_gz_gives_its_lines_then_a_warning(log: Path, tmp_path: Path) -> None:
    whole = _gzip_of(LINES, 3000)
    cut = tmp_path / "10001.log.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    expected = subprocess.run(["zcat"], input=cut.read_bytes(), capture_output=True).stdout
    result = run(["parse", "--stats", str(cut)])
    assert result.returncode == ExitCode.FAILURE
    total = int(result.stdout.split("total")[1].split()[0])
    torn = 0 if expected.endswith(b"\n") else 1
    assert total == expected.count(b"\n") + torn  # every line zcat gives, the torn one too
    assert result.stderr.strip() == (
        f"replwatch: error: {cut}: truncated compressed data (the lines before the cut were read)"
    )


def test_one_broken_gz_does_not_abort_the_report(log: Path, tmp_path: Path) -> None:
    bad = tmp_path / "10001.log.gz"
    bad.write_bytes(_gzip_of(LINES, 10) + b"trailing junk")
    result = run(["report", str(log), str(bad)])
    assert result.returncode == ExitCode.FAILURE
    assert "replwatch report: 2 file(s)" in result.stdout
    assert f"{bad}: garbage after the compressed data" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_endless_grammar_file_is_refused_not_read_forever(log: Path) -> None:
    """`--grammar /dev/zero` used to grow without limit."""
    result = run(["parse", "--grammar", "/dev/zero", str(log)])
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert result.stderr.strip() == (
        "replwatch: error: /dev/zero: not a grammar file (larger than 1 MiB)"
    )


def test_a_binary_grammar_file_is_named(log: Path, tmp_path: Path) -> None:
    binary = tmp_path / "mine.grammar"
    binary.write_bytes(b"\xff\xfe rule x\n")
    result = run(["parse", "--grammar", str(binary), str(log)])
    assert result.returncode == ExitCode.USAGE
    assert f"{binary}: not a grammar file (not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr


def _without_root_reads() -> list[str]:
    """Root reads every directory: drop the capabilities that let it (util-linux's
    setpriv), so root is refused as a user would be."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): apt-get install util-linux")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("command", [["parse"], ["report"], ["tail", "--from-start"]])
def test_an_unreadable_grammar_directory_names_the_fix(
    command: list[str], log: Path, tmp_path: Path
) -> None:
    """As after `sudo -u`: the grammar directory is there but cannot be listed."""
    grammars = tmp_path / "grammars"
    grammars.mkdir()
    (grammars / "mine.grammar").write_text("")
    grammars.chmod(0)
    env = {**os.environ, "REPLWATCH_GRAMMAR_DIR": str(grammars)}
    try:
        result = subprocess.run(
            [*_without_root_reads(), sys.executable, "-m", "replwatch", *command, str(log)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    finally:
        grammars.chmod(0o700)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert result.stderr.strip() == (
        f"replwatch: error: {grammars}: cannot read the grammar directory (Permission denied);"
        " make it readable, or set REPLWATCH_GRAMMAR_DIR to another directory"
    )
