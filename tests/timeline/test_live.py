"""The live timeline says why a link is not up, from the logs' own lines.

Lines as Redis 7.0 writes them (replication.c), parsed by the default grammar.
"""

from __future__ import annotations

from replwatch.events import Event
from replwatch.logs.parser import load_default_parser
from replwatch.timeline.live import LiveTimeline

MASTER_LOG = "/tmp/lab/10000.log"
REPLICA_LOG = "/tmp/lab/10001.log"
REPLICA = "127.0.0.1:10001"


def parsed(lines: list[tuple[str, str]]) -> list[Event]:
    parser = load_default_parser()
    return [
        parser.parse_line(raw, source=path, line_no=n, year=2026)
        for n, (path, raw) in enumerate(lines, 1)
    ]


def timeline() -> LiveTimeline:
    return LiveTimeline(node_of_source={MASTER_LOG: "127.0.0.1:10000", REPLICA_LOG: REPLICA})


def test_a_refused_connection_reads_as_down_for_how_long_and_why() -> None:
    live = timeline()
    live.apply_events(
        parsed(
            [
                (REPLICA_LOG, "9:S 03 Dec 2026 10:00:00.000 # Connection with master lost."),
                (
                    REPLICA_LOG,
                    "9:S 03 Dec 2026 10:00:01.000 * Connecting to MASTER 127.0.0.1:10000",
                ),
                (
                    REPLICA_LOG,
                    "9:S 03 Dec 2026 10:00:01.001 # Error condition on socket for SYNC: "
                    "Connection refused",
                ),
            ]
        )
    )
    assert live.cause(REPLICA, "down", now="2026-12-03T10:00:42.000") == (
        "down 42 s: master refused connection"
    )
    # The servers' own count wins over the log's.
    assert live.cause(REPLICA, "down", down_for=50.0, now="2026-12-03T10:00:42.000") == (
        "down 50 s: master refused connection"
    )
    assert live.cause(REPLICA, "up", now="2026-12-03T10:00:42.000") is None
    assert live.flaps() == {REPLICA: 1}


def test_a_master_restarted_without_its_state_is_the_cause_of_the_full_sync() -> None:
    live = timeline()
    live.apply_events(
        parsed(
            [
                (
                    MASTER_LOG,
                    "7:M 03 Dec 2026 10:01:00.000 * Replica 127.0.0.1:10001 asks for "
                    "synchronization",
                ),
                (
                    MASTER_LOG,
                    "7:M 03 Dec 2026 10:01:00.000 * Partial resynchronization not accepted: "
                    "Replication ID mismatch (Replica asked for 'aaaa', my replication IDs "
                    "are 'bbbb' and 'cccc')",
                ),
                (
                    MASTER_LOG,
                    "7:M 03 Dec 2026 10:01:00.001 * Starting BGSAVE for SYNC with target: disk",
                ),
            ]
        )
    )
    assert live.cause(REPLICA, "syncing", now="2026-12-03T10:01:01.000") == (
        "full sync: master restarted (replid changed)"
    )


def test_auth_refused_names_the_setting() -> None:
    live = timeline()
    live.apply_events(
        parsed(
            [
                (
                    REPLICA_LOG,
                    "9:S 03 Dec 2026 10:02:00.000 # MASTER aborted replication with an error: "
                    "NOAUTH Authentication required.",
                ),
            ]
        )
    )
    cause = live.cause(REPLICA, "down", down_for=3.0)
    assert cause == "down 3 s: auth refused: masterauth"


def test_a_master_without_a_password_is_not_a_wrong_masterauth() -> None:
    """After a failover in the seed's layout the promoted replica has no requirepass."""
    live = timeline()
    live.apply_events(
        parsed(
            [
                (
                    REPLICA_LOG,
                    "9:S 03 Dec 2026 10:02:00.000 # Unable to AUTH to MASTER: -ERR AUTH "
                    "<password> called without any password configured for the default user. "
                    "Are you sure your configuration is correct?",
                ),
            ]
        )
    )
    cause = live.cause(REPLICA, "down", down_for=3.0)
    assert cause == "down 3 s: auth refused: master has no password (requirepass)"


def test_a_finished_sync_leaves_no_cause() -> None:
    live = timeline()
    live.apply_events(
        parsed(
            [
                (REPLICA_LOG, "9:S 03 Dec 2026 10:03:00.000 # Connection with master lost."),
                (
                    REPLICA_LOG,
                    "9:S 03 Dec 2026 10:03:05.000 * MASTER <-> REPLICA sync: Finished with success",
                ),
            ]
        )
    )
    assert live.cause(REPLICA, "down", now="2026-12-03T10:03:06.000") is None
    change = live.last_change(REPLICA)
    assert change is not None and change.up and change.ts == "2026-12-03T10:03:05.000"
