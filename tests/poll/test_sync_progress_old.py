"""A full sync as `status --watch` and the dashboard tell it on servers before 6.2.

Before Redis 6.2 INFO shows only ``master_sync_left_bytes`` during a transfer
(``-1`` until the size is known, ``0`` once the RDB is loading): no read or total
bytes. The samples s1..s5 are one replica's INFO polled through a 200 MB sync.
"""

from __future__ import annotations

import pytest

from replwatch.cli.status_cmd import render_event, render_table
from replwatch.topology.diff import diff
from replwatch.topology.snapshot import LINK_SYNCING, LINK_UP, build_snapshot
from replwatch.tui.state import frame_of
from replwatch.tui.widgets.links_table import LinksTable
from tests.poll.samples import down, node

#: version -> the master's port in its samples (the syncing replica is on +3)
OLD = {"redis-2.8.24": 22000, "redis-3.2.13": 22050, "redis-4.0.14": 22100, "redis-5.0.14": 22150}
STEPS = ["s1", "s2", "s3", "s4", "s5"]


def rounds(version: str) -> list:
    master = node(version, OLD[version], "B-syncing-master-INFO_replication-send_bulk")
    snapshots, prev = [], None
    for second, step in enumerate(STEPS):
        replica = node(version, OLD[version] + 3, f"B-syncing-replica-INFO_replication-{step}")
        prev = build_snapshot(f"2026-11-25T09:00:0{second}.000", [master, replica], prev=prev)
        snapshots.append(prev)
    return snapshots


@pytest.mark.parametrize("version", OLD)
def test_watch_reports_the_bytes_left_each_round(version: str) -> None:
    snapshots = rounds(version)
    master, replica = f"127.0.0.1:{OLD[version]}", f"127.0.0.1:{OLD[version] + 3}"
    links = [s.link(master, replica) for s in snapshots]
    assert all(link is not None and link.state == LINK_SYNCING for link in links)
    lefts = [link.sync_left_bytes for link in links]
    assert lefts[0] is None and lefts[-1] == 0
    assert lefts[1] > lefts[2] > lefts[3] > 0  # the transfer moves

    progress = [
        event
        for prev, cur in zip([None, *snapshots], snapshots, strict=False)
        for event in diff(prev, cur)
        if event.kind == "sync_progress"
    ]
    messages = [event.message.split(": ", 1)[1] for event in progress]
    assert messages == [
        "transfer starting",
        f"{lefts[1]} bytes left",
        f"{lefts[2]} bytes left",
        f"{lefts[3]} bytes left",
        "all received, loading",
    ]
    assert progress[1].fields["left"] == lefts[1]
    assert all("None" not in render_event(event) for event in progress)


@pytest.mark.parametrize("version", OLD)
def test_status_table_and_dashboard_show_the_bytes_left(version: str) -> None:
    snapshots = rounds(version)
    assert "MiB left" in render_table(snapshots[2])
    assert "loading" in render_table(snapshots[-1])

    table = LinksTable()
    syncing = [
        next(v for v in frame_of(s).links if v.replica.endswith(f":{OLD[version] + 3}"))
        for s in snapshots
    ]
    cells = [table._cells(view)["state"] for view in syncing]
    assert [str(c) for c in cells[1:]][-1] == "loading"
    assert all(str(c).endswith("M left") for c in cells[1:4])  # e.g. "36.6M left"
    assert str(cells[0]) == "syncing"  # the size is not known yet


@pytest.mark.parametrize("version", OLD)
def test_a_replica_loading_the_rdb_is_syncing_though_its_master_says_online(version: str) -> None:
    """The master calls the replica online once the RDB is sent; the replica then
    loads it for seconds without answering a poll. Seen live on 2.8.24: a
    `link_up` printed 5 s before the replica logged `Finished with success`."""
    base = OLD[version]
    master_addr, replica_addr = f"127.0.0.1:{base}", f"127.0.0.1:{base + 3}"
    loading = rounds(version)[-1]  # left 0: all received
    online = node(version, base, "B-syncing-master-INFO_replication-online")
    hung = down(base + 3, "no answer within 2 s (server stopped, hung or overloaded?)")
    silent = build_snapshot("2026-11-25T09:00:06.000", [online, hung], prev=loading)
    link = silent.link(master_addr, replica_addr)
    assert link is not None and link.state == LINK_SYNCING and link.seen_from == "master"
    assert link.since == loading.link(master_addr, replica_addr).since
    assert link.lag_bytes is None
    assert "link_up" not in [e.kind for e in diff(loading, silent)]

    done = node(version, base + 3, "B-syncing-replica-INFO_replication-done")
    answered = build_snapshot("2026-11-25T09:00:07.000", [online, done], prev=silent)
    assert answered.link(master_addr, replica_addr).state == LINK_UP
    assert "link_up" in [e.kind for e in diff(silent, answered)]
