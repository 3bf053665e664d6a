"""The seed's topology on real servers: up, link down/up, catch-up, clean teardown."""

from __future__ import annotations

import time

import pytest
import redis

from replwatch.lab import Lab, free_ports, port_in_use
from replwatch.lab.process import alive


def test_up_gives_a_master_with_two_online_replicas(seed_lab: Lab) -> None:
    rows = {row.port: row for row in seed_lab.status()}
    master = rows[seed_lab.master_port]
    assert master.running and master.role == "master"
    assert master.connected_replicas == 2
    for port in seed_lab.replica_ports:
        assert rows[port].role == "slave"
        assert rows[port].link == "up"
        assert rows[port].master_port == seed_lab.master_port
    assert "Ready to accept connections" in seed_lab.log_path(seed_lab.master_port).read_text()


def test_stopping_the_master_drops_the_links_and_starting_it_restores_them(
    seed_lab: Lab,
) -> None:
    seed_lab.stop(seed_lab.master_port)
    for port in seed_lab.replica_ports:
        seed_lab.wait_link_down(port, timeout=10)
    assert not port_in_use(seed_lab.master_port)

    seed_lab.start(seed_lab.master_port)
    for port in seed_lab.replica_ports:
        seed_lab.wait_link_up(port, timeout=15)
    replica_log = seed_lab.log_path(seed_lab.replica_ports[0]).read_text()
    assert "Connection refused" in replica_log or "Connection lost" in replica_log


def test_a_stopped_replica_catches_up_on_writes_made_while_it_was_down(seed_lab: Lab) -> None:
    replica = seed_lab.replica_ports[1]
    seed_lab.stop(replica)
    seed_lab.write("written-while-down", "caught-up")
    seed_lab.start(replica)  # waits for master_link_status:up

    client = seed_lab.client(replica)
    try:
        assert client.get("written-while-down") == "caught-up"
    finally:
        client.close()


def test_kill_is_sigkill_and_leaves_a_stale_pid_file_that_start_handles(seed_lab: Lab) -> None:
    replica = seed_lab.replica_ports[0]
    pid = seed_lab.pid(replica)
    seed_lab.kill(replica)
    assert pid is not None and not alive(pid)
    assert seed_lab.pid_path(replica).exists()  # no clean shutdown: the pid file stays
    row = next(row for row in seed_lab.status() if row.port == replica)
    assert not row.running and row.stale_pidfile
    seed_lab.start(replica)
    assert seed_lab.pid(replica) not in (None, pid)


def test_down_leaves_no_process_and_purge_leaves_no_file(lab_factory, server_kind: str) -> None:
    lab = lab_factory(3, password="foobared")
    pids = [lab.pid(port) for port in lab.ports]
    assert all(pids)
    lab.down(purge=True)
    assert not any(alive(pid) for pid in pids if pid)
    assert not any(port_in_use(port) for port in lab.ports)
    assert not lab.dir.exists()


def test_load_reopens_a_lab_and_can_write_with_the_stored_password(lab_factory) -> None:
    lab = lab_factory(2, password="s3cret")
    reopened = Lab.load(lab.dir)
    assert reopened.ports == lab.ports
    reopened.write("via-load", "yes")
    lab.wait_link_up(lab.replica_ports[0])
    assert "s3cret" not in (lab.dir / "lab.json").read_text()
    assert oct(lab.config_path(lab.master_port).stat().st_mode & 0o777) == "0o600"


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    assert not any(port_in_use(port) for port in ports)


def _replicated(client: redis.Redis, key: str, timeout: float = 10) -> str | None:
    """GET ``key`` until the write made on the master has reached this replica."""
    deadline = time.monotonic() + timeout
    while (value := client.get(key)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def _anonymous(port: int) -> redis.Redis:
    """A client that sends no password at all, as `redis-cli -p PORT` does."""
    return redis.Redis(  # RESP2, as redis-cli speaks by default (RESP3 would say HELLO)
        host="127.0.0.1", port=port, socket_timeout=2, decode_responses=True, protocol=2
    )


def test_the_default_lab_is_the_seeds_layout(seed_lab: Lab) -> None:
    """`redis-cli -p 10001 get test` works without a password; the master says NOAUTH."""
    seed_lab.write("test", "seeded")
    master, replica = _anonymous(seed_lab.master_port), _anonymous(seed_lab.replica_ports[0])
    try:
        assert _replicated(replica, "test") == "seeded"
        with pytest.raises(redis.AuthenticationError, match="Authentication required"):
            master.get("test")
    finally:
        master.close()
        replica.close()
    for port in seed_lab.replica_ports:
        assert seed_lab.requires_password(port) is False
        assert "requirepass" not in seed_lab.config_path(port).read_text()
        assert "masterauth" in seed_lab.config_path(port).read_text()
    reopened = Lab.load(seed_lab.dir)  # a later `replwatch lab` run knows the layout
    assert not reopened.protect_replicas
    assert [row.link for row in reopened.status()[1:]] == ["up", "up"]


def test_protect_replicas_makes_every_node_ask_for_the_password(
    lab_factory, server_kind: str
) -> None:
    lab = lab_factory(2, password="foobared", protect_replicas=True)
    lab.write("test", "seeded")
    replica = _anonymous(lab.replica_ports[0])
    try:
        with pytest.raises(redis.AuthenticationError, match="Authentication required"):
            replica.get("test")
    finally:
        replica.close()
    reopened = Lab.load(lab.dir)
    assert reopened.protect_replicas and reopened.requires_password(lab.replica_ports[0])
    client = reopened.client(lab.replica_ports[0])
    try:
        assert _replicated(client, "test") == "seeded"
    finally:
        client.close()


def test_lift_save_delay_ends_the_demo_slow_saves_on_running_nodes(
    lab_factory, server_kind: str
) -> None:
    """The demo slows its master's saves so that a full sync can be watched; before
    it stops the lab the delay is lifted, else the last save takes seconds."""
    lab = lab_factory(2, password="foobared", node_config={0: {"rdb-key-save-delay": "500"}})
    lab.stop(lab.replica_ports[0])  # a node that is down is skipped, not an error
    master = lab.client(lab.master_port)
    assert master.config_get("rdb-key-save-delay") == {"rdb-key-save-delay": "500"}
    lab.lift_save_delay()
    assert master.config_get("rdb-key-save-delay") == {"rdb-key-save-delay": "0"}
