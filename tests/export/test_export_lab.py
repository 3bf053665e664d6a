"""``replwatch export`` against real servers: the series a Prometheus user relies on."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from replwatch.lab import free_ports
from tests.export.conftest import ExporterFactory, fetch, wait_for

PASSWORD = "s3cret-Pa55"


def series(page: str, name: str) -> dict[str, float]:
    """``{labels text: value}`` of one metric on a /metrics page."""
    found = {}
    for line in page.splitlines():
        m = re.match(rf"{name}(\{{[^}}]*\}})? (\S+)$", line)
        if m:
            found[m.group(1) or ""] = float(m.group(2))
    return found


def link_value(page: str, replica_port: int, name: str = "replwatch_link_up") -> float | None:
    for labels, value in series(page, name).items():
        if f'replica="127.0.0.1:{replica_port}"' in labels:
            return value
    return None


def test_metrics_show_nodes_links_and_a_killed_replica(seed_lab, exporter_factory: ExporterFactory):
    exporter = exporter_factory(seed_lab, password="foobared")
    url = f"http://127.0.0.1:{exporter.port}/metrics"
    master, r1, r2 = seed_lab.ports
    assert wait_for(lambda: link_value(fetch(url), r2) == 1.0)
    page = fetch(url)
    ups = series(page, "replwatch_node_up")
    assert len(ups) == 3 and set(ups.values()) == {1.0}
    roles = "".join(series(page, "replwatch_node_info"))
    assert roles.count('role="replica"') == 2 and roles.count('role="master"') == 1
    assert link_value(page, r1, "replwatch_link_lag_bytes") is not None
    assert (link_value(page, r1, "replwatch_link_backlog_headroom_bytes") or 0) > 0
    assert series(page, "replwatch_poll_duration_seconds")

    seed_lab.kill(r2)
    assert wait_for(lambda: link_value(fetch(url), r2) == 0.0, timeout=5)
    page = fetch(url)
    assert series(page, "replwatch_node_up")[f'{{node="127.0.0.1:{r2}",reason="unreachable"}}'] == 0
    flaps = series(page, "replwatch_link_flaps_total")
    assert flaps.get(f'{{master="127.0.0.1:{master}",replica="127.0.0.1:{r2}"}}') == 1.0

    # Back without its data: a full sync, which the replica's log reports.
    seed_lab.start(r2)
    assert wait_for(lambda: link_value(fetch(url), r2) == 1.0)

    def synced() -> bool:
        return any(
            f'replica="127.0.0.1:{r2}"' in labels and 'outcome="ok"' in labels
            for labels in series(fetch(url), "replwatch_syncs_total")
        )

    assert wait_for(synced, timeout=10)
    events = series(fetch(url), "replwatch_log_events_total")
    assert any(f'node="127.0.0.1:{r2}"' in labels for labels in events)


def test_a_hung_node_does_not_stall_the_page(lab_factory, exporter_factory: ExporterFactory):
    lab = lab_factory(2)
    interval = 0.5
    exporter = exporter_factory(lab, interval=interval)
    url = f"http://127.0.0.1:{exporter.port}/metrics"
    replica = lab.ports[1]
    assert wait_for(lambda: link_value(fetch(url), replica) == 1.0)
    pid = lab.pid(replica)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        slowest = 0.0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            started = time.monotonic()
            page = fetch(url, timeout=interval)
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.1)
        assert slowest < interval
        assert (
            series(page, "replwatch_node_up")[f'{{node="127.0.0.1:{replica}",reason="timeout"}}']
            == 0
        )
    finally:
        os.kill(pid, signal.SIGCONT)


def test_memory_is_flat_over_many_rounds(lab_factory, exporter_factory: ExporterFactory):
    """Series count and RSS stay flat while rounds go by (bounded labels, no history)."""
    lab = lab_factory(3)
    exporter = exporter_factory(lab, interval=0.05)
    url = f"http://127.0.0.1:{exporter.port}/metrics"

    def rounds() -> float:
        return series(fetch(url), "replwatch_poll_rounds_total").get("", 0.0)

    assert wait_for(lambda: rounds() >= 20)
    first = fetch(url)
    rss_first = series(first, "process_resident_memory_bytes")[""]
    assert wait_for(lambda: rounds() >= 300, timeout=60, step=1)
    last = fetch(url)
    count = lambda page: sum(1 for line in page.splitlines() if line.startswith("replwatch_"))  # noqa: E731
    assert count(last) == count(first)
    assert series(last, "process_resident_memory_bytes")[""] < rss_first + 8 * 1024 * 1024


def _export_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "replwatch", "export", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def test_cli_with_rediscli_auth_never_shows_the_password(lab_factory):
    lab = lab_factory(3, password=PASSWORD)
    port = free_ports(1)[0]
    ports = ",".join(str(p) for p in lab.ports)
    proc = _export_cli(
        "--ports",
        ports,
        "--listen",
        f"127.0.0.1:{port}",
        "--interval",
        "0.3",
        env={"REDISCLI_AUTH": PASSWORD},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(
            lambda: _quiet_fetch(base + "/metrics").count("replwatch_link_up{") == 2, timeout=20
        )
        pages = [fetch(base + path) for path in ("/metrics", "/", "/-/healthy")]
        assert 'href="metrics"' in pages[1]
        assert "replwatch_node_up" in pages[0] and 'reason=""' in pages[0]
        for page in pages:
            assert PASSWORD not in page
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert PASSWORD.encode() not in out + err
    assert proc.returncode == 0


def test_a_refused_password_is_a_reason_not_an_error_text(lab_factory):
    """The master refuses a wrong password; the seed's replica, which has none, does
    not care what it is sent and is polled without it."""
    lab = lab_factory(2, password=PASSWORD)
    master, replica = (f"127.0.0.1:{port}" for port in lab.ports)
    port = free_ports(1)[0]
    wrong = "not-the-Pa55word"
    proc = _export_cli(
        "--ports",
        ",".join(map(str, lab.ports)),
        "--listen",
        f"127.0.0.1:{port}",
        env={"REDISCLI_AUTH": wrong},
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        assert wait_for(lambda: 'reason="wrongpass"' in _quiet_fetch(url), timeout=20)
        page = fetch(url)
        assert wrong not in page and PASSWORD not in page
        assert series(page, "replwatch_node_up") == {
            f'{{node="{master}",reason="wrongpass"}}': 0.0,
            f'{{node="{replica}",reason=""}}': 1.0,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)


def _quiet_fetch(url: str) -> str:
    try:
        return fetch(url, timeout=1)
    except OSError:
        return ""


def test_a_busy_port_is_refused_with_a_clear_message():
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = _export_cli("--ports", "1", "--listen", f"127.0.0.1:{port}")
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "Traceback" not in err.decode()


@pytest.mark.parametrize("listen", ["9121", "localhost:http", "::1:9121"])
def test_a_bad_listen_address_is_a_usage_error(listen: str):
    proc = _export_cli("--ports", "1", "--listen", listen)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert "--listen" in err.decode()


def test_a_detached_replica_raises_the_split_brain_gauge(
    lab_factory, exporter_factory: ExporterFactory
):
    lab = lab_factory(3, server_kind="redis")
    exporter = exporter_factory(lab)  # polls all three
    url = f"http://127.0.0.1:{exporter.port}/metrics"
    assert wait_for(lambda: series(fetch(url), "replwatch_split_brain") == {'{name=""}': 0.0})
    client = lab.client(lab.replica_ports[0])
    try:
        client.execute_command("REPLICAOF", "NO", "ONE")  # a master on the old one's history
    finally:
        client.close()
    assert wait_for(lambda: series(fetch(url), "replwatch_split_brain") == {'{name=""}': 1.0})


def test_sentinels_given_to_export_are_polled_and_name_the_gauge(
    lab_factory, sentinels_for, exporter_factory: ExporterFactory
):
    from replwatch.poll.addresses import Address

    lab = lab_factory(2, server_kind="redis")
    group = sentinels_for(lab)
    first = Address("127.0.0.1", group.ports[0])
    # only a Sentinel, as `export --sentinel HOST:PORT` gives it: the rest is found
    exporter = exporter_factory(lab, sentinels=(first,), follow=True, targets=())
    url = f"http://127.0.0.1:{exporter.port}/metrics"
    wanted = {'{name=""}': 0.0, '{name="mymaster"}': 0.0}
    assert wait_for(lambda: series(fetch(url), "replwatch_split_brain") == wanted)
    up = series(fetch(url), "replwatch_node_up")
    for port in [*lab.ports, *group.ports]:
        assert f'{{node="127.0.0.1:{port}",reason=""}}' in up, up
