"""Finding each node's log: what the server reports, and what --logs overrides."""

from __future__ import annotations

from pathlib import Path

from replwatch.follow.sources import (
    LogSource,
    guess_node,
    log_path_from_config,
    parse_log_option,
    resolve_sources,
)

NODES = ["127.0.0.1:10000", "127.0.0.1:10001", "127.0.0.1:10002"]


def test_a_relative_logfile_is_under_the_servers_dir_and_stdout_is_none() -> None:
    assert log_path_from_config("redis.log", "/var/lib/redis") == Path("/var/lib/redis/redis.log")
    assert log_path_from_config("/var/log/r.log", "/data") == Path("/var/log/r.log")
    assert log_path_from_config("", "/data") is None


def test_logs_option_may_name_its_node() -> None:
    assert parse_log_option("127.0.0.1:10001=/tmp/a.log") == LogSource(
        Path("/tmp/a.log"), "127.0.0.1:10001"
    )
    assert parse_log_option("[::1]:6380=x.log") == LogSource(Path("x.log"), "[::1]:6380")
    assert parse_log_option("/tmp/odd=name.log") == LogSource(Path("/tmp/odd=name.log"), None)


def test_the_port_in_a_file_name_finds_its_node_only_when_unambiguous() -> None:
    assert guess_node(Path("/var/log/redis_10001.log"), NODES) == "127.0.0.1:10001"
    assert guess_node(Path("/var/log/redis.log"), NODES) is None
    assert guess_node(Path("10000-10001.log"), NODES) is None


def test_logs_override_what_the_server_reported_and_add_the_rest() -> None:
    discovered = {"127.0.0.1:10000": Path("/srv/m.log"), "127.0.0.1:10001": Path("/srv/r1.log")}
    overrides = [
        LogSource(Path("/copy/r1.log"), "127.0.0.1:10001"),
        LogSource(Path("/copy/redis-10002.log")),
        LogSource(Path("/copy/sentinel.log")),
    ]
    sources = resolve_sources(discovered, overrides, NODES)
    assert sources == [
        LogSource(Path("/srv/m.log"), "127.0.0.1:10000"),
        LogSource(Path("/copy/r1.log"), "127.0.0.1:10001"),
        LogSource(Path("/copy/redis-10002.log"), "127.0.0.1:10002"),
        LogSource(Path("/copy/sentinel.log"), None),
    ]
