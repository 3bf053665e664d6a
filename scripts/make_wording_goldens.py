"""Write the golden ``.jsonl`` beside each ``tests/data/wordings/*.log``.

One JSON object per log line: line number, pid, level, kind and fields as the
shipped grammars parse it. Run it once after adding or changing a wording file,
then review the diff line by line (tests/grammar/test_wordings.py compares).

    .venv/bin/python scripts/make_wording_goldens.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # the package is being moved into folders; take whichever exists
    from replwatch.logs.files import parse_file
    from replwatch.logs.parser import load_default_parser
except ImportError:  # pragma: no cover
    from replwatch.parser import load_default_parser  # type: ignore[no-redef]

WORDINGS = ROOT / "tests" / "data" / "wordings"


def golden_rows(parser, log: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = []
    for ev in parse_file(parser, log, source=log.name, year=2026):
        rows.append(
            {
                "line": ev.line,
                "pid": ev.pid,
                "level": ev.level,
                "kind": ev.kind,
                "fields": ev.fields,
            }
        )
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as empty:
        parser = load_default_parser(user_dir=Path(empty))
        for log in sorted(WORDINGS.glob("*.log")):
            rows = golden_rows(parser, log)
            text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows)
            log.with_suffix(".jsonl").write_text(text, encoding="utf-8")
            print(f"{log.name}: {len(rows)} lines")


if __name__ == "__main__":
    main()
