"""Parsing ``--ports``/``--nodes``/``--host`` and matching the spellings servers report."""

from __future__ import annotations

import pytest

from replwatch.poll.addresses import (
    Address,
    AddressError,
    address_key,
    parse_node,
    parse_nodes,
    parse_ports,
    resolve_targets,
)


def test_port_ranges_and_lists() -> None:
    assert parse_ports("10000-10002") == [10000, 10001, 10002]
    assert parse_ports("6379, 7000-7001,6380") == [6379, 7000, 7001, 6380]
    for bad in ["", "10002-10000", "0", "65536", "abc", "1-99999", "1-5000"]:
        with pytest.raises(AddressError):
            parse_ports(bad)


def test_nodes_with_ipv6() -> None:
    assert parse_nodes("[::1]:6379,localhost:7000, db.local") == [
        Address("::1", 6379),
        Address("localhost", 7000),
        Address("db.local", 6379),
    ]
    assert str(parse_node("[::1]:6379")) == "[::1]:6379"
    assert parse_node("::1") == Address("::1", 6379)
    for bad in ["[::1:6379", ":6379", "host:port", "[::1]x"]:
        with pytest.raises(AddressError):
            parse_node(bad)


def test_one_spelling_per_node() -> None:
    assert address_key("localhost", 10000) == "127.0.0.1:10000"
    assert address_key("LOCALHOST", 10000) == "127.0.0.1:10000"
    assert address_key("0:0:0:0:0:0:0:1", 6379) == "[::1]:6379"
    assert address_key("::ffff:127.0.0.1", 6379) == "127.0.0.1:6379"
    assert Address("localhost", 1).key == "127.0.0.1:1"


def test_targets_merge_ports_and_nodes_without_duplicates() -> None:
    targets = resolve_targets(
        host="localhost", ports=[10000, 10001], nodes=[Address("127.0.0.1", 10001)]
    )
    assert [t.key for t in targets] == ["127.0.0.1:10000", "127.0.0.1:10001"]
    assert targets[0].host == "localhost"  # connect the way the user said
    assert resolve_targets() == [Address("127.0.0.1", 6379)]
