"""`replwatch report` on the master's log alone: the links' story from the master's side.

After an incident operators often hold only the master's log. On every recorded
version, the master's log alone must tell each replica link's full and partial
syncs as the report on all logs does (the expected numbers come from that report,
not from this file), and the backlog shortage where there was one.
"""

from __future__ import annotations

import pytest

from replwatch.report import Report
from replwatch.timeline.master_sessions import MasterSessionTracker
from tests.report.events_helpers import ev, t
from tests.report.recordings import report_of
from tests.report.test_sample_logs import SERVERS, analyse, recording

SCENARIOS = ("seed", "backlog-overflow", "psync-client-kill")


def sync_counts(report: Report) -> dict[str, tuple[int, int]]:
    """``{"10000 -> 10001": (full, partial)}`` for every link that synced."""
    return {
        link.title: (link.counts["full_syncs"], link.counts["partial_syncs"])
        for link in report.links
        if link.counts["full_syncs"] or link.counts["partial_syncs"]
    }


def master_only(server: str, scenario: str) -> Report:
    files = [f for f in recording(server, scenario) if f.name == "10000.log"]
    return analyse(files)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("server", SERVERS)
def test_master_log_alone_counts_the_syncs_of_every_link(server: str, scenario: str) -> None:
    everything = sync_counts(report_of(server, scenario))
    alone = master_only(server, scenario)
    assert everything, "the all-logs report shows no syncs at all"
    assert sync_counts(alone) == everything
    for link in alone.links:
        assert link.observed_by == "master"
        for entry in link.sessions:
            assert entry.session.observed_by == "master"
            assert entry.session.node == link.replica
            # the master's log names a partial resync's size; a full one's RDB size it does not
            if entry.session.outcome == "success" and entry.session.mode == "partial":
                assert entry.session.bytes is not None
            if entry.session.mode == "full":
                assert entry.session.bytes is None
                assert "from 10000" in entry.summary()


@pytest.mark.parametrize("server", SERVERS)
def test_master_log_alone_blames_the_backlog(server: str) -> None:
    alone = master_only(server, "backlog-overflow")
    backlog = [f for f in alone.findings if f.code == "repl-backlog-size"]
    assert len(backlog) == 1, [f.title for f in alone.findings]
    assert backlog[0].setting == "repl-backlog-size"
    assert backlog[0].node == "10000"
    # the refused partial resyncs are not mistaken for a full-sync loop
    assert not [f for f in alone.findings if f.code == "full-sync-loop"]


@pytest.mark.parametrize("server", SERVERS)
def test_master_log_alone_tells_the_restart_and_its_full_resyncs(server: str) -> None:
    alone = master_only(server, "seed")
    restart = [f for f in alone.findings if f.code == "restart"]
    assert len(restart) == 1
    assert restart[0].title == "10000 restarted and a full resync followed"
    assert "10001 resynced fully" in restart[0].explanation


@pytest.mark.parametrize("server", SERVERS)
def test_replica_logs_win_over_the_master_view(server: str) -> None:
    """With both logs, the master's sessions are not counted a second time."""
    everything = report_of(server, "seed")
    for link in everything.links:
        observers = {entry.session.observed_by for entry in link.sessions}
        assert observers <= {"replica"}, link.title


def test_one_bgsave_serves_several_replicas_and_echoes_do_not_count() -> None:
    m = "10000.log"
    events = [
        ev(m, t(0), "server_mode", port="10000"),
        ev(m, t(1), "replica_sync_request", peer="127.0.0.1:10001"),
        ev(m, t(1), "full_resync_requested", peer="127.0.0.1:10001"),
        ev(m, t(1), "bgsave_for_sync", target="disk"),
        ev(m, t(1), "bgsave_started", child_pid="9"),
        ev(m, t(2), "replica_sync_request", peer="127.0.0.1:10002"),
        ev(m, t(2), "psync_rejected", reason="backlog"),
        ev(m, t(2), "bgsave_waiting"),
        ev(m, t(3), "bgsave_done"),
        ev(m, t(3), "replica_sync_succeeded", peer="127.0.0.1:10001"),
        ev(m, t(3), "replica_rdb_received", peer="127.0.0.1:10002"),
        ev(m, t(4), "replica_sync_succeeded", peer="127.0.0.1:10002"),
        ev(m, t(5), "replica_sync_request", peer="127.0.0.1:10002"),
        ev(m, t(5), "full_resync_requested", peer="127.0.0.1:10002"),
        ev(m, t(5), "replica_output_buffer_overflow", peer="127.0.0.1:10002"),
    ]
    tracker = MasterSessionTracker()
    done = [s for e in events for s in tracker.feed(e)] + tracker.flush()
    assert [(s.node, s.peer, s.mode, s.outcome) for s in done] == [
        ("10001", "10000", "full", "success"),
        ("10002", "10000", "full", "success"),
        ("10002", "10000", "full", "failed"),
    ]
    assert done[1].reason == "partial resync refused (backlog)"
    assert "overcome" in (done[2].reason or "")
    assert all(s.observed_by == "master" for s in done)
