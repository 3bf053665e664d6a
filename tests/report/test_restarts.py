"""Restarts the report counts on every recording: exactly the ones the script made.

Valkey 7.2/8.0 write their first lines as a forked child ("C") before loading the
config; a first start must not read as a restart, or every node of every recording
gets a "restarted and a full resync followed" warning that never happened.
"""

from __future__ import annotations

import pytest

from tests.report.recordings import report_of
from tests.report.test_sample_logs import SAMPLES

#: node -> restarts the recording script made (steps.txt); absent scenarios: none.
RESTARTS = {"seed": {"10000": 1, "10002": 1}, "backlog-overflow": {"10002": 1}}
RECORDINGS = sorted(
    (folder.parent.name, folder.name)
    for folder in SAMPLES.glob("*/*")
    if folder.is_dir() and not folder.name.startswith("sentinel")
)


@pytest.mark.parametrize(("server", "scenario"), RECORDINGS)
def test_only_real_restarts_are_reported(server: str, scenario: str) -> None:
    report = report_of(server, scenario)
    restarts = {node.name: len(node.restarts) for node in report.nodes if node.restarts}
    assert restarts == RESTARTS.get(scenario, {})
    restart_findings = sorted(f.node for f in report.findings if f.code == "restart")
    assert restart_findings == sorted(RESTARTS.get(scenario, {}))
