"""Version awareness of the lab: what ``--version`` says, and what each version accepts.

Old servers refuse to start on an option they do not know, so a wrong table here
means ``replwatch lab up`` fails on the very versions people still run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replwatch.lab import LabError
from replwatch.lab import versions as v
from replwatch.lab.server import parse_version_output
from replwatch.lab.status import from_info


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "Redis server v=2.8.24 sha=00000000:0 malloc=libc bits=64 build=3bf88b50",
            ("redis", "2.8.24"),
        ),
        ("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64", ("redis", "7.0.15")),
        (
            "Server v=7.2.7 sha=00000000:0 malloc=libc bits=64 build=2dfb9f7988ea9e",
            ("valkey", "7.2.7"),
        ),
        (
            "Valkey server v=8.0.1 sha=00000000:1 malloc=libc bits=64 build=f3cb7836",
            ("valkey", "8.0.1"),
        ),
        ("redis-cli 7.0.15", None),
        ("", None),
    ],
)
def test_version_output(output: str, expected: tuple[str, str] | None) -> None:
    assert parse_version_output(output) == expected


def test_replica_names_before_5() -> None:
    settings = {"replicaof": "127.0.0.1 6379", "replica-read-only": "yes", "port": "1"}
    assert v.adapt_settings(settings, (4, 0, 14)) == {
        "slaveof": "127.0.0.1 6379",
        "slave-read-only": "yes",
        "port": "1",
    }
    assert v.adapt_settings(settings, (5, 0, 14)) == settings


def test_lab_default_left_out_where_unknown_but_asked_for_option_refused() -> None:
    assert v.adapt_settings({"repl-diskless-sync-delay": "0"}, (2, 8, 17)) == {}
    assert v.adapt_settings({"repl-diskless-sync-delay": "0"}, (2, 8, 24)) == {
        "repl-diskless-sync-delay": "0"
    }
    with pytest.raises(LabError, match=r"repl-diskless-load.*6\.0"):
        v.adapt_settings({"repl-diskless-load": "swapdb"}, (5, 0, 14))
    with pytest.raises(LabError, match="protected-mode"):
        v.adapt_settings({"protected-mode": "no"}, (2, 8, 24))


def test_commands_by_version() -> None:
    assert v.replicaof_command((4, 0, 14)) == "SLAVEOF"
    assert v.replicaof_command((5, 0, 0)) == "REPLICAOF"
    assert v.replica_client_type((2, 8, 24)) == "slave"
    assert v.replica_client_type((7, 2, 7)) == "replica"
    assert not v.has_failover_command((6, 0, 20)) and v.has_failover_command((6, 2, 16))
    assert not v.writes_pidfile_in_foreground((3, 0, 7))
    assert v.writes_pidfile_in_foreground((3, 2, 0))


def test_lab_status_shows_a_2_8_replica_its_own_offset() -> None:
    """Redis 2.8 leaves a replica's master_repl_offset at 0: the row must not say 0."""
    sample = (
        Path(__file__).parents[1]
        / "poll/info_samples/redis-2.8.24/A-steady-replica-INFO_replication.txt"
    )
    info: dict[str, object] = {}
    for line in sample.read_text().splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            info[key] = value
    row = from_info(22001, 4242, info)
    assert row.role == "slave" and row.link == "up"
    assert row.offset == int(str(info["slave_repl_offset"])) > 0
