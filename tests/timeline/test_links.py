"""LinkTimeline and the time helpers on hand-built events."""

from __future__ import annotations

from replwatch.events import seconds_between, shift_ts
from replwatch.report.links import find_outages
from replwatch.timeline.links import DOWN, SYNCING, UP, LinkKey, LinkTimeline
from tests.report.events_helpers import ev, t

M = "127.0.0.1:10000"


def test_time_helpers_tolerate_offsets_and_garbage() -> None:
    assert seconds_between("2026-11-25T08:00:00.000+01:00", "2026-11-25T08:00:02.500") == 2.5
    assert seconds_between(None, t(1)) is None
    assert seconds_between("junk", t(1)) is None
    assert shift_ts("2026-11-25T08:00:00.000+01:00", 1.5) == "2026-11-25T08:00:01.500+01:00"


def test_link_states_from_replica_log_master_outage() -> None:
    r = "10001.log"
    tl = LinkTimeline(node_of={r: "10001"})
    events = [
        ev(r, t(0), "master_connecting", peer=M),
        ev(r, t(0), "psync_impossible", reason="no_cached_master"),
        ev(r, t(1), "sync_finished"),
        ev(r, t(10), "master_link_lost"),
        ev(r, t(10), "master_connecting", peer=M),  # retries while down stay down
        ev(r, t(10), "master_link_error", error="Connection refused"),
        ev(r, t(11), "master_connecting", peer=M),
        ev(r, t(15), "psync_attempt"),
        ev(r, t(15), "psync_succeeded"),
    ]
    for e in events:
        tl.feed(e)
    tl.close(t(20))
    key = LinkKey("10001", "10000", "replica")
    assert tl.links() == [key]
    got = [(i.state, i.start_ts, i.end_ts) for i in tl.intervals(key)]
    assert got == [
        (SYNCING, t(0), t(1)),
        (UP, t(1), t(10)),
        (DOWN, t(10), t(15)),
        (SYNCING, t(15), t(15)),
        (UP, t(15), t(20)),
    ]
    assert tl.intervals(key)[2].seconds == 5.0
    assert tl.intervals(key)[2].evidence == ((r, 4),)


def test_link_states_from_master_log_only() -> None:
    m = "10000.log"
    tl = LinkTimeline(node_of={m: "10000"})
    for e in [
        ev(m, t(0), "replica_sync_request", peer="127.0.0.1:10001"),
        ev(m, t(1), "replica_sync_succeeded", peer="127.0.0.1:10001"),
        ev(m, t(5), "replica_link_lost", peer="127.0.0.1:10001"),
    ]:
        tl.feed(e)
    key = LinkKey("10001", "10000", "master")
    assert [i.state for i in tl.intervals(key)] == [SYNCING, UP, DOWN]
    assert tl.intervals(key)[-1].end_ts is None


def test_promotion_ends_the_link() -> None:
    r = "r.log"
    tl = LinkTimeline()
    for e in [
        ev(r, t(0), "master_connecting", peer=M),
        ev(r, t(1), "sync_finished"),
        ev(r, t(4), "master_mode_enabled"),
        ev(r, t(5), "master_link_lost"),
    ]:
        tl.feed(e)
    (key,) = tl.links()
    assert [(i.state, i.end_ts) for i in tl.intervals(key)] == [(SYNCING, t(1)), (UP, t(4))]


def _master_only_outages(lost_at: float, stop_at: float) -> list:
    """Outages of 10001 seen from the master's log alone: linked, lost at ``lost_at``,
    then the master itself shut down cleanly at ``stop_at``."""
    m = "10000.log"
    tl = LinkTimeline(node_of={m: "10000"})
    for e in [
        ev(m, t(0), "replica_sync_request", peer="127.0.0.1:10001"),
        ev(m, t(0.5), "replica_sync_succeeded", peer="127.0.0.1:10001"),
        ev(m, t(lost_at), "replica_link_lost", peer="127.0.0.1:10001"),
        ev(m, t(stop_at), "server_shutdown"),
        ev(m, t(stop_at + 0.01), "server_exit"),
    ]:
        tl.feed(e)
    return find_outages(tl.intervals(LinkKey("10001", "10000", "master")))


def test_a_replica_lost_just_before_its_masters_clean_stop_is_the_end_not_an_outage() -> None:
    assert _master_only_outages(lost_at=10.0, stop_at=10.2) == []


def test_a_replica_lost_long_before_its_masters_clean_stop_stays_an_outage() -> None:
    [outage] = _master_only_outages(lost_at=1.0, stop_at=15.0)
    assert outage.start_ts == t(1.0) and outage.end_ts is None
    assert outage.cause == "master saw the replica disconnect"
