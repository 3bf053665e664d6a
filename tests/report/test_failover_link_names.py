"""Link names after a failover, for each log alone and all of them together.

After a failover the old master follows the promoted replica. Its own log names
that master only by address, and it owned (and asks a partial resync with) the very
replication id the promoted node now keeps as its secondary one: the report must not
take that id for the old master itself and print ``10000 -> 10000``. Links read
master first, as everywhere (``10001 -> 10000``: 10000 follows the promoted 10001). Which node was
the master and which was promoted is read from the recording's ``steps.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replwatch.report.render_text import render_text
from tests.report.test_sample_logs import SAMPLES, analyse

FAILOVERS = sorted(
    folder
    for scenario in ("failover-replicaof-no-one", "failover-command")
    for folder in SAMPLES.glob(f"*/{scenario}")
    if folder.is_dir()
)
CASES = [
    pytest.param(folder, logs, id=f"{folder.parent.name}-{folder.name}-{label}")
    for folder in FAILOVERS
    for logs, label in [
        *((tuple([log.name]), log.stem) for log in sorted(folder.glob("*.log"))),
        (tuple(sorted(log.name for log in folder.glob("*.log"))), "all"),
    ]
]


def roles_from_steps(folder: Path) -> tuple[str, str]:
    """``(old master, promoted node)`` as the recording script wrote them down."""
    steps = (folder / "steps.txt").read_text()
    old = re.search(r"initial roles: (\d+) master", steps)
    promoted = re.search(r"(?:REPLICAOF|SLAVEOF) NO ONE on (\d+)", steps) or re.search(
        r"FAILOVER TO \S+ (\d+)", steps
    )
    assert old and promoted, f"steps.txt of {folder} names no failover"
    return old.group(1), promoted.group(1)


@pytest.mark.parametrize(("folder", "logs"), CASES)
def test_no_link_joins_a_node_to_itself(folder: Path, logs: tuple[str, ...]) -> None:
    report = analyse([folder / name for name in logs])
    old, promoted = roles_from_steps(folder)
    titles = [link.title for link in report.links]
    assert all(link.replica != link.master for link in report.links), titles
    # the old master's link (told by its own log or the promoted node's) points at
    # the promoted node, by name, not by an address nor itself
    demoted = [link for link in report.links if link.replica == old]
    if old in {Path(n).stem for n in logs} or promoted in {Path(n).stem for n in logs}:
        assert demoted, titles
    assert {link.master for link in demoted} <= {promoted}, titles
    if old in {Path(n).stem for n in logs}:
        assert f"Link {promoted} -> {old} " in render_text(report)
