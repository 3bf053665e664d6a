"""The seed's topology on real servers: up, link down/up, catch-up, clean teardown."""

from __future__ import annotations

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
