"""``--record`` files are the owner's alone, whatever the umask or an old file's mode."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from replwatch.recording import RecordingHeader, RecordingWriter


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_recording_is_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    target = tmp_path / "session.jsonl"
    code = (
        "import os, sys\n"
        "os.umask(0)\n"
        "from replwatch.recording import RecordingHeader, RecordingWriter\n"
        "w = RecordingWriter.create(sys.argv[1], RecordingHeader(started='now', interval=1.0))\n"
        "w.close()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], check=True, timeout=60)
    assert _mode(target) == 0o600
    assert target.read_text().startswith('{"type":"header"')


def test_an_existing_world_readable_file_is_made_private(tmp_path: Path) -> None:
    target = tmp_path / "session.jsonl"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    with RecordingWriter.create(target, RecordingHeader(started="now", interval=1.0)):
        pass
    assert _mode(target) == 0o600
    assert "old" not in target.read_text()
