"""Split brains from one snapshot: pure, from INFO replication text and Sentinel views."""

from __future__ import annotations

from dataclasses import replace

from replwatch.cli.status_cmd import exit_code
from replwatch.poll.info import ServerInfo, parse_info, parse_replication
from replwatch.poll.sentinel_reply import SentinelMaster, SentinelPeer, SentinelView
from replwatch.topology.diff import assess
from replwatch.topology.snapshot import NODE_OK, NodeState, Snapshot, build_snapshot
from replwatch.topology.split_brain import REJOIN_SECONDS, rejoining, split_brains

TS = "2026-11-25T09:00:00.000"
A, B, C = "a" * 40, "b" * 40, "c" * 40


def addr(port: int) -> str:
    return f"127.0.0.1:{port}"


def master(port: int, replid: str, *replicas: int, replid2: str | None = None) -> NodeState:
    lines = ["# Replication", "role:master", f"connected_slaves:{len(replicas)}"]
    lines += [
        f"slave{i}:ip=127.0.0.1,port={p},state=online,offset=100,lag=0"
        for i, p in enumerate(replicas)
    ]
    lines += [
        f"master_replid:{replid}",
        f"master_replid2:{replid2 or '0' * 40}",
        "master_repl_offset:100",
        "second_repl_offset:-1" if replid2 is None else "second_repl_offset:50",
    ]
    return _node(port, lines)


def replica(port: int, of: int, replid: str) -> NodeState:
    lines = [
        "# Replication",
        "role:slave",
        "master_host:127.0.0.1",
        f"master_port:{of}",
        "master_link_status:up",
        "master_last_io_seconds_ago:0",
        "master_sync_in_progress:0",
        "slave_repl_offset:100",
        "connected_slaves:0",
        f"master_replid:{replid}",
        f"master_replid2:{'0' * 40}",
        "master_repl_offset:100",
    ]
    return _node(port, lines)


def _node(port: int, lines: list[str]) -> NodeState:
    fields = parse_info("\r\n".join(lines) + "\r\n")
    return NodeState(addr(port), NODE_OK, replication=parse_replication(fields), info=fields)


def sentinel(port: int, name: str, at: int, *replicas: int) -> NodeState:
    view = SentinelView(
        (
            SentinelMaster(
                name=name,
                address=addr(at),
                flags=("master",),
                quorum=2,
                other_sentinels=2,
                replicas=tuple(SentinelPeer(addr(p), ("slave",), "ok") for p in replicas),
            ),
        )
    )
    return NodeState(addr(port), NODE_OK, sentinel=view)


def snap(*nodes: NodeState) -> Snapshot:
    return build_snapshot(TS, list(nodes))


def test_one_master_and_its_replicas_is_no_split_brain() -> None:
    healthy = snap(master(6379, A, 6380, 6381), replica(6380, 6379, A), replica(6381, 6379, A))
    assert split_brains(healthy) == []
    assert [p.severity for p in assess(healthy)] == []


def test_two_unrelated_masters_are_no_split_brain() -> None:
    apart = snap(master(6379, A, 6380), replica(6380, 6379, A), master(7000, B, 7001))
    assert split_brains(apart) == []


def test_a_replica_listed_by_two_masters() -> None:
    (brain,) = split_brains(snap(master(6379, A, 6381), master(6380, B, 6381)))
    assert brain.masters == (addr(6379), addr(6380)) and brain.name is None
    assert brain.label == "127.0.0.1:6379,127.0.0.1:6380"
    assert brain.reasons == (
        "127.0.0.1:6379 and 127.0.0.1:6380 both list 127.0.0.1:6381 as their replica",
    )
    assert brain.message.startswith(
        "split brain: 127.0.0.1:6379 and 127.0.0.1:6380 are both masters: "
    )


def test_a_replica_that_follows_one_master_while_the_other_still_lists_it() -> None:
    # the old master kept the replica's connection (it has not noticed it is gone)
    nodes = snap(master(6379, A, 6381), master(6380, B), replica(6381, 6380, B))
    (brain,) = split_brains(nodes)
    assert brain.reasons == (
        "replica 127.0.0.1:6381 replicates from 127.0.0.1:6380 "
        "while 127.0.0.1:6379 still lists it as its replica",
    )
    problems = assess(nodes)
    assert [(p.severity, p.address) for p in problems] == [
        ("link", "127.0.0.1:6379,127.0.0.1:6380")
    ]
    assert int(exit_code(problems)) == 1


