"""A real Sentinel failover on both servers, with the lab's Sentinel helper.

Three Sentinels (down-after-milliseconds 1000) watch a master and two replicas, every
one with the password (``protect_replicas``); the master is SIGKILLed; Sentinel must
promote a replica, repoint the other, and ``replwatch report`` on the resulting logs
must tell that story.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from replwatch.lab import Lab, LabError
from replwatch.lab.sentinel import SentinelGroup
from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import build_report

PASSWORD = "sentinel-lab-secret"


def wait_linked_to(lab: Lab, port: int, master: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        info = lab.info_replication(port)
        if info.get("master_port") == master and info.get("master_link_status") == "up":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{port} did not follow {master}: {info}")
        time.sleep(0.05)


def test_sentinel_fails_over_a_killed_master(
    lab_factory: Callable[..., Lab],
    server_kind: str,
    sentinels_for: Callable[[Lab], SentinelGroup],
) -> None:
    # requirepass on the replicas too: the promoted one must accept the others' masterauth
    lab = lab_factory(3, password=PASSWORD, server_kind=server_kind, protect_replicas=True)
    sentinels = sentinels_for(lab)
    for port in sentinels.ports:
        config = sentinels.config_path(port)
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        cmdline = Path(f"/proc/{sentinels.pid(port)}/cmdline").read_bytes()
        assert PASSWORD.encode() not in cmdline
        assert sentinels.master_port_seen(port) == lab.master_port
    lab.write("before", "1")
    old = lab.master_port
    lab.kill(old)

    deadline = time.monotonic() + 30
    while (new := sentinels.master_port_seen(sentinels.ports[0])) in (old, None):
        assert time.monotonic() < deadline, "Sentinel did not switch the master in 30 s"
        time.sleep(0.05)
    sentinels.wait_master(new, timeout=15)
    assert new in lab.replica_ports
    assert lab.info_replication(new)["role"] == "master"
    other = next(p for p in lab.replica_ports if p != new)
    wait_linked_to(lab, other, new)
    lab.write("after", "2", port=new)

    logs = [lab.log_path(p) for p in lab.ports] + [sentinels.log_path(p) for p in sentinels.ports]
    parser = load_default_parser()
    report = build_report([parse_file(parser, str(p), source=str(p)) for p in logs])
    [failover] = report.failovers
    assert (failover.old_master, failover.new_master) == (str(old), str(new))
    assert failover.outcome == "switched"
    assert failover.no_master_seconds is not None and failover.no_master_seconds > 0
    assert any(f"{other} repointed to {new}" in step.text for step in failover.steps)
    for node in report.nodes:
        is_sentinel = int(node.port or 0) in sentinels.ports
        assert ("sentinel" in node.roles) == is_sentinel, node
    for path in logs:
        assert PASSWORD not in path.read_text()
    for port in sentinels.ports:  # rewritten by Sentinel after the switch: still private
        assert stat.S_IMODE(sentinels.config_path(port).stat().st_mode) == 0o600


def test_sentinel_ports_must_not_be_lab_ports(lab_factory: Callable[..., Lab]) -> None:
    lab = lab_factory(2, up=False)
    with pytest.raises(LabError, match="not lab ports"):
        SentinelGroup(lab, [lab.master_port])
