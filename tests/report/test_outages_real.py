"""Outages on every recording: only breaks nobody asked for count.

Two stories used to read as outages: ``REPLICAOF NO ONE`` then ``REPLICAOF`` back
(the replica logs ``Connection with master lost`` just before ``MASTER MODE enabled``)
and the end of a recording, where the master is stopped first and its replicas log
the lost link just before they are stopped too.
"""

from __future__ import annotations

import pytest

from tests.report.recordings import report_of
from tests.report.test_sample_logs import SAMPLES, SERVERS

RECORDINGS = sorted(
    (folder.parent.name, folder.name) for folder in SAMPLES.glob("*/*") if folder.is_dir()
)


@pytest.mark.parametrize(("server", "scenario"), RECORDINGS)
def test_the_recordings_teardown_is_no_outage(server: str, scenario: str) -> None:
    report = report_of(server, scenario)
    for link in report.links:
        assert all(o.end_ts is not None for o in link.outages), (link.title, link.outages)


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", ["diskless", "disk-based"])
def test_replicaof_no_one_and_back_is_no_outage(server: str, scenario: str) -> None:
    report = report_of(server, scenario)
    assert not [f.title for f in report.findings if f.code == "link-down"]
    promoted = {f.node for f in report.findings if f.code == "role-change"}
    assert promoted == {"10001", "10002"}


@pytest.mark.parametrize("server", SERVERS)
def test_seed_outages_are_the_master_kill_and_the_replica_kill(server: str) -> None:
    report = report_of(server, "seed")
    counts = {link.replica: len(link.outages) for link in report.links}
    assert counts == {"10001": 1, "10002": 2}
