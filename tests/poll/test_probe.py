"""A port that answers, but not in Redis' protocol, is named for what it is."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from replwatch.cli.errors import ExitCode
from replwatch.cli.status_cmd import status
from replwatch.lab.ports import free_ports
from replwatch.poll.probe import describe_greeting


@pytest.fixture
def http_port() -> Iterator[int]:
    """A real HTTP server (Python's http.server) on a free loopback port."""
    port = free_ports(1)[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def banner_port() -> Iterator[int]:
    """A server that greets with an SSH banner and hangs up, as sshd does."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


def test_an_http_server_is_not_a_redis_server(http_port: int) -> None:
    result = CliRunner().invoke(status, ["--ports", str(http_port)])
    assert result.exit_code == ExitCode.UNREACHABLE
    assert f"127.0.0.1:{http_port}: not a Redis server (it answered" in result.output
    assert "TLS" not in result.output


def test_an_ssh_banner_is_quoted(banner_port: int) -> None:
    result = CliRunner().invoke(status, ["--ports", str(banner_port)])
    assert result.exit_code == ExitCode.UNREACHABLE
    assert "not a Redis server (it answered 'SSH-2.0-OpenSSH_9.2p1 Debian-2')" in result.output


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"+PONG\r\n", None),
        (b"-NOAUTH Authentication required.\r\n", None),
        (b"\x15\x03\x01\x00\x02\x02\x46", None),  # a TLS alert
        (b"", None),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        (b"\x00\x01garbage\xff", "??garbage\xff"),
    ],
)
def test_describe_greeting(data: bytes, expected: str | None) -> None:
    assert describe_greeting(data) == expected
