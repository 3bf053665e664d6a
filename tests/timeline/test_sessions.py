"""SessionTracker on hand-built event sequences taken from real Redis 7 logs."""

from __future__ import annotations

from replwatch.timeline.sessions import SessionTracker, SyncSession
from tests.report.events_helpers import ev, t

M = "127.0.0.1:10000"


def run(events) -> list[SyncSession]:
    tracker = SessionTracker()
    out: list[SyncSession] = []
    for event in events:
        out.extend(tracker.feed(event))
    return out + tracker.flush()


def test_initial_full_sync_disk() -> None:
    src = "a/10001.log"
    sessions = run(
        [
            ev(src, t(0), "server_starting", "Running mode=standalone, port=10001."),
            ev(src, t(0.1), "master_connecting", peer=M),
            ev(src, t(0.1), "sync_started"),
            ev(src, t(0.1), "master_connected"),
            ev(src, t(0.1), "master_ping_ok"),
            ev(src, t(0.1), "psync_impossible", reason="no_cached_master"),
            ev(src, t(5.0), "full_resync_started", replid="a" * 40, offset=1),
            ev(src, t(5.2), "rdb_receiving", bytes=18),
            ev(src, t(5.3), "flushing_old_data"),
            ev(src, t(5.4), "loading_db"),
            ev(src, t(5.6), "sync_finished"),
        ]
    )
    assert len(sessions) == 1
    s = sessions[0]
    assert (s.node, s.mode, s.bytes, s.outcome, s.seconds) == ("10001", "full", 18, "success", 5.5)
    assert s.summary() == "10001 full resync: 18 B from 10000 in 5.5 s"
    assert s.evidence[0] == (src, 2) and s.evidence[-1] == (src, 11)


def test_partial_resync_takes_bytes_from_master_log() -> None:
    rep, mas = "10002.log", "10000.log"
    sessions = run(
        [
            ev(rep, t(0), "server_ready", port=10002),
            ev(rep, t(1), "master_connecting", peer=M),
            ev(rep, t(1), "sync_started"),
            ev(rep, t(1), "psync_attempt", replid="b" * 40, offset=2298),
            ev(mas, t(1), "psync_accepted", peer="127.0.0.1:10002", bytes=57, offset=57),
            ev(rep, t(1), "psync_succeeded"),
            ev(rep, t(1), "psync_succeeded", "MASTER <-> REPLICA sync: Master accepted..."),
        ]
    )
    assert [s.summary() for s in sessions] == ["10002 partial resync from 10000: 57 B in 0.0 s"]
    assert ("10000.log", 1) in sessions[0].evidence


def test_auth_failures_are_failed_sessions_each_retry() -> None:
    src = "replica.log"
    msg = "NOAUTH Authentication required."
    events = []
    for i in range(3):
        events += [
            ev(src, t(i), "master_connecting", peer=M),
            ev(src, t(i), "sync_started"),
            ev(src, t(i), "master_ping_ok"),
            ev(src, t(i), "master_auth_failed", error=msg),
        ]
    sessions = run(events)
    assert [s.outcome for s in sessions] == ["failed"] * 3
    assert sessions[0].summary() == "replica sync failed: NOAUTH Authentication required."


def test_link_lost_mid_transfer_and_end_of_input() -> None:
    src = "r.log"
    sessions = run(
        [
            ev(src, t(0), "master_connecting", peer=M),
            ev(src, t(0), "full_resync_started", replid="c" * 40, offset=1),
            ev(src, t(1), "master_link_lost"),
            ev(src, t(2), "master_connecting", peer=M),
            ev(src, t(2), "sync_started"),
            ev(src, None, "psync_attempt"),
        ]
    )
    assert [(s.outcome, s.mode) for s in sessions] == [
        ("interrupted", "full"),
        ("interrupted", "unknown"),
    ]
    assert sessions[0].reason == "connection with master lost"
    assert sessions[1].reason == "log ends during the sync"
    assert sessions[1].end_ts == t(2)


def test_promotion_interrupts_and_unrelated_events_ignored() -> None:
    src = "r.log"
    sessions = run(
        [
            ev(src, t(0), "master_link_lost"),  # no attempt open: nothing
            ev(src, t(0), "master_connecting", peer=M),
            ev(src, t(0), "master_link_error", error="Connection refused"),
            ev(src, t(1), "master_connecting", peer=M),
            ev(src, t(1), "master_mode_enabled"),
            ev(src, t(2), "unrecognized", "hello"),
        ]
    )
    assert [s.outcome for s in sessions] == ["failed", "interrupted"]
    assert sessions[0].reason == "Connection refused"
    assert "REPLICAOF NO ONE" in (sessions[1].reason or "")


def test_full_resync_after_backlog_rejection_names_the_reason() -> None:
    rep, mas = "10001.log", "10000.log"
    sessions = run(
        [
            ev(rep, t(0), "server_ready", port=10001),
            ev(rep, t(1), "master_connecting", peer=M),
            ev(rep, t(1), "psync_attempt", replid="d" * 40, offset=10),
            ev(mas, t(1), "psync_rejected", peer="127.0.0.1:10001", reason="backlog", offset=10),
            ev(rep, t(1), "full_resync_started", replid="d" * 40, offset=9000),
            ev(rep, t(2), "rdb_receiving", target="disk"),
            ev(rep, t(3), "sync_finished"),
        ]
    )
    (s,) = sessions
    assert s.reason == "partial resync refused by master (backlog)"
    assert s.summary() == "10001 full resync: streamed RDB (disk) from 10000 in 2.0 s"


def test_memory_is_per_source_and_bounded() -> None:
    tracker = SessionTracker()
    src = "r.log"
    tracker.feed(ev(src, t(0), "master_connecting", peer=M))
    for _ in range(500):
        tracker.feed(ev(src, t(0), "master_ping_ok"))
    (s,) = tracker.flush()
    assert len(s.evidence) <= 40
