"""``replwatch status``: exit codes, table, JSON, --watch, and secrets kept out of output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from replwatch.cli.status_cmd import status
from replwatch.poll.auth import ARGV_PASSWORD_WARNING, Credentials, resolve_credentials

SECRET = "pw-Zq81-secret"
SECRET_SEED = "foobared"  # the seed_lab fixture's password


def run_status(*args: str, password_env: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (the password, if any, only in its environment)."""
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    if password_env is not None:
        env["REDISCLI_AUTH"] = password_env
    return subprocess.run(
        [sys.executable, "-m", "replwatch", "status", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--ports", "10002-10000"],
        ["--ports", "http"],
        ["--nodes", "[::1:6379"],
        ["--no-such-option"],
        ["--max-lag-bytes", "-5"],
        ["--cert", __file__],
    ],
)
def test_usage_errors_exit_3(args: list[str]) -> None:
    result = CliRunner().invoke(status, args)
    assert result.exit_code == 3, result.output


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(status, ["--help"])
    assert result.exit_code == 0
    for line in [
        "0  every link is up",
        "1  a link is down",
        "2  a node is unreachable",
        "3  usage",
    ]:
        assert line in result.output


def test_unreachable_node_exits_2_with_one_line(tmp_path) -> None:
    from replwatch.lab import free_ports

    (port,) = free_ports(1)
    result = CliRunner().invoke(status, ["--ports", str(port)])
    assert result.exit_code == 2
    assert f"127.0.0.1:{port}: connection refused (is the server running?)" in result.output


def test_credentials_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = resolve_credentials(environ={"REDISCLI_AUTH": SECRET})
    assert creds.source == "environment" and creds.password == SECRET
    assert SECRET not in repr(creds) + str(creds)
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or SECRET)
    assert resolve_credentials(password="argv", askpass=True, prompt=__import__("getpass").getpass)
    assert prompts == ["Please input password: "]
    assert resolve_credentials(password="argv", environ={"REDISCLI_AUTH": SECRET}).password == (
        "argv"
    )
    assert Credentials().password is None


def _port_args(lab) -> list[str]:  # type: ignore[no-untyped-def]
    ports = f"{lab.master_port}-{max(lab.ports)}" if _consecutive(lab.ports) else None
    return ["--ports", ports] if ports else ["--ports", ",".join(map(str, lab.ports))]


def test_status_against_a_password_protected_lab(lab_factory) -> None:
    lab = lab_factory(3, password=SECRET, protect_replicas=True)  # every node asks
    port_args = _port_args(lab)
    lab.write("k", "v")

    ok = run_status(*port_args, password_env=SECRET)
    assert ok.returncode == 0, ok.stderr
    assert "master" in ok.stdout and ok.stdout.count(" up ") == 2
    assert ok.stderr == ""

    as_json = run_status(*port_args, "--json", "--max-lag-seconds", "30", password_env=SECRET)
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and document["exit_code"] == 0 and document["problems"] == []
    assert [n["status"] for n in document["nodes"]] == ["ok", "ok", "ok"]
    assert {link["state"] for link in document["links"]} == {"up"}

    watch = run_status(
        *port_args, "--watch", "--count", "2", "--json", "--interval", "0.2", password_env=SECRET
    )
    events = [json.loads(line) for line in watch.stdout.splitlines()]
    assert watch.returncode == 0
    assert sorted(e["kind"] for e in events) == [
        "link_up",
        "link_up",
        "node_up",
        "node_up",
        "node_up",
    ]
    assert all(e["line"] is None for e in events)

    # `| head -1` ends a --watch that has nothing more to say, quietly
    env = dict(os.environ, REDISCLI_AUTH=SECRET)
    command = [sys.executable, "-m", "replwatch", "status", *port_args, "--watch"]
    watcher = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert watcher.stdout is not None
        assert b"node_up" in watcher.stdout.readline()
        watcher.stdout.close()
        assert watcher.wait(timeout=20) == 0
        assert watcher.stderr is not None and watcher.stderr.read() == b""
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()

    no_password = run_status(*port_args)
    assert no_password.returncode == 2
    (hint,) = no_password.stderr.splitlines()
    assert "NOAUTH" in hint and "REDISCLI_AUTH" in hint and "--askpass" in hint and "-a" in hint
    assert all(f"127.0.0.1:{port}" in hint for port in lab.ports)

    wrong = run_status(*port_args, "-a", "wrong-one")
    assert wrong.returncode == 2
    assert wrong.stderr.splitlines()[0] == ARGV_PASSWORD_WARNING
    assert "WRONGPASS" in wrong.stderr and "wrong-one" not in wrong.stdout + wrong.stderr
    # a refused password is not a missing one: the table says which
    assert "auth refused" in wrong.stdout and "auth_required" not in wrong.stdout
    assert "auth required" in no_password.stdout

    for result in (ok, as_json, watch, no_password):
        assert SECRET not in result.stdout + result.stderr

    # only the replicas, with their master stopped: links down but every polled node is fine
    lab.stop(lab.master_port)
    replicas_only = ["--ports", ",".join(map(str, lab.replica_ports))]
    degraded = run_status(*replicas_only, "--json", password_env=SECRET)
    document = json.loads(degraded.stdout)
    assert degraded.returncode == 1 and document["exit_code"] == 1
    assert {link["state"] for link in document["links"]} == {"down"}
    # without --json, stderr says why the exit code is 1: one line per link down
    text = run_status(*replicas_only, password_env=SECRET)
    assert text.returncode == 1
    master = f"127.0.0.1:{lab.master_port}"
    assert sorted(text.stderr.splitlines()) == [
        f"replwatch: problem: link {master} -> 127.0.0.1:{port} is down"
        for port in sorted(lab.replica_ports)
    ]
    assert run_status(*port_args, password_env=SECRET).returncode == 2


