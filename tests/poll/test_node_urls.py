"""``--nodes`` takes redis-cli's ``-u`` URLs; their password is used, never shown."""

from __future__ import annotations

import json

import click
import pytest

from replwatch.cli.connection_options import build_connection
from replwatch.poll.addresses import Address, AddressError, mask_url, parse_node_item
from tests.cli.test_status_cli import SECRET, run_status


@pytest.mark.parametrize(
    ("url", "address", "user", "password", "tls"),
    [
        ("redis://:pw@127.0.0.1:7000", Address("127.0.0.1", 7000), None, "pw", False),
        ("redis://pw@127.0.0.1:7000/2", Address("127.0.0.1", 7000), None, "pw", False),
        ("rediss://mon:p%40ss@[::1]:6380/0", Address("::1", 6380), "mon", "p@ss", True),
        ("redis://:a/b?c#d@localhost", Address("localhost", 6379), None, "a/b?c#d", False),
        ("redis://127.0.0.1", Address("127.0.0.1", 6379), None, None, False),
        ("REDIS://", Address("127.0.0.1", 6379), None, None, False),
    ],
)
def test_urls_as_redis_cli_reads_them(url, address, user, password, tls) -> None:
    item = parse_node_item(url)
    assert (item.address, item.username, item.password, item.tls) == (address, user, password, tls)
    assert "pw" not in repr(item) or password is None


def test_a_bad_url_is_an_error_without_its_password() -> None:
    with pytest.raises(AddressError) as caught:
        parse_node_item("redis://:hunter2@127.0.0.1:notaport")
    assert "hunter2" not in str(caught.value)
    assert "redis://:***@127.0.0.1:notaport" in str(caught.value)
    with pytest.raises(AddressError, match="http:// is not redis:// or rediss://"):
        parse_node_item("http://127.0.0.1:6379")
    assert mask_url("rediss://u:s3cret@h:1") == "rediss://u:***@h:1"


def test_the_url_gives_credentials_and_tls(capsys: pytest.CaptureFixture[str]) -> None:
    conn = build_connection(nodes="rediss://mon:hunter2@127.0.0.1:7000,127.0.0.1:7001")
    assert [str(t) for t in conn.targets] == ["127.0.0.1:7000", "127.0.0.1:7001"]
    assert conn.credentials.password == "hunter2" and conn.credentials.username == "mon"
    assert conn.credentials.source == "url"
    assert conn.tls.enabled
    assert "hunter2" not in repr(conn)
    err = capsys.readouterr().err
    assert "may not be safe" in err and "hunter2" not in err
    with pytest.raises(click.BadParameter) as caught:
        build_connection(nodes="redis://:first-Xq@127.0.0.1:1,redis://:second-Xq@127.0.0.1:2")
    assert "-Xq" not in caught.value.message
    # -a is stronger, as for redis-cli.
    assert build_connection(nodes="redis://:u@h:1", password="a").credentials.password == "a"


def test_status_logs_in_with_the_url_and_never_prints_it(lab_factory) -> None:
    lab = lab_factory(1, password=SECRET)
    url = f"redis://:{SECRET}@127.0.0.1:{lab.master_port}/0"
    text = run_status("--nodes", url)
    assert text.returncode == 0, text.stderr
    as_json = run_status("--nodes", url, "--json")
    document = json.loads(as_json.stdout)
    assert [n["status"] for n in document["nodes"]] == ["ok"]
    assert document["nodes"][0]["address"] == f"127.0.0.1:{lab.master_port}"
    wrong = run_status("--nodes", f"redis://:not-{SECRET}x@127.0.0.1:{lab.master_port}", "--json")
    assert wrong.returncode != 0
    for run in (text, as_json, wrong):
        assert SECRET not in run.stdout + run.stderr
