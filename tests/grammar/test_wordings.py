"""Wordings of Redis 2.2-2.6, the newest Redis/Valkey lines, cluster mode and pasted
quirks (``tests/data/wordings/*.log``, sources in ``SOURCES.md``): every line gets the
kind and fields recorded in the reviewed golden ``.jsonl`` beside it, and none is
``unrecognized`` or ``malformed``.

Regenerate the goldens with ``scripts/make_wording_goldens.py`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:  # the package is being moved into folders; take whichever exists
    from replwatch.logs.files import parse_file
    from replwatch.logs.parser import LogParser, load_default_parser
except ImportError:  # pragma: no cover
    from replwatch.parser import LogParser, load_default_parser  # type: ignore[no-redef]

WORDINGS = Path(__file__).resolve().parents[1] / "data" / "wordings"
LOGS = sorted(WORDINGS.glob("*.log"))


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> LogParser:
    return load_default_parser(user_dir=tmp_path_factory.mktemp("no-user-grammars"))


def test_every_log_has_a_golden_and_a_source() -> None:
    sources = (WORDINGS / "SOURCES.md").read_text(encoding="utf-8")
    assert LOGS
    for log in LOGS:
        assert log.with_suffix(".jsonl").exists(), log.name
        assert f"`{log.name}`" in sources, f"{log.name} not described in SOURCES.md"


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_wording_file_matches_golden(parser: LogParser, log: Path) -> None:
    golden = [json.loads(x) for x in log.with_suffix(".jsonl").read_text().splitlines() if x]
    events = list(parse_file(parser, log, source=log.name, year=2026))
    assert len(events) == len(golden) == len(log.read_text().splitlines())
    for ev, want in zip(events, golden, strict=True):
        got = {
            "line": ev.line,
            "pid": ev.pid,
            "level": ev.level,
            "kind": ev.kind,
            "fields": ev.fields,
        }
        assert got == want, f"{log.name}:{ev.line}: {ev.message}"
        assert ev.kind not in ("unrecognized", "malformed"), f"{log.name}:{ev.line}: {ev.message}"
        assert ev.ts is not None and ev.ts.startswith("2026-11-25T")
