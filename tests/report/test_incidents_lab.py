"""Incidents provoked on real servers (through the lab), then diagnosed by the report.

Each test breaks replication the way a real incident does (a tiny output buffer
limit, a tiny backlog, a master stopped past ``repl-timeout``, an ACL user without
``+psync``, a replica whose ``dir`` vanished, is full or is read-only, Sentinels
with one id) and asserts what the operator reads first: the finding naming the
setting, its lines, and the summary's root cause.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from replwatch.lab import Lab, free_ports
from replwatch.lab.sentinel import SentinelGroup
from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import Report, build_report
from replwatch.report.render_text import render_text

LabFactory = Callable[..., Lab]


def report_of(*paths: Path) -> Report:
    parser = load_default_parser()
    names = [str(p) for p in paths]
    return build_report([parse_file(parser, n, source=n) for n in names], files=names)


def logs(lab: Lab) -> list[Path]:
    return [lab.log_path(port) for port in lab.ports]


def wait_for(path: Path, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path} after {timeout} s")


def fill(lab: Lab, kilobytes: int, *, port: int | None = None) -> None:
    client = lab.client(port or lab.master_port, timeout=10)
    value = "x" * 1024
    pipe = client.pipeline(transaction=False)
    for i in range(kilobytes):
        pipe.set(f"k{i}", value)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()


def finding(report: Report, code: str):
    found = [f for f in report.findings if f.code == code]
    assert found, (code, [(f.code, f.title) for f in report.findings])
    return found[0]


def test_output_buffer_limit_names_the_setting_and_no_client_port_link(
    lab_factory: LabFactory, server_kind: str
) -> None:
    lab = lab_factory(2, server_kind=server_kind, config={
        "client-output-buffer-limit": "replica 256kb 128kb 1"})  # fmt: skip
    replica = lab.replica_ports[0]
    pid = lab.pid(replica)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        fill(lab, 16000)
        wait_for(lab.log_path(lab.master_port), "output buffer limits")
    finally:
        os.kill(pid, signal.SIGCONT)
    lab.wait_link_up(replica)
    report = report_of(*logs(lab))
    found = finding(report, "client-output-buffer-limit")
    assert "client-output-buffer-limit replica" in found.title
    assert found.evidence and found.evidence[0][0] == str(lab.log_path(lab.master_port))
    # the line's address is the replica's client port: no link is named after it
    assert {link.replica for link in report.links} == {str(replica)}
    assert any("client-output-buffer-limit" in line for line in report.summary)


def test_tiny_backlog_says_how_large_it_must_be(lab_factory: LabFactory, server_kind: str) -> None:
    lab = lab_factory(2, server_kind=server_kind, config={"repl-backlog-size": "16kb"})
    replica = lab.replica_ports[0]
    pid = lab.pid(replica)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        fill(lab, 20000)
        lab.client(lab.master_port).execute_command("CLIENT", "KILL", "TYPE", "replica")
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lab.log_path(replica), "Full resync from", timeout=30)
    lab.wait_link_up(replica)
    report = report_of(*logs(lab))
    found = finding(report, "repl-backlog-size")
    assert found.fix and "repl-backlog-size" in found.fix
    size = found.fix.split("repl-backlog-size ", 1)[1].split("`")[0]
    assert size.endswith("mb") and int(size[:-2]) >= 1
    assert "missed" in found.explanation  # the bytes missed, from the offsets seen
    missed = int(found.explanation.split("missed ", 1)[1].split(" ")[0].replace(",", ""))
    assert missed > 16 * 1024
    assert int(size[:-2]) * 1024 * 1024 >= missed


def test_master_stopped_past_repl_timeout(lab_factory: LabFactory, server_kind: str) -> None:
    lab = lab_factory(2, server_kind=server_kind, config={
        "repl-timeout": "2", "repl-ping-replica-period": "1"})  # fmt: skip
    replica = lab.replica_ports[0]
    pid = lab.pid(lab.master_port)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        # "MASTER timeout: no data ..." (Redis), "PRIMARY timeout: no data ..." (Valkey)
        wait_for(lab.log_path(replica), "timeout: no data", timeout=20)
    finally:
        os.kill(pid, signal.SIGCONT)
    lab.wait_link_up(replica)
    report = report_of(*logs(lab))
    found = finding(report, "repl-timeout")
    assert found.node == str(replica)
    assert "its master" in found.title and "repl-timeout" in found.title
    # the cause comes before what it did to the link
    codes = [f.code for f in report.findings]
    if "link-down" in codes:
        assert codes.index("repl-timeout") < codes.index("link-down")


def test_acl_user_without_psync(lab_factory: LabFactory, server_kind: str) -> None:
    lab = lab_factory(
        2,
        server_kind=server_kind,
        up=False,
        replica_password="replpass",
        node_config={
            0: {"user": "repl on >replpass ~* &* +@all -psync -sync"},
            1: {"masteruser": "repl"},
        },
    )
    lab.up(wait_links=False)
    replica = lab.replica_ports[0]
    wait_for(lab.log_path(replica), "NOPERM")
    time.sleep(1.5)  # a few more attempts
    report = report_of(*logs(lab))
    found = finding(report, "acl-masteruser")
    assert found.node == str(replica)
    assert "+psync" in found.title and found.setting == "masteruser"
    assert report.findings[0].code == "acl-masteruser"
    assert report.summary and any("masteruser" in line for line in report.summary)
    assert "replpass" not in render_text(report)


def test_promoting_a_replica_without_a_password_locks_the_others_out(
    lab_factory: LabFactory, server_kind: str
) -> None:
    """The seed's layout (requirepass on the master only), then a manual failover: the
    promoted replica has no password, so the other replica's masterauth is refused."""
    lab = lab_factory(3, password="foobared", server_kind=server_kind)
    promoted, other = lab.replica_ports
    for port, args in ((promoted, ("NO", "ONE")), (other, ("127.0.0.1", str(promoted)))):
        client = lab.client(port)
        try:
            client.execute_command("REPLICAOF", *args)
        finally:
            client.close()
    wait_for(lab.log_path(other), "without any password configured")
    time.sleep(1.5)  # a few more attempts
    report = report_of(*logs(lab))
    found = finding(report, "requirepass")
    assert found.node == str(other) and found.setting == "requirepass"
    assert "sends a password (masterauth) but its master has none" in found.title
    assert "failover" in found.explanation and found.count >= 2
    assert report.findings[0].code == "requirepass"
    assert not [f for f in report.findings if f.code == "masterauth"]  # not a wrong password
    assert "foobared" not in render_text(report)


