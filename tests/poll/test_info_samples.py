"""Every captured INFO/ROLE sample of ten server versions parses into sensible values.

The samples (``info_samples/``, a copy of ``shared/redis-info-samples``) are real
redis-cli output of Redis 2.8-7.4 and Valkey 7.2/8.0/8.1 in steady, syncing, link-down,
auth-error, promoted, failover and sentinel states; file names say which
(``<state>-<node>-<what>[-variant].txt``).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replwatch.poll.info import auth_error_kind, parse_info, parse_replication, parse_server
from replwatch.poll.role_reply import parse_role, role_reply_from_cli

SAMPLES = Path(__file__).parent / "info_samples"
SAMPLE_FILES = sorted(p for p in SAMPLES.glob("*/*.txt"))
REPLID = re.compile(r"^[0-9a-f]{40}$")


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _version(path: Path) -> tuple[int, int]:
    major, minor = path.parent.name.split("-")[1].split(".")[:2]
    return int(major), int(minor)


def _is_valkey(path: Path) -> bool:
    return path.parent.name.startswith("valkey")


def test_samples_are_all_there() -> None:
    versions = {p.parent.name for p in SAMPLE_FILES}
    assert len(versions) == 11  # the ten shared ones + valkey-7.2.7 (steady/linkdown/auth/promoted)
    assert len(SAMPLE_FILES) > 350


def _check_replication(path: Path, text: str) -> None:
    repl = parse_replication(text)
    state, node = path.name.split("-")[0], path.name.split("-")[2]
    if node == "sentinel":  # a sentinel's INFO replication is empty
        assert repl.role is None and repl.replicas == ()
        return
    assert repl.role in {"master", "replica"}
    assert isinstance(repl.master_repl_offset, int)
    assert isinstance(repl.backlog_size, int) and repl.backlog_size > 0
    assert len(repl.replicas) == repl.connected_replicas
    for entry in repl.replicas:
        assert entry.ip == "127.0.0.1"
        assert 22000 <= entry.port < 22500
        assert entry.state in {"online", "wait_bgsave", "send_bulk"}
        assert isinstance(entry.offset, int) and isinstance(entry.lag, int)
        if entry.state != "online":
            assert entry.offset == 0
        # Valkey 8.0 added ``type=replica``; Valkey 7.2 writes the Redis 7.2 line
        assert entry.kind == ("replica" if _is_valkey(path) and _version(path) >= (8, 0) else None)
    if repl.role == "replica":
        assert repl.master_host == "127.0.0.1" and 22000 <= (repl.master_port or 0) < 22500
        assert repl.master_link_status in {"up", "down"}
        assert isinstance(repl.replica_repl_offset, int)
        if repl.master_link_status == "up":
            assert repl.master_link_down_since_seconds is None
            assert repl.master_last_io_seconds_ago is not None
        else:
            assert repl.master_last_io_seconds_ago is None  # printed as -1
            if state == "C":  # a real loss, 3 s before the capture
                assert repl.master_link_down_since_seconds is not None
                assert 0 <= repl.master_link_down_since_seconds < 60
            else:  # never connected yet: epoch seconds (<6.2) or -1 both mean None
                assert repl.master_link_down_since_seconds is None
        if repl.master_sync_in_progress:
            assert repl.master_link_status == "down"
            if repl.sync_left_bytes is not None and repl.sync_total_bytes is not None:
                assert repl.sync_read_bytes is not None
                assert repl.sync_read_bytes + repl.sync_left_bytes == repl.sync_total_bytes
            if repl.sync_total_bytes is None:  # the master is still producing the RDB
                assert repl.sync_read_bytes in (None, 0)
            if _version(path) >= (6, 2) or _is_valkey(path):
                assert repl.sync_read_bytes is not None
    if _version(path) >= (4, 0) or _is_valkey(path):
        assert repl.replid is not None and REPLID.match(repl.replid)
        assert repl.replid2 is None or REPLID.match(repl.replid2)
        if repl.replid2 is not None:
            assert repl.second_repl_offset is not None and repl.second_repl_offset > 0
    else:
        assert repl.replid is None and repl.replid2 is None
    if _version(path) >= (6, 2) or _is_valkey(path):
        assert repl.failover_state in {"no-failover", "waiting-for-sync", "failover-in-progress"}
    else:
        assert repl.failover_state is None
    if repl.backlog_active:
        assert repl.backlog_first_byte_offset is not None and repl.backlog_first_byte_offset >= 1
        assert repl.backlog_first_byte_offset + (repl.backlog_histlen or 0) - 1 == (
            repl.master_repl_offset
        )


def _check_server(path: Path, text: str) -> None:
    server = parse_server(text)
    assert server.server_name == ("valkey" if _is_valkey(path) else "redis")
    assert server.version == path.parent.name.split("-")[1]
    assert server.run_id is not None and REPLID.match(server.run_id)
    assert isinstance(server.uptime_seconds, int) and server.uptime_seconds >= 0
    assert server.tcp_port is not None and 22000 <= server.tcp_port < 22500


def _check_role(path: Path, text: str) -> None:
    if "NOAUTH" in text:
        assert auth_error_kind(text) == "noauth"
        return
    role = parse_role(role_reply_from_cli(text))
    node = path.name.split("-")[2]
    if role.role == "master":
        assert isinstance(role.offset, int) and role.offset >= 0
        for ip, port, offset in role.replicas:
            assert ip == "127.0.0.1" and 22000 <= port < 22500 and isinstance(offset, int)
    elif role.role == "replica":
        assert role.master_host == "127.0.0.1"
        assert role.link_state in {"connect", "connecting", "handshake", "sync", "connected"}
        assert (role.offset is None) == (role.link_state != "connected")
    else:
        assert role.role == "sentinel" and node == "sentinel"
        assert role.master_names == ("mymaster",)
    if node == "master" and "failover" not in path.name.lower() and path.name[0] == "A":
        assert role.role == "master" and len(role.replicas) == 2


def _check_auth(path: Path, text: str) -> None:
    expected = "wrongpass" if "wrongpass" in path.name else "noauth"
    assert auth_error_kind(text) == expected


def _check_sentinel(path: Path, text: str) -> None:
    if "INFO_sentinel" in path.name:
        fields = parse_info(text)
        assert fields["sentinel_masters"] == "1"
        assert "name=mymaster,status=ok" in fields["master0"]
    else:  # SENTINEL ... replies: the monitored master or its address shows
        assert "mymaster" in text or "127.0.0.1" in text


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=_id)
def test_sample_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = path.name
    if name.startswith("D-auth") and "INFO" in name:
        _check_auth(path, text)
    elif "INFO_replication" in name:
        _check_replication(path, text)
    elif "INFO_server" in name:
        _check_server(path, text)
    elif "-ROLE" in name:
        _check_role(path, text)
    elif "SENTINEL" in name or "INFO_sentinel" in name:
        _check_sentinel(path, text)
    else:
        pytest.fail(f"no check for sample {name}")


def test_plain_and_noraw_role_agree() -> None:
    pairs = [p for p in SAMPLE_FILES if p.stem.endswith("ROLE_noraw")]
    assert pairs
    for noraw in pairs:
        plain = noraw.with_name(noraw.name.replace("ROLE_noraw", "ROLE"))
        assert parse_role(role_reply_from_cli(noraw.read_text())) == parse_role(
            role_reply_from_cli(plain.read_text())
        )


def test_steady_master_and_replica_agree_on_offsets() -> None:
    for version in sorted({p.parent for p in SAMPLE_FILES}):
        master = parse_replication((version / "A-steady-master-INFO_replication.txt").read_text())
        replica = parse_replication((version / "A-steady-replica-INFO_replication.txt").read_text())
        assert master.role == "master" and replica.role == "replica"
        assert replica.master_link_status == "up"
        assert {e.offset for e in master.replicas} == {master.master_repl_offset}
        assert replica.replica_repl_offset == master.master_repl_offset
        assert replica.replid == master.replid


def test_failover_in_progress_reports_replica_role_with_replicas() -> None:
    path = SAMPLES / "valkey-8.1.8" / "F-failover-master-INFO_replication-in_progress.txt"
    repl = parse_replication(path.read_text())
    assert repl.role == "replica"
    assert repl.failover_state == "failover-in-progress"
    assert repl.master_link_status == "down"
    assert [e.port for e in repl.replicas] == [22452, 22451]
    assert [e.lag for e in repl.replicas] == [0, 3]


def test_old_slave_line_format() -> None:
    repl = parse_replication(
        "role:master\r\nconnected_slaves:1\r\nslave0:127.0.0.1,10001,online\r\n"
    )
    (entry,) = repl.replicas
    assert (entry.ip, entry.port, entry.state, entry.offset) == ("127.0.0.1", 10001, "online", None)


def test_valkey_version_is_the_product_version() -> None:
    server = parse_server(
        (SAMPLES / "valkey-8.0.1" / "A-steady-master-INFO_server.txt").read_text()
    )
    assert server.product == "valkey 8.0.1"
    assert parse_info("redis_version:7.2.4\r\nserver_name:valkey\r\n")["redis_version"] == "7.2.4"


def test_torn_reply_does_not_raise() -> None:
    repl = parse_replication("role:sla")
    assert repl.role == "sla" and repl.replicas == ()
    assert parse_replication("\x00garbage\nslave0:ip=1.2.3.4,port=x\n").replicas == ()
    with pytest.raises(ValueError):
        parse_role([])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_without_raising(text: str) -> None:
    repl = parse_replication(text)
    assert isinstance(repl.replicas, tuple)
    parse_server(text)
    with contextlib.suppress(ValueError):
        parse_role(role_reply_from_cli(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers(), st.binary(), st.lists(st.text())), max_size=6))
def test_any_reply_is_a_role_or_a_value_error(reply: list) -> None:
    try:
        role = parse_role(reply)
    except ValueError:
        return
    assert role.role in {"master", "replica", "sentinel"}
