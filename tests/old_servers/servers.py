"""The old server builds these opt-in tests run against.

No registry ships Redis 2.8-6.2 or Valkey 7.2/8.0 binaries, so these tests run only
where someone has built them: ``REPLWATCH_OLD_SERVERS_DIR`` names a directory with one
sub-directory per build (``redis-2.8.24/redis-server``, ``valkey-8.0.1/valkey-server``).
Without it, ``tests/conftest.py`` does not collect this folder at all (so the default
suite has no skipped tests); CI checks these versions through the logs recorded from
them (``sample_logs/`` and ``tests/golden/``) instead. With it, an empty directory is
an error, not a silent pass.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "REPLWATCH_OLD_SERVERS_DIR"


def old_server_binaries() -> list[Path]:
    """Every ``*/redis-server`` and ``*/valkey-server`` under the directory, sorted."""
    root = os.environ.get(ENV)
    if not root:
        return []
    found = sorted(
        path
        for pattern in ("*/redis-server", "*/valkey-server")
        for path in Path(root).glob(pattern)
    )
    if not found:
        raise RuntimeError(f"{ENV}={root} holds no <name>/redis-server or <name>/valkey-server")
    return found
