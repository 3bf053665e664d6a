"""A node that turns the dashboard away says why: no password, or the wrong one.

The errors are the servers' own replies (tests/poll/info_samples): Redis 2.8
refuses a wrong password with ``ERR invalid password``, Valkey 8.0 with
``WRONGPASS``; both answer ``NOAUTH`` when none was given.
"""

from __future__ import annotations

import pytest

from replwatch.topology.snapshot import NODE_AUTH_REQUIRED, NodeState, build_snapshot
from replwatch.tui.app import DashboardApp
from replwatch.tui.widgets.notes import NotesBar
from replwatch.tui.widgets.topology import TopologyTree
from tests.poll.samples import sample

WRONG, NONE = "127.0.0.1:21000", "127.0.0.1:21001"


def refused(address: str, version: str, name: str) -> NodeState:
    text = sample(version, name).splitlines()[0].removeprefix("AUTH failed: ")
    return NodeState(address=address, status=NODE_AUTH_REQUIRED, error=f"{address}: {text}")


@pytest.mark.parametrize("version", ["redis-2.8.24", "valkey-8.0.1"])
async def test_wrong_and_missing_password_read_differently(version: str) -> None:
    snapshot = build_snapshot(
        "2026-11-25T10:00:00.000",
        [
            refused(WRONG, version, "D-auth-master-INFO_replication-wrongpass"),
            refused(NONE, version, "D-auth-master-INFO_replication-nopass"),
        ],
    )
    app = DashboardApp()
    async with app.run_test(size=(120, 30)) as pilot:
        app.show_snapshot(snapshot)
        await pilot.pause()
        notes = app.query_one(NotesBar).notes
        assert "refused the password" in notes[f"node:{WRONG}"]
        assert "needs a password" in notes[f"node:{NONE}"]
        tree = app.query_one(TopologyTree)
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        assert any(":21000" in label and "auth refused" in label for label in labels)
        assert any(":21001" in label and "auth required" in label for label in labels)


async def test_a_replica_without_a_password_is_marked_until_it_gets_one() -> None:
    from dataclasses import replace

    from tests.poll.samples import node

    version, base = "valkey-8.1.8", 22450
    master = replace(
        node(version, base, "A-steady-master-INFO_replication"), password_required=True
    )
    replica = node(version, base + 1, "A-steady-replica-INFO_replication")
    app = DashboardApp()
    async with app.run_test(size=(120, 30)) as pilot:

        def shown() -> tuple[list[str], dict[str, str]]:
            tree = app.query_one(TopologyTree)
            labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
            return labels, app.query_one(NotesBar).notes

        app.show_snapshot(
            build_snapshot(
                "2026-11-25T10:00:00.000", [master, replace(replica, password_required=False)]
            )
        )
        await pilot.pause()
        labels, notes = shown()
        assert [":22451" in label for label in labels if "no password" in label] == [True]
        assert "has no password while its master :22450 has one" in notes["open:127.0.0.1:22451"]

        # given requirepass (--protect-replicas): the marker and the note go
        app.show_snapshot(
            build_snapshot(
                "2026-11-25T10:00:01.000", [master, replace(replica, password_required=True)]
            )
        )
        await pilot.pause()
        labels, notes = shown()
        assert not any("no password" in label for label in labels)
        assert "open:127.0.0.1:22451" not in notes


async def test_a_split_brain_is_a_note_until_it_is_over() -> None:
    from tests.topology.test_split_brain import A, C, master, replica

    healed = [master(6379, A, 6380), replica(6380, 6379, A)]
    split = [master(6379, A, 6380), replica(6380, 6379, A), master(6381, C, replid2=A)]
    app = DashboardApp()
    async with app.run_test(size=(120, 30)) as pilot:
        app.show_snapshot(build_snapshot("2026-11-25T10:00:00.000", split))
        await pilot.pause()
        notes = app.query_one(NotesBar).notes
        note = notes["split:127.0.0.1:6379,127.0.0.1:6381"]
        assert note.startswith("split brain: 127.0.0.1:6379 and 127.0.0.1:6381 are both masters")
        assert app.query_one(NotesBar).display
        app.show_snapshot(build_snapshot("2026-11-25T10:00:01.000", healed))
        await pilot.pause()
        assert not [k for k in app.query_one(NotesBar).notes if k.startswith("split:")]
