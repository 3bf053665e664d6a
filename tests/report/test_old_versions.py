"""`replwatch report` on every recorded version, old ones included (Redis 2.8-5.0).

Old servers log differently: Redis 2.8 headers carry no role letter, before 4.0 a
restarted replica can never resync partially, 2.8-5.0 diskless masters log an extra
"correctly received the streamed RDB file" line. Each test reads what an operator
would read in the report of a real recording and fails on the wrong story.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replwatch.report.render_text import render_text
from tests.report.recordings import report_of
from tests.report.test_sample_logs import SERVERS, analyse, psync_after_restart, recording

SCENARIOS_WITH_INITIAL_ROLES = ("seed", "auth-missing", "auth-wrong", "psync-client-kill",
                                "backlog-overflow")  # fmt: skip


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", SCENARIOS_WITH_INITIAL_ROLES)
def test_nodes_section_names_every_role(server: str, scenario: str) -> None:
    """Redis 2.8 headers have no role letter: the role comes from what the node logged."""
    report = report_of(server, scenario)
    roles = {node.name: node.roles for node in report.nodes}
    assert roles == {"10000": ("master",), "10001": ("replica",), "10002": ("replica",)}
    nodes_section = render_text(report).split("\n\n")[1]
    assert "?" not in nodes_section, nodes_section


def restart_of(report, node: str):
    found = [f for f in report.findings if f.code == "restart" and f.node == node]
    assert len(found) == 1, [f.title for f in report.findings]
    return found[0]


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", ["seed", "backlog-overflow"])
def test_restarted_replica_advice_knows_psync2(server: str, scenario: str) -> None:
    """Before Redis 4.0 no backlog helps a restarted replica: the advice must say so."""
    report = report_of(server, scenario)
    finding = restart_of(report, "10002")
    if not psync_after_restart(server):
        assert "full resync followed" in finding.title
        assert "Before Redis 4.0" in finding.explanation and "PSYNC2" in finding.explanation
        assert "repl-backlog-size" not in finding.explanation
        assert finding.setting != "repl-backlog-size"
    elif scenario == "seed":  # killed, it resumed from its RDB's replication info
        assert "10002 resynced partially" in finding.explanation
        assert "PSYNC2" in finding.explanation and "Before Redis 4.0" not in finding.explanation
    else:  # its saved offset had left the 16 KB backlog
        assert "10002 resynced fully" in finding.explanation
        assert finding.setting == "repl-backlog-size"


def test_version_from_a_header_without_role_letters(tmp_path: Path) -> None:
    """A Redis 2.x log whose start-up line rotated away is still known as 2.x."""
    for original in recording("redis-2.8.24", "seed"):
        lines = original.read_text(encoding="utf-8").splitlines(keepends=True)
        (tmp_path / original.name).write_text(
            "".join(x for x in lines if "Redis version" not in x), encoding="utf-8"
        )
    report = analyse(sorted(tmp_path.glob("*.log")))
    assert {node.version for node in report.nodes} == {"2.x"}


@pytest.mark.parametrize("server", SERVERS)
def test_promotion_story_matches_the_version(server: str) -> None:
    """Secondary replication ids (partial resync across a promotion) exist since 4.0."""
    report = report_of(server, "failover-replicaof-no-one")
    promoted = next(f for f in report.findings if f.code == "role-change" and f.node == "10001")
    if psync_after_restart(server):
        assert "secondary id" in promoted.explanation
    else:
        assert "secondary id" not in promoted.explanation
        assert (
            "Before Redis 4.0" in promoted.explanation and "resyncs fully" in promoted.explanation
        )
        for replica in ("10000", "10002"):
            (lk,) = [x for x in report.links if (x.replica, x.master) == (replica, "10001")]
            assert [e.session.mode for e in lk.sessions if e.session.outcome == "success"] == [
                "full"
            ]


#: The findings (code, node, setting) each scenario must give, on every version.
KEY_FINDINGS = {
    "auth-missing": {("masterauth", "10001", "masterauth"), ("masterauth", "10002", "masterauth")},
    "auth-wrong": {("masterauth", "10001", "masterauth"), ("masterauth", "10002", "masterauth")},
    "backlog-overflow": {
        ("repl-backlog-size", "10000", "repl-backlog-size"),
        ("restart", "10002", "repl-backlog-size"),  # before 4.0: None (no PSYNC2)
        ("link-down", "10001", None),
        ("link-down", "10002", None),
    },
    "seed": {
        ("restart", "10000", "save"),
        ("restart", "10002", None),
        ("link-down", "10001", None),
        ("link-down", "10002", None),
    },
}


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", sorted(KEY_FINDINGS))
def test_key_findings_on_every_version(server: str, scenario: str) -> None:
    """Exactly the findings an operator needs, no phantom ones, on each version."""
    report = report_of(server, scenario)
    expected = set(KEY_FINDINGS[scenario])
    if scenario == "backlog-overflow" and not psync_after_restart(server):
        expected ^= {("restart", "10002", "repl-backlog-size"), ("restart", "10002", None)}
    assert {(f.code, f.node, f.setting) for f in report.findings} == expected
    text = render_text(report)
    for setting in {s for _, _, s in expected if s}:
        assert f"setting: {setting}" in text
    assert "foobared" not in text and "not-the-password" not in text


@pytest.mark.parametrize("server", SERVERS)
def test_diskless_sync_counted_once(server: str) -> None:
    """2.8-5.0 masters also log 'Slave X correctly received the streamed RDB file.'
    (replica_rdb_received): that is the same sync, not a second one."""
    files = recording(server, "diskless")
    report = analyse(files)
    master_log = next(f for f in files if f.name == "10000.log").read_text(encoding="utf-8")
    if server in ("redis-2.8.24", "redis-3.2.13", "redis-4.0.14", "redis-5.0.14"):
        assert "correctly received the streamed RDB file" in master_log
    for link in report.links:
        replica_log = next(f for f in files if f.name == f"{link.replica}.log")
        finished = replica_log.read_text(encoding="utf-8").count("sync: Finished with success")
        assert link.counts["full_syncs"] == finished == 2, link.title
        assert link.counts["partial_syncs"] == 0


@pytest.mark.parametrize("server", SERVERS)
def test_restarted_master_advice_knows_the_run_id(server: str) -> None:
    """Before 4.0 no clean SHUTDOWN saves the replicas' copies: say so, not 'use SHUTDOWN'."""
    finding = restart_of(report_of(server, "seed"), "10000")
    assert finding.setting == "save" and "killed" in finding.explanation
    if psync_after_restart(server):
        assert "Stop masters with SHUTDOWN" in finding.explanation
    else:
        assert "new run id" in finding.explanation and "Before Redis 4.0" in finding.explanation
        assert "Stop masters with SHUTDOWN" not in finding.explanation


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", ["seed", "backlog-overflow"])
def test_replica_log_alone_tells_a_new_history_from_a_short_backlog(
    server: str, scenario: str
) -> None:
    """With only the replica's log, a full resync under another replication id (the
    master restarted) must not blame the backlog; one under the asked id (the offset
    fell out of the backlog) does."""
    replica_log = next(f for f in recording(server, scenario) if f.name == "10001.log")
    report = analyse([replica_log])
    (finding,) = [f for f in report.findings if "got a full one" in f.title]
    if scenario == "seed":
        assert finding.setting is None and "No backlog size would have helped" in (
            finding.explanation
        )
    else:
        assert finding.setting == "repl-backlog-size"
