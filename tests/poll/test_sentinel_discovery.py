"""A Sentinel among the targets brings its whole group: real Sentinels, a real failover."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from replwatch.lab import Lab
from replwatch.lab.sentinel import SentinelGroup
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.poll.rounds import Poller, PollSettings
from replwatch.poll.sentinel_reply import disagreements, flat_table, parse_master
from replwatch.topology.snapshot import LINK_UP, Snapshot
from replwatch.topology.split_brain import rejoining, split_brains

PASSWORD = "sentinel-lab-secret"
FAST = PollSettings(connect_timeout=0.5, read_timeout=1.0)
SAMPLES = Path(__file__).parent / "info_samples" / "redis-7.0.15"


def addr(port: int) -> str:
    return f"127.0.0.1:{port}"


def _lines(name: str) -> list[str]:
    return (SAMPLES / name).read_text().splitlines()


def test_a_sentinel_sample_reply_reads_as_its_master_replicas_and_peers() -> None:
    masters = _lines("G-sentinel-sentinel-SENTINEL_masters.txt")
    replicas = _lines("G-sentinel-sentinel-SENTINEL_replicas.txt")
    width = len(replicas) // 2  # two replicas of equal field count
    master = parse_master(masters, [replicas[:width], replicas[width:]])
    assert master is not None
    table = flat_table(masters)
    assert master.name == table["name"] and master.address == f"{table['ip']}:{table['port']}"
    assert master.quorum == int(table["quorum"]) and master.status == "ok"
    assert [r.address for r in master.replicas] == sorted(
        f"127.0.0.1:{flat_table(half)['port']}" for half in (replicas[:width], replicas[width:])
    )
    assert parse_master(["name", "x"]) is None  # a torn reply is no master


async def poll_until(
    poller: Poller, wanted: Callable[[Snapshot], bool], timeout: float = 30
) -> Snapshot:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        snap = await poller.poll()
        if wanted(snap) or loop.time() > deadline:
            return snap
        await asyncio.sleep(0.2)


def _master_of(snap: Snapshot) -> set[str]:
    return {
        m.address for n in snap.nodes if n.sentinel is not None for m in n.sentinel.masters
    }


async def test_one_sentinel_brings_the_group_and_follows_a_failover(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    # requirepass on the replicas too: the promoted one must accept the others' masterauth
    lab = lab_factory(3, password=PASSWORD, server_kind="redis", protect_replicas=True)
    sentinels = sentinels_for(lab)
    creds = Credentials(password=PASSWORD, source="environment")
    first = [Address("127.0.0.1", sentinels.ports[0])]
    everyone = sorted(addr(p) for p in [*lab.ports, *sentinels.ports])

    def whole(snap: Snapshot) -> bool:
        up = sum(link.state == LINK_UP for link in snap.links)
        return sorted(n.address for n in snap.nodes) == everyone and up == 2

    async with Poller(first, credentials=creds, settings=FAST, follow=True) as poller:
        snap = await poll_until(poller, whole)
        assert whole(snap), sorted(n.address for n in snap.nodes)
        views = {n.address: n.sentinel for n in snap.nodes if n.sentinel is not None}
        assert sorted(views) == sorted(addr(p) for p in sentinels.ports)
        assert _master_of(snap) == {addr(lab.master_port)}
        assert not disagreements(views)  # type: ignore[arg-type]

        lab.kill(lab.master_port)
        moved = await poll_until(
            poller,
            lambda s: bool(_master_of(s)) and addr(lab.master_port) not in _master_of(s),
            timeout=45,
        )
        (new_master,) = _master_of(moved)
        assert new_master in {addr(p) for p in lab.replica_ports}
        linked = await poll_until(
            poller,
            lambda s: any(k.master == new_master and k.state == LINK_UP for k in s.links),
        )
        assert any(k.master == new_master and k.state == LINK_UP for k in linked.links)

        # the old master comes back as a master; the Sentinels list it as a replica
        # and convert it: an old master rejoining, never called a split brain
        old = addr(lab.master_port)
        lab.start(lab.master_port)
        seen: list[Snapshot] = []

        def converted(snap: Snapshot) -> bool:
            seen.append(snap)
            node = next((n for n in snap.nodes if n.address == old), None)
            return node is not None and node.ok and node.master_address == new_master

        await poll_until(poller, converted, timeout=45)
        assert converted(seen[-1]), "the Sentinels did not convert the old master in 45 s"
        assert [split_brains(snap) for snap in seen] == [[]] * len(seen)
        back = [r for snap in seen for r in rejoining(snap)]
        assert back and {(r.address, r.master) for r in back} == {(old, new_master)}


def test_status_with_only_a_sentinel_shows_the_group_and_its_verdict(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(3, password=PASSWORD, server_kind="redis")
    sentinels = sentinels_for(lab)
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    env["REDISCLI_AUTH"] = PASSWORD
    args = [sys.executable, "-m", "replwatch", "status", "--sentinel", addr(sentinels.ports[0])]
    deadline = time.monotonic() + 20
    while True:  # the replicas may still be finishing their first sync
        result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert result.returncode == 0, result.stdout + result.stderr
    for port in [*lab.ports, *sentinels.ports]:
        assert addr(port) in result.stdout
    first = addr(sentinels.ports[0])
    rows = [line for line in result.stdout.splitlines() if line.startswith(first)]
    assert any("mymaster" in row and addr(lab.master_port) in row and " ok " in row for row in rows)
    assert PASSWORD not in result.stdout + result.stderr

    as_json = subprocess.run([*args, "--json"], env=env, capture_output=True, text=True, timeout=60)
    document = json.loads(as_json.stdout)
    seen = [n for n in document["nodes"] if n["sentinel"]]
    assert len(seen) == 3 and all(
        m["address"] == addr(lab.master_port) for n in seen for m in n["sentinel"]["masters"]
    )
    wrong_name = subprocess.run(
        [*args, "--master", "nosuch", "--no-follow"], env=env, capture_output=True, text=True
    )
    assert addr(lab.master_port) not in wrong_name.stdout.split("SENTINEL")[0]