def test_a_detached_replica_carries_on_its_masters_history() -> None:
    # REPLICAOF NO ONE on 6381: a master of its own, replid2 = the old master's replid,
    # while 6379 still takes writes for the other replica
    nodes = snap(master(6379, A, 6380), replica(6380, 6379, A), master(6381, C, replid2=A))
    (brain,) = split_brains(nodes)
    assert brain.masters == (addr(6379), addr(6381))
    assert brain.reasons == (
        "127.0.0.1:6381 was promoted from 127.0.0.1:6379's history "
        "(its replid2 is aaaaaaaa) while 127.0.0.1:6379 still takes writes",
    )
    same = snap(master(6379, A), master(6380, A))
    assert split_brains(same)[0].reasons == ("both have replication id aaaaaaaa",)


def test_two_masters_under_one_sentinel_name() -> None:
    # the Sentinels place mymaster at 6379 and list 6380 as its replica, which says master
    nodes = snap(
        sentinel(26379, "mymaster", 6379, 6380, 6381),
        master(6379, A, 6381),
        replica(6381, 6379, A),
        master(6380, B),
    )
    (brain,) = split_brains(nodes)
    assert brain.name == "mymaster" and brain.label == "mymaster"
    assert brain.reasons == (
        "the Sentinels place mymaster at 127.0.0.1:6379 and list 127.0.0.1:6380 as its "
        "replica, and each answers role:master",
    )
    assert "masters of mymaster" in brain.message


def test_sentinel_groups_that_follow_a_master_each_are_one_split_brain_said_once() -> None:
    nodes = snap(
        sentinel(26379, "mymaster", 6379),
        sentinel(26380, "mymaster", 7000),
        master(6379, A),
        master(7000, B),
    )
    (brain,) = split_brains(nodes)
    assert brain.name == "mymaster"
    assert brain.reasons[0] == (
        "the Sentinels disagree where mymaster is (127.0.0.1:6379, 127.0.0.1:7000), "
        "and each answers role:master"
    )
    problems = assess(nodes)
    # the Sentinels' disagreement is this split brain: one line, not two
    assert [p.address for p in problems] == ["mymaster"]
    assert problems[0].message == brain.message


def test_signs_of_one_split_brain_are_joined_and_named() -> None:
    nodes = snap(
        sentinel(26379, "mymaster", 6379, 6380, 6381),
        master(6379, A, 6381),
        master(6380, C, replid2=A),
        replica(6381, 6380, C),
    )
    (brain,) = split_brains(nodes)
    assert brain.masters == (addr(6379), addr(6380)) and brain.name == "mymaster"
    assert len(brain.reasons) == 3  # the replica, the Sentinel name, the history


def test_a_master_that_does_not_answer_is_no_second_master() -> None:
    down = NodeState(addr(6380), "unreachable", error="127.0.0.1:6380: connection refused")
    assert split_brains(snap(master(6379, A, 6381), down, replica(6381, 6379, A))) == []


def _restarted(node: NodeState, uptime: int) -> NodeState:
    return replace(node, server=ServerInfo("redis", "7.0.15", "f" * 40, uptime))


def test_an_old_master_restarting_after_a_failover_is_rejoining_not_a_split_brain() -> None:
    # 6380 was promoted; 6379, the old master, is back as a master for 5 s and the
    # Sentinels already list it as a replica of 6380: they convert it in seconds
    nodes = snap(
        sentinel(26379, "mymaster", 6380, 6379, 6381),
        master(6380, B, 6381, replid2=A),
        replica(6381, 6380, B),
        _restarted(master(6379, C), 5),
    )
    assert split_brains(nodes) == []
    (back,) = rejoining(nodes)
    assert (back.address, back.name, back.master) == (addr(6379), "mymaster", addr(6380))
    assert "will reconfigure it" in back.message
    assert [p for p in assess(nodes) if "split brain" in p.message] == []


def test_a_restarted_master_that_stays_a_master_becomes_a_split_brain() -> None:
    for uptime, rejoins in ((5, True), (REJOIN_SECONDS, False), (3600, False)):
        nodes = snap(
            sentinel(26379, "mymaster", 6380, 6379),
            master(6380, B, replid2=A),
            _restarted(master(6379, C), uptime),
        )
        assert bool(rejoining(nodes)) is rejoins
        assert bool(split_brains(nodes)) is not rejoins


def test_an_old_master_still_on_its_history_is_a_split_brain_even_when_just_up() -> None:
    # never restarted as a new run: it still has the history 6380 was promoted from
    nodes = snap(
        sentinel(26379, "mymaster", 6380, 6379),
        master(6380, B, replid2=A),
        _restarted(master(6379, A), 5),
    )
    assert rejoining(nodes) == []
    (brain,) = split_brains(nodes)
    assert brain.masters == (addr(6379), addr(6380))