def test_replica_dir_removed_under_it(
    lab_factory: LabFactory, server_kind: str, tmp_path: Path
) -> None:
    gone = tmp_path / "replica-dir"
    gone.mkdir()
    lab = lab_factory(2, server_kind=server_kind, node_config={
        1: {"repl-diskless-load": "disabled", "dir": str(gone)}})  # fmt: skip
    replica = lab.replica_ports[0]
    client = lab.client(replica)
    shutil.rmtree(gone)
    # a new replication id on the master makes the replica's next sync a full one
    client.execute_command("REPLICAOF", "NO", "ONE")
    client.execute_command("REPLICAOF", "127.0.0.1", str(lab.master_port))
    wait_for(lab.log_path(replica), "No such file or directory")
    time.sleep(1.5)  # it retries, and fails the same way (its cwd is gone for good)
    report = report_of(*logs(lab))
    found = finding(report, "replica-rdb-missing")
    assert found.node == str(replica) and found.setting == "dir"
    assert report.findings[0].code == "replica-rdb-missing"
    assert any("own `dir`" in line for line in report.summary)


@pytest.fixture
def tmpfs_dir(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs with the given options (``size=256k``, ``size=1m,ro``) as a data dir;
    unmounted lazily afterwards (the server may still hold it while the lab goes down)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        where = tmp_path / f"tmpfs{len(mounted)}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a tmpfs for the replica's dir (needs root / CAP_SYS_ADMIN): "
                f"{done.stderr.strip() or done.returncode}"
            )
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill_incompressible(lab: Lab, megabytes: int) -> None:
    """Random bytes: neither LZF (rdbcompression) nor anything else shrinks them."""
    client = lab.client(lab.master_port, timeout=10)
    pipe = client.pipeline(transaction=False)
    for i in range(megabytes * 16):
        pipe.set(f"r{i}", os.urandom(64 * 1024))
    pipe.execute()