def _consecutive(ports: list[int]) -> bool:
    return sorted(ports) == list(range(min(ports), min(ports) + len(ports)))


def test_askpass_prompts_once_and_keeps_the_password_out(lab_factory, monkeypatch) -> None:
    lab = lab_factory(1, password=SECRET)
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or SECRET)
    monkeypatch.delenv("REDISCLI_AUTH", raising=False)
    result = CliRunner().invoke(status, ["--ports", str(lab.master_port), "--askpass", "--json"])
    assert result.exit_code == 0, result.output
    assert prompts == ["Please input password: "]
    assert json.loads(result.stdout)["nodes"][0]["status"] == "ok"
    assert SECRET not in result.output

    from replwatch.cli.connection_options import build_connection

    monkeypatch.setenv("REDISCLI_AUTH", SECRET)
    connection = build_connection(ports=str(lab.master_port))
    assert connection.credentials.source == "environment"
    assert SECRET not in repr(connection) + str(connection)


def test_status_against_the_seeds_layout_warns_of_the_open_replicas(seed_lab) -> None:
    """Master with requirepass, replicas with masterauth only: one password polls all
    of them, exit 0, and each replica anyone can read is a warning (text and JSON)."""
    lab = seed_lab
    port_args = _port_args(lab)
    master = f"127.0.0.1:{lab.master_port}"
    replicas = [f"127.0.0.1:{port}" for port in lab.replica_ports]

    def warnings_of(stderr: str) -> list[str]:
        lines = stderr.splitlines()
        found = [line for line in lines if line.startswith("replwatch: warning: replica ")]
        for replica, line in zip(replicas, found, strict=True):
            assert f"replica {replica} has no password while its master {master} has one" in line
            assert "anyone who can reach it" in line
        return found

    ok = run_status(*port_args, password_env=SECRET_SEED)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count(" ok ") == 3 and ok.stdout.count(" up ") == 2
    assert len(warnings_of(ok.stderr)) == 2 and len(ok.stderr.splitlines()) == 2
    assert "error" not in ok.stderr and "NOAUTH" not in ok.stderr

    as_json = run_status(*port_args, "--json", password_env=SECRET_SEED)
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and document["exit_code"] == 0
    assert [n["status"] for n in document["nodes"]] == ["ok", "ok", "ok"]
    assert [n["password_required"] for n in document["nodes"]] == [True, False, False]
    assert [(p["severity"], p["address"]) for p in document["problems"]] == [
        ("warning", replica) for replica in replicas
    ]
    assert len(warnings_of(as_json.stderr)) == 2

    watch = run_status(*port_args, "--watch", "--count", "3", "--interval", "0.2",
                       password_env=SECRET_SEED)  # fmt: skip
    assert watch.returncode == 0
    assert watch.stdout.count("node_up") == 3 and watch.stdout.count("link_up") == 2
    assert len(warnings_of(watch.stderr)) == 2  # once each, not once a round
    assert len(watch.stderr.splitlines()) == 2

    # without the password: the master refuses, the replicas still answer anyone
    no_password = run_status(*port_args)
    assert no_password.returncode == 2
    hint, *rest = no_password.stderr.splitlines()
    assert hint.startswith(f"replwatch: error: {master}: ") and "NOAUTH" in hint
    assert not any(replica in hint for replica in replicas)
    assert len(warnings_of("\n".join(rest))) == 2

    for result in (ok, as_json, watch, no_password):
        assert SECRET_SEED not in result.stdout + result.stderr


def test_a_detached_replica_beside_its_old_master_is_a_split_brain(
    lab_factory, server_kind: str
) -> None:
    lab = lab_factory(3, server_kind=server_kind)
    old, detached, follower = lab.master_port, *lab.replica_ports
    client = lab.client(detached)
    try:
        client.execute_command("REPLICAOF", "NO", "ONE")  # a master of its own
    finally:
        client.close()
    lab.write("k", "only on the old master")  # the two histories part
    history = lab.info_replication(old)["master_replid"]
    assert lab.info_replication(detached)["master_replid2"] == history
    assert lab.info_replication(follower)["master_port"] == old  # still follows the old one

    nodes = f"127.0.0.1:{old},127.0.0.1:{detached}"
    result = run_status("--nodes", nodes)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = result.stderr.splitlines()  # one line, and nothing else to say
    first, second = sorted([f"127.0.0.1:{old}", f"127.0.0.1:{detached}"])  # as text
    assert problems == [
        f"replwatch: problem: split brain: {first} and {second} are both "
        f"masters: 127.0.0.1:{detached} was promoted from 127.0.0.1:{old}'s history "
        f"(its replid2 is {str(history)[:8]}) while 127.0.0.1:{old} still takes writes"
    ], result.stderr
    assert f"127.0.0.1:{follower}" in result.stdout  # followed from the old master

    document = json.loads(run_status("--nodes", nodes, "--json").stdout)
    assert document["exit_code"] == 1
    (brain,) = [p for p in document["problems"] if "split brain" in p["message"]]
    assert brain["severity"] == "link"
    assert brain["address"] == f"{first},{second}"
    assert all(p["severity"] != "node" for p in document["problems"])
