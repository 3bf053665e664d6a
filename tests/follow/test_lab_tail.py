"""``replwatch tail`` on a real replica's log while its master goes away and back."""

from __future__ import annotations

import json
import time

from tests.follow.support import Tail


def kinds_after(lines: list[str], first: str) -> list[str]:
    kinds = [json.loads(line)["kind"] for line in lines]
    return kinds[kinds.index(first) :] if first in kinds else []


def test_tail_shows_link_lost_and_resync(lab_factory, server_kind: str) -> None:
    lab = lab_factory(2, password="foobared")
    replica = lab.replica_ports[0]
    log = lab.log_path(replica)
    tail = Tail("--json", "-n", "1", str(log))
    text = Tail("-n", "0", str(log))  # what people see
    tail.wait_for(1)  # following now
    time.sleep(1.0)  # the text one too (it shows nothing until something happens)
    lab.stop(lab.master_port)
    lab.wait_link_down(replica)
    lab.start(lab.master_port)  # returns once the replica's link is up again
    deadline = time.monotonic() + 20
    wanted = {"psync_succeeded", "sync_finished"}
    while not wanted & set(kinds_after(tail.lines, "master_link_lost")):
        assert time.monotonic() < deadline, f"no resync in {tail.lines}"
        time.sleep(0.05)
    code, stderr = tail.interrupt()
    assert code == 0 and stderr == ""
    while not any(line.startswith("== sync: ") for line in text.lines):
        assert time.monotonic() < deadline, f"no session summary in {text.lines}"
        time.sleep(0.05)
    assert text.interrupt() == (0, "")
    summaries = [line for line in text.lines if line.startswith("== sync: ")]
    assert summaries[-1].startswith(f"== sync: {replica} ")
    assert "resync" in summaries[-1] and f"from {lab.master_port}" in summaries[-1]
    assert any("master_link_lost" in line for line in text.lines)
    events = [json.loads(line) for line in tail.lines]
    assert all(e["source"] == str(log) and e["role"] for e in events[1:])
    numbers = [e["line"] for e in events]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no repeat
    assert "master_connecting" in kinds_after(tail.lines, "master_link_lost")