def test_replica_dir_on_a_full_disk(
    tmpfs_dir: Callable[[str], Path], lab_factory: LabFactory, server_kind: str
) -> None:
    small = tmpfs_dir("size=256k")
    lab = lab_factory(2, server_kind=server_kind, node_config={
        1: {"repl-diskless-load": "disabled", "dir": str(small)}})  # fmt: skip
    replica = lab.replica_ports[0]
    fill_incompressible(lab, 2)
    client = lab.client(replica)
    # a new replication id on the master makes the replica's next sync a full one
    client.execute_command("REPLICAOF", "NO", "ONE")
    client.execute_command("REPLICAOF", "127.0.0.1", str(lab.master_port))
    log = lab.log_path(replica)
    wait_for(log, "writing to the DB dump file", timeout=30)
    time.sleep(1.5)  # it retries, and fails the same way
    report = report_of(*logs(lab))
    found = finding(report, "replica-disk-full")
    assert found.node == str(replica) and found.setting == "dir"
    assert report.findings[0].code == "replica-disk-full"
    assert found.evidence and {source for source, _line in found.evidence} == {str(log)}
    assert any("disk space" in line for line in report.summary)
    assert "master-unreachable" not in {f.code for f in report.findings}


def test_replica_dir_not_writable(
    tmpfs_dir: Callable[[str], Path], lab_factory: LabFactory, server_kind: str
) -> None:
    readonly = tmpfs_dir("size=1m,ro")
    lab = lab_factory(2, server_kind=server_kind, up=False, node_config={
        1: {"repl-diskless-load": "disabled", "dir": str(readonly)}})  # fmt: skip
    lab.up(wait_links=False)
    replica = lab.replica_ports[0]
    log = lab.log_path(replica)
    wait_for(log, "Read-only file system", timeout=30)
    time.sleep(1.5)  # a few more attempts
    report = report_of(*logs(lab))
    found = finding(report, "replica-dir-permission")
    assert found.node == str(replica) and found.setting == "dir"
    assert report.findings[0].code == "replica-dir-permission"
    assert any("write access" in line for line in report.summary)


class _SameIdSentinels(SentinelGroup):
    """Sentinels whose configs were copied with one ``sentinel myid`` line."""

    RUN_ID = "6c0b0fe4a2c3b41fd0bf6c8e0a2a2c4b0b1c7d11"

    def _settings(self, port: int, password: str | None) -> str:
        return super()._settings(port, password) + f"sentinel myid {self.RUN_ID}\n"


@pytest.fixture
def same_id_sentinels() -> Iterator[list[SentinelGroup]]:
    groups: list[SentinelGroup] = []
    yield groups
    for group in groups:
        group.down(purge=True)


def test_sentinels_with_one_id_never_agree(
    lab_factory: LabFactory, same_id_sentinels: list[SentinelGroup]
) -> None:
    lab = lab_factory(2, server_kind="valkey")
    ports = [p for p in free_ports(3 + len(lab.ports)) if p not in lab.ports][:3]
    group = _SameIdSentinels(lab, ports, quorum=2)
    same_id_sentinels.append(group)
    group.up(wait_discovery=False)
    time.sleep(2)
    lab.kill(lab.master_port)
    wait_for(group.log_path(ports[0]), "+sdown master", timeout=15)
    time.sleep(3)
    paths = [*logs(lab), *(group.log_path(p) for p in ports)]
    report = report_of(*paths)
    dup = finding(report, "sentinel-duplicate-id")
    assert dup.count == 3
    assert all("sentinel-" in source for source, _line in dup.evidence)
    assert "Sentinel ID" in dup.title or "same" in dup.title
    quorum = finding(report, "sentinel-quorum")
    assert "no +odown" in quorum.title
    # no claim without its line: nothing says the Sentinels agreed
    for f in report.findings:
        assert "Sentinels agreed" not in f.explanation, f.title
        assert "quorum agreed it was down" not in f.explanation, f.title
    assert report.findings[0].code == "sentinel-duplicate-id"
