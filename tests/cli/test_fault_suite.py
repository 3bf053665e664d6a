"""The fault suite: every way a node can fail to be a good Redis, against `status`,
`status --watch` and the dashboard (issue 14, "Done when").

Each fault is real: a port nobody listens on, a server SIGSTOP'd, one that refuses the
password, an ACL user that may not run INFO, an HTTP server, a socket that accepts and
never answers. Each must end in a documented exit code with one line naming the node and
what to do, never a hang (a subprocess timeout fails the test) or a traceback.
(A server that lies about its `logfile` is in tests/follow/test_log_discovery.py.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from replwatch.cli.errors import ExitCode
from replwatch.lab import Lab
from replwatch.lab.ports import free_ports
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.poll.node import PollSettings
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.widgets.notes import NotesBar

PASSWORD = "foobared"
TIMEOUTS = ["--connect-timeout", "0.5", "--read-timeout", "1"]


@dataclass(frozen=True)
class Fault:
    """A misbehaving node: where it is, how to ask it, what the user must be told."""

    port: int
    env: dict[str, str]
    args: tuple[str, ...]
    says: str


def _listener(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()
    kept: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            kept.append(conn)
            handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in kept:
            conn.close()
        server.close()


def _http_answer(conn: socket.socket) -> None:
    conn.settimeout(2)
    try:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.0 400 Bad Request\r\nServer: nginx\r\n\r\n")
    except OSError:
        pass
    conn.close()


FAULTS = ["dead", "hung", "silent", "wrong-password", "acl-limited", "http"]


@contextlib.contextmanager
def make_fault(kind: str, lab_factory) -> Iterator[Fault]:  # type: ignore[no-untyped-def]
    """One fault of ``kind``, undone on exit (a SIGSTOP'd server is continued)."""
    env = {"REDISCLI_AUTH": PASSWORD}
    if kind == "dead":
        port = free_ports(1)[0]
        yield Fault(port, env, (), f"127.0.0.1:{port}: connection refused (is the server running?)")
    elif kind == "hung":
        lab: Lab = lab_factory(1, password=PASSWORD)
        pid = lab.pid(lab.master_port)
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            yield Fault(
                lab.master_port, env, (), f"127.0.0.1:{lab.master_port}: no answer within 1 s"
            )
        finally:
            os.kill(pid, signal.SIGCONT)
    elif kind == "silent":
        for port in _listener(lambda conn: None):
            yield Fault(port, env, (), f"127.0.0.1:{port}: no answer within 1 s")
    elif kind == "wrong-password":
        lab = lab_factory(1, password=PASSWORD)
        port = lab.master_port
        yield Fault(
            port,
            {"REDISCLI_AUTH": "not-the-password"},
            (),
            f"127.0.0.1:{port}: the password was refused (WRONGPASS)",
        )
    elif kind == "acl-limited":
        lab = lab_factory(1, password=PASSWORD)
        port = lab.master_port
        import redis

        with redis.Redis(port=port, password=PASSWORD) as admin:
            admin.execute_command("ACL", "SETUSER", "limited", "on", ">lim", "+ping", "+hello")
        yield Fault(
            port,
            {"REDISCLI_AUTH": "lim"},
            ("--user", "limited"),
            f"127.0.0.1:{port}: the ACL user may not run INFO or ROLE (NOPERM); grant it +info",
        )
    else:
        for port in _listener(_http_answer):
            yield Fault(port, env, (), f"127.0.0.1:{port}: not a Redis server (it answered")


@pytest.fixture(params=FAULTS)
def fault(request: pytest.FixtureRequest, lab_factory) -> Iterator[Fault]:  # type: ignore[no-untyped-def]
    with make_fault(request.param, lab_factory) as made:
        yield made


def _status(fault: Fault, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"} | fault.env
    command = [sys.executable, "-m", "replwatch", "status", "--ports", str(fault.port)]
    return subprocess.run(
        [*command, *fault.args, *TIMEOUTS, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_names_the_fault_and_exits_2(fault: Fault) -> None:
    result = _status(fault)
    assert result.returncode == ExitCode.UNREACHABLE, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"replwatch: error: {fault.says}"), line
    assert f"127.0.0.1:{fault.port}" in result.stdout  # the node is in the table


def test_status_watch_goes_on_and_ends_with_the_fault(fault: Fault) -> None:
    result = _status(fault, "--watch", "--count", "3", "--interval", "0.3", "--json")
    assert result.returncode == ExitCode.UNREACHABLE, result.stderr
    assert "Traceback" not in result.stderr
    rounds = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert rounds, "no event for a node that never answered"
    assert f"127.0.0.1:{fault.port}" in result.stderr


async def test_the_dashboard_shows_every_fault_at_once_and_keeps_polling(
    lab_factory,
) -> None:  # type: ignore[no-untyped-def]
    """One dashboard polling a good node and every fault: each fault is a note naming
    its node, the good node keeps refreshing, and `q` quits."""
    with contextlib.ExitStack() as stack:
        # the faults one shared password can meet, beside one good node
        kinds = ("dead", "hung", "silent", "http")
        faults = [stack.enter_context(make_fault(kind, lab_factory)) for kind in kinds]
        await _watch_faults(lab_factory(1, password=PASSWORD), faults)


async def _watch_faults(good: Lab, faults: list[Fault]) -> None:
    settings = LiveSettings(
        targets=[Address("127.0.0.1", p) for p in [good.master_port, *(f.port for f in faults)]],
        credentials=Credentials(password=PASSWORD),
        interval=0.3,
        poll=PollSettings(connect_timeout=0.5, read_timeout=1),
        start="start",
    )
    app = DashboardApp(LiveSource(settings))
    async with app.run_test(size=(120, 40)) as pilot:

        def notes() -> str:
            return " ".join(app.query_one(NotesBar).notes.values())

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(f"127.0.0.1:{f.port}" in notes() for f in faults):
                break
            await pilot.pause(0.1)
        for each in faults:
            assert f"127.0.0.1:{each.port}" in notes(), notes()
        statuses = {n.address: n.status for n in app.state.frame.nodes}
        assert statuses[f"127.0.0.1:{good.master_port}"] == "up"
        assert all(statuses[f"127.0.0.1:{f.port}"] != "up" for f in faults)
        seen = app.state.snapshot.ts if app.state.snapshot else ""
        deadline = time.monotonic() + 10
        while app.state.snapshot is None or app.state.snapshot.ts == seen:
            assert time.monotonic() < deadline, "the dashboard stopped polling"
            await pilot.pause(0.1)
        assert PASSWORD not in notes()
        await pilot.press("q")
