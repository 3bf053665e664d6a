"""A log path a server reports is opened only if it is really that server's log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from replwatch.follow.discovery import LogVerifier, Refused, verify_server_log


def _pid(port: int, password: str | None = None) -> int:
    client = redis.Redis(port=port, password=password, socket_timeout=5)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def test_the_servers_own_log_is_accepted(lab_factory) -> None:
    lab = lab_factory(1)
    port = lab.master_port
    log = lab.log_path(port)
    assert verify_server_log(log, pid=_pid(port), port=port) == Path(os.path.realpath(log))
    # Through ../ and a symlink: the resolved file is what counts.
    link = log.parent / "link.log"
    link.symlink_to(log)
    twisted = log.parent / ".." / log.parent.name / "link.log"
    assert verify_server_log(twisted, pid=_pid(port), port=port) == Path(os.path.realpath(log))


def test_a_lying_server_gets_nothing_opened(lab_factory, tmp_path: Path) -> None:
    lab = lab_factory(1)
    port = lab.master_port
    pid = _pid(port)
    # A file the server never wrote (old, even if the same user owns it).
    old = tmp_path / "secret.txt"
    old.write_text("not a log\n")
    os.utime(old, (0, 0))
    with pytest.raises(Refused, match="has not written it since it started"):
        verify_server_log(old, pid=pid, port=port)
    with pytest.raises(Refused, match="has not written it since it started"):
        verify_server_log(Path("/etc/passwd"), pid=pid, port=port)
    # Not a regular file.
    with pytest.raises(Refused, match="not a regular file"):
        verify_server_log(Path("/dev/zero"), pid=pid, port=port)
    with pytest.raises(Refused, match="not a regular file"):
        verify_server_log(tmp_path, pid=pid, port=port)
    # A process id that is not the one on the port (the test's own process).
    with pytest.raises(Refused, match=f"process {os.getpid()} does not listen on port {port}"):
        verify_server_log(lab.log_path(port), pid=os.getpid(), port=port)
    with pytest.raises(Refused, match="did not say its process id"):
        verify_server_log(lab.log_path(port), pid=None, port=port)
    with pytest.raises(Refused, match="no process"):
        verify_server_log(lab.log_path(port), pid=2**22 + 12345, port=port)
    # The note says how to tail it anyway.
    with pytest.raises(Refused, match=rf"--logs 127.0.0.1:{port}="):
        verify_server_log(old, pid=pid, port=port)


def test_verifier_remembers_answers_per_server_run(lab_factory) -> None:
    lab = lab_factory(1)
    port = lab.master_port
    verifier = LogVerifier()
    log = lab.log_path(port)
    first = verifier.check(f"127.0.0.1:{port}", log, pid=_pid(port), port=port)
    assert verifier.check(f"127.0.0.1:{port}", log, pid=_pid(port), port=port) == first
    with pytest.raises(Refused):
        verifier.check(f"127.0.0.1:{port}", log, pid=os.getpid(), port=port)
