"""From one node of a real Redis Cluster to every shard, and through a replica failover."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replwatch.lab import Lab, free_cluster_ports
from replwatch.poll.cluster_reply import parse_cluster, parse_node_line
from tests.conftest import require_server

PASSWORD = "cluster-lab-secret"

LINES = {
    # Redis 3.x: no cluster bus port in the address
    "3.2": "07c3 127.0.0.1:30001 myself,master - 0 0 1 connected 0-5460",
    # Redis 4.0-6.2: ip:port@cport
    "5.0": "e7d1 127.0.0.1:30004@40004 slave 07c3 0 1426238317239 4 connected",
    # Redis 7+: a hostname after the address; a failed master with migrating slots
    "7.0": "aa11 10.0.0.7:6379@16379,redis-2 master,fail - 1426 1426 2 disconnected "
    "5461-10922 [10923->-bb22]",
    # Valkey 8: aux fields after the hostname
    "valkey-8": "cc33 127.0.0.1:7000@17000,,shard-id=9f1e myself,master - 0 0 3 connected "
    "10923-16383",
}


def test_every_release_layout_of_a_cluster_nodes_line_reads() -> None:
    nodes = {release: parse_node_line(line) for release, line in LINES.items()}
    assert all(node is not None for node in nodes.values())
    assert nodes["3.2"].address == "127.0.0.1:30001" and nodes["3.2"].slot_count == 5461
    assert nodes["5.0"].master_id == "07c3" and not nodes["5.0"].is_master
    assert nodes["7.0"].address == "10.0.0.7:6379" and nodes["7.0"].failing == "fail"
    assert nodes["7.0"].slot_count == 10922 - 5461 + 1  # the migration mark is no slot
    assert nodes["valkey-8"].address == "127.0.0.1:7000"
    assert parse_node_line("garbage") is None
    view = parse_cluster("\n".join(LINES.values()) + "\ntorn line\n", "cluster_state:fail\r\n")
    assert view.state == "fail" and len(view.nodes) == 4
    shards = view.shards()
    assert [s.master.node_id for s in shards] == ["07c3", "aa11", "cc33"]  # slot order
    assert [r.node_id for r in shards[0].replicas] == ["e7d1"]


@pytest.fixture
def cluster(server_kind: str, tmp_path: Path) -> Iterator[Lab]:
    lab = Lab(
        tmp_path / "cluster",
        free_cluster_ports(6),
        password=PASSWORD,
        server=require_server(server_kind),
        cluster=True,
    )
    try:
        lab.up()
        lab.form_cluster(replicas=1)
        yield lab
    finally:
        lab.down(purge=True)


def _status(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    env["REDISCLI_AUTH"] = PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "replwatch", "status", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_one_node_brings_every_shard_and_a_failover_shows(cluster: Lab) -> None:
    entry = f"127.0.0.1:{cluster.ports[0]}"
    result = _status("--cluster", entry)
    deadline = time.monotonic() + 20
    while result.returncode != 0 and time.monotonic() < deadline:  # replicas still syncing
        time.sleep(0.5)
        result = _status("--cluster", entry)
    assert result.returncode == 0, result.stdout + result.stderr
    for port in cluster.ports:
        assert f"127.0.0.1:{port}" in result.stdout
    assert "cluster state: ok (6 nodes)" in result.stdout
    document = json.loads(_status("--cluster", entry, "--json").stdout)
    view = next(n["cluster"] for n in document["nodes"] if n["cluster"])
    masters = [n for n in view["nodes"] if "master" in n["flags"]]
    assert len(masters) == 3 and len(document["links"]) == 3
    assert PASSWORD not in result.stdout + result.stderr

    victim = next(int(m["address"].rsplit(":", 1)[1]) for m in masters)
    victim_id = next(m["node_id"] for m in masters if m["address"].endswith(f":{victim}"))
    survivor = next(p for p in cluster.ports if p != victim)
    cluster.kill(victim)
    deadline = time.monotonic() + 30
    while True:
        after = _status("--cluster", f"127.0.0.1:{survivor}", "--json")
        doc = json.loads(after.stdout)
        view = next(n["cluster"] for n in doc["nodes"] if n["cluster"])
        promoted = [
            n
            for n in view["nodes"]
            if "master" in n["flags"] and not {"fail", "fail?"} & set(n["flags"])
        ]
        gone = all(n["node_id"] != victim_id for n in promoted)
        if (len(promoted) == 3 and gone) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(promoted) == 3 and gone, view  # a replica took the failed master's slots
    messages = [p["message"] for p in doc["problems"]]
    assert any(victim_id[:8] in m and "failing" in m for m in messages), messages
    assert after.returncode == 2  # the killed node itself is unreachable
