"""Link flaps as the dashboard counts them from both ends' logs.

The lines are the ones Redis 2.8.24 wrote in a lab where the master was killed
and restarted, then a replica was stopped and started again: two losses of the
replica's link, one logged only by the replica, the other only by the master.
"""

from __future__ import annotations

from replwatch.events import Event
from replwatch.logs.parser import load_default_parser
from replwatch.tui.state import DashboardState

MASTER_LOG = "/tmp/lab/21000.log"
REPLICA_LOG = "/tmp/lab/21002.log"
REPLICA = "127.0.0.1:21002"

#: (file, raw line) in the order the two files' lines were written.
MASTER_KILLED = [
    (REPLICA_LOG, "[27597] 25 Nov 10:55:12.978 # Connection with master lost."),
    (REPLICA_LOG, "[27597] 25 Nov 10:55:12.978 * Caching the disconnected master state."),
    (REPLICA_LOG, "[27597] 25 Nov 10:55:13.139 * Connecting to MASTER 127.0.0.1:21000"),
    (
        REPLICA_LOG,
        "[27597] 25 Nov 10:55:13.140 # Error condition on socket for SYNC: Connection refused",
    ),
]
MASTER_BACK = [
    (MASTER_LOG, "[28020] 25 Nov 10:55:23.176 * Slave 127.0.0.1:21002 asks for synchronization"),
    (REPLICA_LOG, "[27597] 25 Nov 10:55:23.187 * MASTER <-> SLAVE sync: Loading DB in memory"),
    (REPLICA_LOG, "[27597] 25 Nov 10:55:23.188 * MASTER <-> SLAVE sync: Finished with success"),
    (
        MASTER_LOG,
        "[28020] 25 Nov 10:55:23.186 * Synchronization with slave 127.0.0.1:21002 succeeded",
    ),
]
REPLICA_STOPPED = [
    (REPLICA_LOG, "[27597 | signal handler] (1795604131) Received SIGTERM scheduling shutdown..."),
    (REPLICA_LOG, "[27597] 25 Nov 10:55:31.900 # User requested shutdown..."),
    (MASTER_LOG, "[28020] 25 Nov 10:55:31.901 # Connection with slave 127.0.0.1:21002 lost."),
]
REPLICA_BACK = [
    (REPLICA_LOG, "[28100] 25 Nov 10:55:37.200 * MASTER <-> SLAVE sync: Finished with success"),
    (
        MASTER_LOG,
        "[28020] 25 Nov 10:55:37.199 * Synchronization with slave 127.0.0.1:21002 succeeded",
    ),
]
#: Both ends log the same loss: one flap, not two.
BOTH_ENDS_LOST = [
    (MASTER_LOG, "[28020] 25 Nov 10:56:00.100 # Connection with slave 127.0.0.1:21002 lost."),
    (REPLICA_LOG, "[28100] 25 Nov 10:56:00.101 # Connection with master lost."),
]


def events(lines: list[tuple[str, str]]) -> list[Event]:
    parser = load_default_parser()
    return [
        parser.parse_line(raw, source=path, line_no=n, year=2026)
        for n, (path, raw) in enumerate(lines, 1)
    ]


def state() -> DashboardState:
    return DashboardState(node_of_source={MASTER_LOG: "127.0.0.1:21000", REPLICA_LOG: REPLICA})


def test_the_parser_reads_the_lines_as_losses_and_restores() -> None:
    kinds = [e.kind for e in events(MASTER_KILLED + REPLICA_STOPPED + REPLICA_BACK)]
    assert "master_link_lost" in kinds and "replica_link_lost" in kinds
    assert "sync_finished" in kinds and "replica_sync_succeeded" in kinds


def test_a_loss_each_end_alone_logged_counts_twice() -> None:
    dashboard = state()
    dashboard.apply_events(events(MASTER_KILLED + MASTER_BACK))
    assert dashboard.flaps() == {REPLICA: 1}
    dashboard.apply_events(events(REPLICA_STOPPED))
    assert dashboard.flaps() == {REPLICA: 2}  # was 1: max() of the two ends' counts
    dashboard.apply_events(events(REPLICA_BACK))
    assert dashboard.flaps() == {REPLICA: 2}


def test_a_loss_both_ends_logged_counts_once_in_any_order() -> None:
    for lines in (BOTH_ENDS_LOST, BOTH_ENDS_LOST[::-1]):
        dashboard = state()
        dashboard.apply_events(events(lines))
        assert dashboard.flaps() == {REPLICA: 1}


def test_the_other_ends_report_read_after_the_restore_is_the_same_loss() -> None:
    """The two files are tailed independently: the master's line about a loss may
    arrive after the replica's lines saying it was lost and restored."""
    replica_side = [line for line in BOTH_ENDS_LOST if line[0] == REPLICA_LOG]
    master_side = [line for line in BOTH_ENDS_LOST if line[0] == MASTER_LOG]
    restored = [
        (REPLICA_LOG, "[28100] 25 Nov 10:56:01.000 * MASTER <-> SLAVE sync: Finished with success")
    ]
    dashboard = state()
    dashboard.apply_events(events(replica_side + restored))
    dashboard.apply_events(events(master_side))
    assert dashboard.flaps() == {REPLICA: 1}


def test_a_timeout_then_lost_connection_on_one_side_is_one_loss() -> None:
    lines = [
        (REPLICA_LOG, "[28100] 25 Nov 10:57:00.000 # MASTER timeout: no data nor PING received..."),
        (REPLICA_LOG, "[28100] 25 Nov 10:57:00.000 # Connection with master lost."),
    ]
    parsed = events(lines)
    assert [e.kind for e in parsed] == ["master_timeout", "master_link_lost"]
    dashboard = state()
    dashboard.apply_events(parsed)
    assert dashboard.flaps() == {REPLICA: 1}
