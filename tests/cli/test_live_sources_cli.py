"""``replwatch tail`` over live sources, as users run it: real child processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from replwatch.cli.source_options import parse_kubectl
from replwatch.follow.shortcuts import (
    CursorResume,
    TimestampResume,
    docker_spec,
    exec_spec,
    journal_spec,
)
from tests.follow.support import Tail

READY = "1:M 25 Nov 2026 08:49:46.136 * Ready to accept connections tcp"
LOST = "7:S 25 Nov 2026 08:49:47.001 # Connection with master lost."


def test_exec_lines_become_events_and_a_restart_is_announced(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = tmp_path / "redis_log.py"
    script.write_text(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(runs)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n))\n"
        f"print({READY!r}); print({LOST!r}, flush=True)\n"
        "sys.exit(7)\n"
    )
    command = f"{sys.executable} {script}"
    tail = Tail("--json", "--exec", command)
    try:
        lines = tail.wait_for(4)  # two runs: the restart came after 1 s
        notes = tail.wait_for(1, stderr=True)
    finally:
        code, stderr = tail.interrupt()
    events = [json.loads(line) for line in lines]
    assert [e["kind"] for e in events[:4]] == ["server_ready", "master_link_lost"] * 2
    assert {e["source"] for e in events} == {f"exec:{command}"}
    assert [e["line"] for e in events[:4]] == [1, 2, 3, 4]
    assert notes[0] == f"replwatch: exec '{command}' exited with status 7; restarting in 1s"
    assert code == 0
    assert "Traceback" not in stderr


def test_missing_cli_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no docker, kubectl, journalctl here
    for option, program in (("--docker", "docker"), ("--kubectl", "kubectl"),
                            ("--journal", "journalctl")):  # fmt: skip
        proc = subprocess.run(
            [sys.executable, "-m", "replwatch", "tail", option, "redis"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 1
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith(f"replwatch: error: cannot follow {option[2:]}")
        assert f"{program} not found on PATH: install" in lines[0]


def test_no_source_at_all_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "replwatch", "tail"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3  # usage errors exit 3 everywhere (cli.errors.ExitCode)
    assert "give a PATH, or --exec" in proc.stderr


def _fake_cli(directory: Path, name: str, body: str) -> Path:
    """A real program named like the CLI, for the argument lists replwatch builds."""
    program = directory / name
    program.write_text(f"#!{sys.executable}\n{body}")
    program.chmod(0o755)
    return program


def test_docker_restart_resumes_after_the_last_line_without_repeats(tmp_path: Path) -> None:
    # A stand-in for `docker logs -f -t`: the container's log is a file; each run
    # prints it from --since (inclusive, as docker does), or its last --tail lines,
    # then exits as docker does when the daemon restarts the container.
    log = tmp_path / "container.log"
    calls = tmp_path / "calls"
    stamps = [f"2026-12-03T10:00:0{i}.{i * 111:09d}Z {READY} {i}" for i in range(6)]
    log.write_text("\n".join(stamps[:3]) + "\n")
    _fake_cli(
        tmp_path,
        "docker",
        "import sys, pathlib\n"
        f"args = sys.argv[1:]\n"
        f"with open({str(calls)!r}, 'a') as f: f.write(' '.join(args) + '\\n')\n"
        "if '--since' in args:  # the container wrote more meanwhile\n"
        f"    pathlib.Path({str(log)!r}).write_text('\\n'.join({stamps!r}) + '\\n')\n"
        f"lines = pathlib.Path({str(log)!r}).read_text().splitlines()\n"
        "if '--since' in args:\n"
        "    since = args[args.index('--since') + 1]\n"
        "    lines = [l for l in lines if l.split()[0] >= since]\n"
        "print('\\n'.join(lines), flush=True)\n"
        "print('no such container: redis', file=sys.stderr) if '--since' in args else None\n",
    )
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "replwatch", "tail", "--json", "--docker", "redis"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not calls.exists() or len(calls.read_text().splitlines()) < 3
        ):
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    invocations = calls.read_text().splitlines()
    assert invocations[0] == "logs -f -t --tail 1000 redis"
    assert invocations[1] == f"logs -f -t --since {stamps[2].split()[0]} redis"
    events = [json.loads(line) for line in out.splitlines()]
    # Every line once: the restart repeated stamps[2] (since is inclusive); it is dropped.
    assert [e["message"].rsplit(" ", 1)[-1] for e in events] == [str(i) for i in range(6)]
    assert {e["source"] for e in events} == {"docker:redis"}
    assert "replwatch: docker:redis: no such container: redis" in err
    assert "Traceback" not in err


def test_shortcut_commands_and_names() -> None:
    assert docker_spec("redis-1").argv == (
        "docker", "logs", "-f", "-t", "--tail", "1000", "redis-1",
    )  # fmt: skip
    assert docker_spec("redis-1").name == "docker:redis-1"
    k = parse_kubectl("redis-0 -n prod -c redis")
    assert k.argv == (
        "kubectl", "logs", "-f", "--timestamps", "--tail=1000", "-n", "prod", "-c", "redis",
        "redis-0",
    )  # fmt: skip
    assert k.name == "kubectl:prod/redis-0/redis"
    assert parse_kubectl("prod/redis-0").argv == parse_kubectl("redis-0 -n prod").argv
    j = journal_spec("redis-server")
    assert j.argv == ("journalctl", "-f", "-u", "redis-server", "-o", "json", "-n", "1000")
    e = exec_spec("ssh db1 'tail -F /var/log/redis/redis.log'")
    assert e.argv == ("ssh", "db1", "tail -F /var/log/redis/redis.log")
    assert e.name == "exec:ssh db1 'tail -F /var/log/redis/redis.log'"


def test_resume_keys_order_across_fraction_widths_and_zones() -> None:
    r = TimestampResume("--since")
    a = r.key(b"2026-12-03T10:00:00.5Z x")
    b = r.key(b"2026-12-03T10:00:00.123456789Z x")
    c = r.key(b"2026-12-03T11:00:00.6+01:00 x")  # 10:00:00.6 UTC
    assert a is not None and b is not None and c is not None
    assert b < a < c
    assert r.key(b"1:M 25 Nov 2026 08:49:46.136 * Ready") is None
    kubectl = TimestampResume("--since-time", drop=("--tail=1000",), joined=True)
    argv = kubectl.restart_argv(
        ["kubectl", "logs", "-f", "--tail=1000", "pod"], b"2026-12-03T10:00:00.5Z msg"
    )
    assert argv == ["kubectl", "logs", "-f", "--since-time=2026-12-03T10:00:00.5Z", "pod"]
    journal = CursorResume()
    entry = json.dumps({"__CURSOR": "s=abc;i=42", "MESSAGE": READY}).encode()
    assert journal.restart_argv(list(journal_spec("redis").argv), entry)[-1] == (
        "--after-cursor=s=abc;i=42"
    )
    assert "-n" not in journal.restart_argv(list(journal_spec("redis").argv), entry)
    assert journal.restart_argv(["journalctl"], b"not json") == ["journalctl"]


def test_sigterm_stops_tail_and_leaves_no_orphan(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    command = f"sh -c 'sleep 300 & echo $$ $! > {pids}; echo {READY}; wait'"
    tail = Tail("--json", "--exec", command)
    tail.wait_for(1)
    shell, grandchild = (int(p) for p in pids.read_text().split())
    tail.proc.send_signal(signal.SIGTERM)
    assert tail.proc.wait(timeout=20) == 128 + signal.SIGTERM
    for pid in (shell, grandchild):
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
            if state == "Z":
                break
            time.sleep(0.05)
        else:
            assert not Path(f"/proc/{pid}").exists(), f"{pid} outlived tail"
