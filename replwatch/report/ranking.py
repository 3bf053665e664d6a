"""Order findings by how likely each one caused the rest.

An operator reads the first finding first. A refused password or a full disk is
written in one error line and explains every failed sync after it; a link that was
down, or a full resync, is what such a cause looks like from outside. So each
finding code has a rank: 0 for causes that sit in one error line, 1 for settings
that the logs show were exceeded, 2 for causes the logs only suggest, 3 for events
with consequences (failovers, restarts, resync loops), 4 for what an outage looked
like. Within a rank, warnings go before information, the earliest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from replwatch.report.context import WARNING
from replwatch.report.model import Finding

RANKS: dict[str, int] = {
    # the error line says it
    "masterauth": 0,
    "acl-masteruser": 0,
    "requirepass": 0,
    "replica-disk-full": 0,
    "replica-dir-permission": 0,
    "replica-rdb-missing": 0,
    "rdb-version": 0,
    "fork-failed": 0,
    "master-disk": 0,
    "sentinel-duplicate-id": 0,
    # a limit was exceeded
    "client-output-buffer-limit": 1,
    "repl-timeout": 1,
    "repl-timeout-loading": 1,
    "repl-timeout-transfer": 1,
    "repl-timeout-connect": 1,
    "sentinel-quorum": 1,
    "sentinel-announce-ip": 1,
    "split-brain": 1,
    # suggested by what the logs show
    "repl-backlog-size": 2,
    "master-unreachable": 2,
    "master-history-changed": 2,
    "sync-transfer": 2,
    "periodic-bgsave": 2,
    "sentinel-flapping": 2,
    # events with consequences
    "failover": 3,
    "restart": 3,
    "full-sync-loop": 3,
    "bgsave-child-killed": 3,
    # what it looked like
    "role-change": 4,
    "link-down": 4,
    "client-output-buffer-other": 4,
}
#: Codes below this rank are causes; the summary names the first as the root cause.
CAUSE_RANK = 3


def ranked(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with their rank set from :data:`RANKS`, most likely cause first."""
    out = [replace(f, rank=RANKS.get(f.code, f.rank)) for f in findings]
    return sorted(
        out,
        key=lambda f: (f.rank, f.severity != WARNING, f.ts or "", f.code, f.node or ""),
    )
