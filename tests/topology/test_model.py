"""The topology model and its poll events, built from real captured INFO samples."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import pytest

from replwatch.topology.diff import Thresholds, assess, diff
from replwatch.topology.snapshot import (
    LINK_DOWN,
    LINK_SYNCING,
    LINK_UP,
    Snapshot,
    build_snapshot,
)
from tests.poll.samples import SAMPLES, auth, down, node

VERSIONS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
T0, T1, T2 = "2026-11-25T09:00:00.000", "2026-11-25T09:00:01.000", "2026-11-25T09:00:03.000"


def _base(version: str) -> int:
    return {
        "redis-2.8.24": 22000,
        "redis-3.2.13": 22050,
        "redis-4.0.14": 22100,
        "redis-5.0.14": 22150,
        "redis-6.2.16": 22200,
        "redis-7.0.15": 22250,
        "redis-7.2.6": 22300,
        "redis-7.4.1": 22350,
        "valkey-8.0.1": 22400,
        "valkey-8.1.8": 22450,
        "valkey-7.2.7": 22480,
    }[version]


def steady(version: str) -> Snapshot:
    base = _base(version)
    master = node(
        version, base, "A-steady-master-INFO_replication", role_name="A-steady-master-ROLE"
    )
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")
    return build_snapshot(T0, [master, replica])


def kinds(events: list) -> list[tuple[str, str]]:
    return [(e.kind, e.source) for e in events]


@pytest.mark.parametrize("version", VERSIONS)
def test_steady_links_from_both_sides(version: str) -> None:
    base = _base(version)
    snap = steady(version)
    polled = snap.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}")
    unpolled = snap.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 2}")
    assert polled is not None and unpolled is not None and len(snap.links) == 2
    assert (polled.state, polled.seen_from, polled.lag_bytes) == (LINK_UP, "both", 0)
    assert (unpolled.state, unpolled.seen_from, unpolled.lag_bytes) == (LINK_UP, "master", 0)
    master = snap.node(f"127.0.0.1:{base}")
    assert master is not None and master.backlog_window is not None
    # nothing written since the backlog was created: the whole backlog is headroom
    assert polled.backlog_headroom == master.replication.backlog_size
    assert polled.since == T0
    assert assess(snap) == []


def test_first_diff_reports_everything_as_it_is() -> None:
    snap = steady("valkey-8.1.8")
    events = diff(None, snap)
    assert kinds(events) == [
        ("node_up", "127.0.0.1:22450"),
        ("node_up", "127.0.0.1:22451"),
        ("link_up", "127.0.0.1:22451"),  # polled replicas first, then by address
        ("link_up", "127.0.0.1:22452"),
    ]
    assert all(e.ts == T0 and e.line is None for e in events)
    assert events[0].role == "master" and events[1].role == "replica"
    assert events[2].fields == {"peer": "127.0.0.1:22450"}
    assert diff(snap, build_snapshot(T1, snap.nodes, prev=snap)) == []


@pytest.mark.parametrize("version", ["redis-4.0.14", "redis-7.0.15", "valkey-8.1.8"])
def test_master_stopped_takes_links_down(version: str) -> None:
    base = _base(version)
    before = steady(version)
    replica = node(version, base + 1, "C-linkdown-replica-INFO_replication")
    after = build_snapshot(T1, [down(base), replica], prev=before)
    link = after.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}")
    if version == "redis-4.0.14":  # the captured replica still points at this master
        assert link is not None and link.state == LINK_DOWN and link.seen_from == "replica"
        assert link.down_seconds == 3  # master_link_down_since_seconds at the capture
    events = diff(before, after)
    assert ("node_down", f"127.0.0.1:{base}") in kinds(events)
    node_down = next(e for e in events if e.kind == "node_down")
    assert node_down.fields["error"] == f"127.0.0.1:{base}: connection refused"
    assert node_down.role == "master" and node_down.level == "warning"
    down_links = [e for e in events if e.kind == "link_down"]
    assert down_links and all(e.level == "warning" for e in down_links)
    problems = assess(after)
    assert problems[0].severity == "node" and any(p.severity == "link" for p in problems)


def test_replica_stopped_keeps_its_link_as_down() -> None:
    version, base = "valkey-8.1.8", 22450
    before = steady(version)
    master = before.nodes[0]
    only_other = tuple(e for e in master.replication.replicas if e.port != base + 1)
    master_now = replace(master, replication=replace(master.replication, replicas=only_other))
    after = build_snapshot(T1, [master_now, down(base + 1)], prev=before)
    link = after.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}")
    assert link is not None and (link.state, link.seen_from) == (LINK_DOWN, "previous")
    assert link.since == T1
    assert ("link_down", f"127.0.0.1:{base + 1}") in kinds(diff(before, after))
    # it stays down, with no new event, while the replica stays away
    later = build_snapshot(T2, [master_now, down(base + 1)], prev=after)
    assert later.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}").since == T1
    assert diff(after, later) == []


@pytest.mark.parametrize("version", ["redis-5.0.14", "redis-6.2.16", "valkey-8.1.8"])
def test_sync_progress(version: str) -> None:
    base = _base(version)
    master = node(version, base, "B-syncing-master-INFO_replication-send_bulk")
    fresh = node(version, base + 3, "B-syncing-replica-INFO_replication-s3")
    later = node(version, base + 3, "B-syncing-replica-INFO_replication-s4")
    first = build_snapshot(T0, [master, fresh])
    second = build_snapshot(T1, [master, later], prev=first)
    link = second.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 3}")
    assert link is not None and link.state == LINK_SYNCING and link.lag_bytes is None
    progress = [e for e in diff(first, second) if e.kind == "sync_progress"]
    if version == "redis-5.0.14":  # only left_bytes before 6.2
        assert link.sync_total_bytes is None and link.sync_left_bytes is not None
    else:
        assert link.sync_total_bytes and link.sync_read_bytes is not None
        assert progress and progress[0].fields["total"] == link.sync_total_bytes
        assert progress[0].fields["bytes"] == link.sync_read_bytes
    assert any(p.severity == "link" and "syncing" in p.message for p in assess(second))


@pytest.mark.parametrize("version", ["redis-4.0.14", "redis-7.2.6", "valkey-8.0.1"])
def test_promotion_changes_role_and_replid(version: str) -> None:
    base = _base(version)
    before = build_snapshot(
        T0, [node(version, base + 3, "B-syncing-replica-INFO_replication-done")]
    )
    promoted = node(version, base + 3, "E-promoted-former_replica-INFO_replication")
    after = build_snapshot(T1, [promoted], prev=before)
    events = {e.kind: e for e in diff(before, after)}
    assert events["role_changed"].fields == {"from": "replica", "to": "master"}
    assert events["replid_changed"].fields == {"replid": promoted.replid}
    assert promoted.replid2 == before.nodes[0].replid
    assert "link_down" in events  # the promoted node no longer replicates


def test_lag_thresholds_are_edge_triggered() -> None:
    version, base = "redis-6.2.16", 22200
    master = node(version, base, "F-failover-master-INFO_replication-waiting_for_sync")
    snap = build_snapshot(T0, [master])
    lagging = snap.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}")
    assert lagging is not None and lagging.lag_bytes == 118 - 54 and lagging.lag_seconds == 1.0
    limits = Thresholds(max_lag_bytes=10, max_lag_seconds=0.5)
    exceeded = [e for e in diff(None, snap, thresholds=limits) if e.kind == "lag_exceeded"]
    assert [(e.source, e.fields) for e in exceeded] == [
        (f"127.0.0.1:{base + 1}", {"peer": f"127.0.0.1:{base}", "bytes": 64, "threshold": 10}),
        (f"127.0.0.1:{base + 1}", {"peer": f"127.0.0.1:{base}", "seconds": 1.0, "threshold": 0.5}),
    ]
    again = build_snapshot(T1, [master], prev=snap)
    assert [e for e in diff(snap, again, thresholds=limits) if e.kind == "lag_exceeded"] == []
    assert len([p for p in assess(again, limits) if "lags" in p.message]) == 2
    assert assess(again, Thresholds(max_lag_bytes=64)) == []


def test_catch_up_rate_and_headroom_follow_the_lag() -> None:
    version, base = "valkey-8.1.8", 22450
    master = node(version, base, "A-steady-master-INFO_replication")
    repl = master.replication
    ahead = replace(
        master, replication=replace(repl, master_repl_offset=1054, backlog_histlen=1054)
    )
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")
    first = build_snapshot(T0, [ahead, replica])
    assert first.link(ahead.address, replica.address).lag_bytes == 1000
    caught_up = replace(replica, replication=replace(replica.replication, replica_repl_offset=554))
    second = build_snapshot(T2, [ahead, caught_up], prev=first)
    link = second.link(ahead.address, replica.address)
    assert link.lag_bytes == 500 and link.catch_up_rate == pytest.approx(500 / 3)
    assert link.backlog_headroom == repl.backlog_size - 500
    # a full backlog whose start has passed the replica: a reconnect needs a full sync
    full = replace(
        ahead,
        replication=replace(
            ahead.replication, backlog_size=100, backlog_histlen=100, backlog_first_byte_offset=955
        ),
    )
    third = build_snapshot(T2, [full, caught_up])
    assert third.link(full.address, replica.address).backlog_headroom == 554 + 1 - 955


def test_failover_in_progress_topology() -> None:
    version, base = "valkey-8.1.8", 22450
    old_master = node(
        version,
        base,
        "F-failover-master-INFO_replication-in_progress",
        role_name="F-failover-master-ROLE-in_progress",
    )
    snap = build_snapshot(T0, [old_master])
    assert old_master.role == "replica" and old_master.failover_state == "failover-in-progress"
    to_target = snap.link(f"127.0.0.1:{base + 1}", f"127.0.0.1:{base}")
    assert to_target is not None and to_target.state == LINK_DOWN
    still_listed = snap.link(f"127.0.0.1:{base}", f"127.0.0.1:{base + 2}")
    assert still_listed is not None and still_listed.state == LINK_UP


def test_auth_required_node() -> None:
    snap = build_snapshot(T0, [auth("redis-7.0.15", 22250)])
    (event,) = diff(None, snap)
    assert event.kind == "auth_required" and "NOAUTH" in event.fields["error"]
    assert snap.nodes[0].auth_problem == "noauth"
    assert assess(snap)[0].severity == "node"


def test_localhost_master_joins_its_polled_address() -> None:
    version, base = "valkey-8.1.8", 22450
    master = node(version, base, "A-steady-master-INFO_replication")
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")
    replica = replace(replica, replication=replace(replica.replication, master_host="localhost"))
    snap = build_snapshot(T0, [master, replica])
    assert snap.link(master.address, replica.address).seen_from == "both"
    assert len(snap.links) == 2


def test_snapshot_json_round_trip() -> None:
    version, base = "redis-6.2.16", 22200
    first = steady(version)
    nodes = [
        node(
            version,
            base,
            "B-syncing-master-INFO_replication-send_bulk",
            role_name="A-steady-master-ROLE",
        ),
        node(
            version,
            base + 3,
            "B-syncing-replica-INFO_replication-s3",
            role_name="B-syncing-replica-ROLE-s3",
        ),
        down(base + 1),
        auth(version, base + 2),
    ]
    snap = build_snapshot(T1, nodes, prev=first)
    text = json.dumps(snap.to_dict())
    again = Snapshot.from_dict(json.loads(text))
    assert again == snap
    assert diff(first, again) == diff(first, snap)


def test_pure_modules_do_no_io() -> None:
    root = Path(__file__).parents[2] / "replwatch"
    forbidden = {"redis", "textual", "watchdog", "time", "asyncio", "socket", "os"}
    for name in (
        "poll/info.py",
        "poll/role_reply.py",
        "topology/snapshot.py",
        "topology/diff.py",
        "poll/addresses.py",
    ):
        tree = ast.parse((root / name).read_text())
        for item in ast.walk(tree):
            if isinstance(item, ast.Import):
                assert not {a.name.split(".")[0] for a in item.names} & forbidden, name
            elif isinstance(item, ast.ImportFrom):
                assert (item.module or "").split(".")[0] not in forbidden, name
            elif isinstance(item, ast.Attribute):
                assert item.attr not in {"now", "today", "utcnow", "time"}, name


def test_a_replica_without_a_password_under_a_master_with_one_is_a_warning() -> None:
    version, base = "redis-7.0.15", 22250
    master = node(version, base, "A-steady-master-INFO_replication")
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")

    def verdict(master_asks: bool | None, replica_asks: bool | None) -> list[tuple[str, str]]:
        snap = build_snapshot(
            T0,
            [
                replace(master, password_required=master_asks),
                replace(replica, password_required=replica_asks),
            ],
        )
        return [(p.severity, p.address) for p in assess(snap)]

    assert verdict(True, False) == [("warning", replica.address)]
    assert verdict(True, True) == []  # --protect-replicas
    assert verdict(False, False) == []  # nobody has a password: nothing hidden to leak
    assert verdict(None, False) == []  # an ACL user: the master's default user unknown
    # the master refused to answer without a password (NOAUTH): it still has one
    refused = replace(auth(version, base), password_required=True)
    snap = build_snapshot(T0, [refused, replace(replica, password_required=False)])
    assert [p.severity for p in assess(snap)] == ["node", "warning"]
    assert "no password while its master 127.0.0.1:22250 has one" in assess(snap)[1].message
    # a master nobody polls tells nothing
    alone = build_snapshot(T0, [replace(replica, password_required=False)])
    assert [p.severity for p in assess(alone)] == []
    again = Snapshot.from_dict(json.loads(json.dumps(snap.to_dict())))
    assert again == snap and again.nodes[1].password_required is False


def test_catch_up_rate_is_measured_over_seconds_not_one_short_gap() -> None:
    """Two polls 24 ms apart (a round right after a timeout) once gave -9.4 MB/s: the
    rate now needs 2 s of samples, keeps the last rate meanwhile, and says its window."""
    version, base = "valkey-8.1.8", 22450
    master = node(version, base, "A-steady-master-INFO_replication")
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")
    repl, rrepl = master.replication, replica.replication

    def at(ts: str, master_offset: int, replica_offset: int, prev: Snapshot | None) -> Snapshot:
        m = replace(master, replication=replace(repl, master_repl_offset=master_offset))
        r = replace(replica, replication=replace(rrepl, replica_repl_offset=replica_offset))
        return build_snapshot(ts, [m, r], prev=prev)

    first = at("2026-11-25T10:00:00.000", 2_000_000, 1_000_000, None)  # lag 1 MB
    blip = at("2026-11-25T10:00:00.024", 2_300_000, 1_000_000, first)  # +300 kB in 24 ms
    link = blip.link(master.address, replica.address)
    assert link is not None and link.lag_bytes == 1_300_000
    assert link.catch_up_rate is None and link.catch_up_window is None  # too short to say
    later = at("2026-11-25T10:00:04.000", 2_300_000, 2_100_000, blip)  # caught up to 200 kB
    link = later.link(master.address, replica.address)
    assert link is not None and link.catch_up_window == 4.0
    assert link.catch_up_rate == pytest.approx((1_000_000 - 200_000) / 4.0)
    soon = at("2026-11-25T10:00:04.030", 2_300_000, 2_100_000, later)  # the window grows
    link = soon.link(master.address, replica.address)
    assert link is not None and link.catch_up_window == 4.03
    assert link.catch_up_rate == pytest.approx((1_000_000 - 200_000) / 4.03)
    # past the longest window the rate restarts from the previous sample
    much_later = at("2026-11-25T10:00:14.030", 2_300_000, 2_300_000, soon)
    link = much_later.link(master.address, replica.address)
    assert link is not None and link.catch_up_window == 10.0
    assert link.catch_up_rate == pytest.approx(200_000 / 10.0)
