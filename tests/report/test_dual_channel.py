"""Two-connection full syncs (Valkey 8's dual channel, Redis 8's rdb channel) are one
full sync each, on both sides: the replica asks for synchronization on each
connection and its main channel's PSYNC is accepted from the RDB's end offset, which
once read as an interrupted attempt plus a partial resync."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from replwatch.logs.files import parse_file
from replwatch.logs.parser import LogParser, load_default_parser
from replwatch.report import build_report
from replwatch.report.model import Report

WORDINGS = Path(__file__).parent.parent / "data" / "wordings"


def _report(parser: LogParser, *paths: Path) -> Report:
    streams = [parse_file(parser, str(p), source=str(p)) for p in paths]
    return build_report(streams, files=[str(p) for p in paths])


@pytest.fixture(scope="module")
def parser() -> LogParser:
    return load_default_parser()


def _counts(report: Report) -> dict[str, tuple[int, int, int]]:
    """Full syncs, partial syncs and interrupted attempts of each link, by who saw it."""
    return {
        link.observed_by: tuple(
            link.counts[key] for key in ("full_syncs", "partial_syncs", "interrupted")
        )
        for link in report.links
    }


def test_valkey_dual_channel_syncs_on_a_real_lab(lab_factory, parser: LogParser) -> None:  # type: ignore[no-untyped-def]
    """A full sync, a partial one after a restart, and a full one after the backlog
    was outrun: 2 full + 1 partial, seen the same from the master and the replica."""
    lab = lab_factory(
        2,
        server_kind="valkey",
        config={"dual-channel-replication-enabled": "yes", "repl-diskless-sync-delay": "0"},
    )
    master, replica = lab.master_port, lab.replica_ports[0]
    client = lab.client(master)
    for i in range(2000):
        client.set(f"k{i}", "x" * 100)
    lab.stop(replica)
    client.set("while-away", "1")
    lab.start(replica)  # within the backlog: partial
    client.config_set("repl-backlog-size", "16384")
    lab.stop(replica)
    for i in range(5000):
        client.set(f"z{i}", "x" * 100)  # far past the backlog: full again
    lab.start(replica)
    time.sleep(0.5)
    for logs in ([master], [replica], [master, replica]):
        report = _report(parser, *(lab.log_path(port) for port in logs))
        assert list(_counts(report).values()) == [(2, 1, 0)], [
            entry.summary() for link in report.links for entry in link.sessions
        ]


def test_redis8_rdb_channel_sync_is_one_full_sync(parser: LogParser) -> None:
    """Redis 8.0's wording (from its source, tests/data/wordings/redis-8.0.log)."""
    report = _report(parser, WORDINGS / "redis-8.0.log")
    assert _counts(report)["master"] == (1, 0, 0)
