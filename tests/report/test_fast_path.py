"""The report read the fast way (record_batches, as ``replwatch report`` reads files)
is the report built event by event (parse_file), on big generated logs."""

from __future__ import annotations

import gc
import itertools
from itertools import chain
from pathlib import Path

import pytest

from replwatch.logs.files import parse_file, record_batches
from replwatch.logs.parser import LogParser, load_default_parser
from replwatch.report import build_report
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
