"""The report read the fast way (record_batches, as ``replwatch report`` reads files)
is the report built event by event (parse_file), on big generated logs."""

from __future__ import annotations

import gc
import gzip
import itertools
import os
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

import pytest
from click.testing import CliRunner

from replwatch.cli.errors import ExitCode
from replwatch.cli.report_cmd import report as report_command
from replwatch.events import AnyEvent
from replwatch.logs.files import parse_file, record_batches
from replwatch.logs.parser import LogParser, load_default_parser
from replwatch.report import build_report, parallel
from replwatch.report.parallel import OpenStreams, build_report_twice_read, plain_sizes
from replwatch.report.render_json import render_json
from replwatch.report.render_text import render_text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> LogParser:
    return load_default_parser(user_dir=tmp_path_factory.mktemp("no-user-grammars"))


def _lines() -> list[str]:
    """Every line of every recording, in a fixed order (headers of all dialects,
    Sentinel logs, banners)."""
    lines: list[str] = []
    for path in sorted(SAMPLES.glob("**/*.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


def _write(path: Path, lines: list[str], count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for line in itertools.islice(itertools.cycle(lines), count):
            out.write(line + "\n")
    return path


def _both(parser: LogParser, files: list[Path], **options: object) -> tuple[str, str]:
    names = [str(f) for f in files]
    slow = build_report(
        [parse_file(parser, n, source=n, year=2026) for n in names], files=names, **options
    )  # type: ignore[arg-type]
    fast = build_report(
        [chain.from_iterable(record_batches(parser, n, source=n, year=2026)) for n in names],
        files=names,
        **options,  # type: ignore[arg-type]
    )
    return (
        render_text(slow) + render_json(slow),
        render_text(fast) + render_json(fast),
    )


def test_big_generated_log_reports_alike(parser: LogParser, tmp_path: Path) -> None:
    """80,000 lines cycled from every recording: sessions folded and dropped, links
    with thousands of intervals, restarts, failovers; the same report both ways."""
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    path = _write(tmp_path / "big.log", _lines(), 80_000)
    slow, fast = _both(parser, [path])
    assert fast == slow
    assert "80000 lines" in fast


def test_generated_logs_merged_report_alike(parser: LogParser, tmp_path: Path) -> None:
    """Three generated logs merged (and a clock offset), both ways alike."""
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    lines = _lines()
    files = [
        _write(tmp_path / f"{port}.log", lines[i * 997 :] + lines[: i * 997], 15_000)
        for i, port in enumerate(("10000", "10001", "10002"))
    ]
    slow, fast = _both(parser, files, clock_offsets={str(files[1]): -1.5})
    assert fast == slow


def test_the_analysis_makes_no_reference_cycles(parser: LogParser, tmp_path: Path) -> None:
    """``replwatch report`` turns the cyclic garbage collector off while it reads
    (it would walk what the report keeps again and again): nothing may leak."""
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    path = str(_write(tmp_path / "big.log", _lines(), 30_000))
    gc.collect()
    gc.disable()
    try:
        report = build_report([chain.from_iterable(record_batches(parser, path, source=path))])
        render_text(report)
        del report
        assert gc.collect() == 0  # (render_json's json.dumps(indent=2) makes one, once)
    finally:
        gc.enable()


def _open(parser: LogParser, names: list[str]) -> OpenStreams:
    def open_streams(quiet: bool) -> list[Iterable[AnyEvent]]:
        return [chain.from_iterable(record_batches(parser, n, source=n, year=2026)) for n in names]

    return open_streams


def test_two_processes_report_alike(parser: LogParser, tmp_path: Path) -> None:
    """report/parallel.py: this process reads the sessions part, a forked child the
    links part; the report is the one-process one."""
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    lines = _lines()
    names = [str(_write(tmp_path / "a.log", lines, 40_000))]
    names.append(str(_write(tmp_path / "b.log", lines[5000:] + lines[:5000], 9_000)))
    open_streams = _open(parser, names)
    once = build_report(open_streams(False), files=names, clock_offsets={names[1]: 2.0})
    twice = build_report_twice_read(open_streams, files=names, clock_offsets={names[1]: 2.0})
    assert render_text(twice) + render_json(twice) == render_text(once) + render_json(once)


def test_a_failing_child_leaves_its_part_to_this_process(
    parser: LogParser, tmp_path: Path
) -> None:
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    names = [str(_write(tmp_path / "a.log", _lines(), 12_000))]
    parent = os.getpid()
    reads = _open(parser, names)

    def open_streams(quiet: bool) -> list[Iterable[AnyEvent]]:
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        return reads(quiet)

    once = build_report(reads(False), files=names)
    twice = build_report_twice_read(open_streams, files=names)
    assert render_text(twice) == render_text(once)


def test_which_logs_two_processes_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "small.log"
    small.write_text("x\n" * 100)
    big = tmp_path / "big.log"
    big.write_bytes(b"y" * 4096)
    packed = tmp_path / "old.log.gz"
    packed.write_bytes(gzip.compress(b"z\n" * 10))
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert plain_sizes([str(small)], min_bytes=4096) is None  # too small
    assert plain_sizes([str(small), str(big)], min_bytes=4096) == {
        str(small): 200,
        str(big): 4096,
    }
    # a gzip file is read whole (its size says nothing of what it holds)
    assert plain_sizes([str(big), str(packed)], min_bytes=4096) == {str(big): 4096}
    assert plain_sizes(["-", str(big)], min_bytes=1) is None  # stdin is read once
    monkeypatch.setenv("REPLWATCH_PARSE_WORKERS", "1")
    assert plain_sizes([str(big)], min_bytes=1) is None


def test_the_cli_on_two_processes_warns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``replwatch report`` of logs read by two processes: the one-process output,
    and a broken .gz named in one warning (the child reads quietly)."""
    if not SAMPLES.is_dir():
        pytest.skip("no sample_logs")
    log = _write(tmp_path / "10000.log", _lines(), 20_000)
    bad = tmp_path / "10001.log.gz"
    bad.write_bytes(gzip.compress(log.read_bytes()[:200_000]) + b"trailing junk")
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    assert parallel.plain_sizes([str(log), str(bad)]) == {str(log): log.stat().st_size}
    twice = CliRunner().invoke(report_command, [str(log), str(bad), "--json"])
    monkeypatch.setenv("REPLWATCH_PARSE_WORKERS", "1")
    once = CliRunner().invoke(report_command, [str(log), str(bad), "--json"])
    assert twice.exit_code == once.exit_code == ExitCode.FAILURE
    assert twice.stdout == once.stdout
    assert twice.stderr == once.stderr
    assert twice.stderr.count("garbage after the compressed data") == 1
