"""The Sentinels' pub/sub: a failover followed at once, a dropped subscription made again.

Real Sentinels (Debian's redis-server --sentinel) watching a real lab; the failover is
forced with ``SENTINEL FAILOVER`` and the poller's interval is long on purpose, so a
snapshot that shows the new master before the interval is over can only come from the
round a ``+switch-master`` started.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from replwatch import kinds
from replwatch.lab import Lab
from replwatch.lab.sentinel import SentinelGroup
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.poll.rounds import Poller, PollSettings
from replwatch.poll.sentinel_events import SentinelSubscriber
from replwatch.poll.sentinel_reply import MASTER_CHANNELS, parse_announcement
from replwatch.topology.snapshot import Snapshot

FAST = PollSettings(connect_timeout=0.5, read_timeout=1.0)
#: Long: a failover (about 2-4 s with the lab's timings) ends well within it.
INTERVAL = 8.0


def addr(port: int) -> str:
    return f"127.0.0.1:{port}"


# -- what the messages say (pure) ---------------------------------------------------------


def test_a_switch_master_names_the_old_and_the_new_master() -> None:
    found = parse_announcement(
        "127.0.0.1:26379", "+switch-master", "mymaster 127.0.0.1 6379 127.0.0.1 6380", ts="t"
    )
    assert found is not None and found.switch
    assert (found.master_name, found.old_peer, found.peer) == (
        "mymaster",
        "127.0.0.1:6379",
        "127.0.0.1:6380",
    )
    event = found.to_event()
    assert event.kind == kinds.SENTINEL_EVENT and event.source == "127.0.0.1:26379"
    assert event.line is None and event.role == "sentinel" and event.ts == "t"
    assert event.message == "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380"
    assert dict(event.fields) == {
        "event": "+switch-master",
        "instance": "master",
        "master_name": "mymaster",
        "peer": "127.0.0.1:6380",
        "old_peer": "127.0.0.1:6379",
    }


def test_the_master_seen_down_counts_a_replica_or_a_sentinel_does_not() -> None:
    odown = parse_announcement("s:1", "+odown", "master mymaster ::1 6379 #quorum 2/2")
    assert odown is not None and not odown.switch
    assert (odown.master_name, odown.peer) == ("mymaster", "[::1]:6379")
    assert odown.to_event().level == "warning"
    back = parse_announcement("s:1", b"-sdown", b"master mymaster 127.0.0.1 6379")
    assert back is not None and back.to_event().level == "notice"
    replica = "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"
    assert parse_announcement("s:1", "+sdown", replica) is None
    assert parse_announcement("s:1", "+sdown", "sentinel abc 127.0.0.1 26380 @ m 1.2.3.4 1") is None
    assert parse_announcement("s:1", "+switch-master", "mymaster 127.0.0.1 x 127.0.0.1 1") is None
    assert parse_announcement("s:1", "+tilt", "#tilt mode entered") is None
    assert set(MASTER_CHANNELS) == {"+switch-master", "+sdown", "-sdown", "+odown", "-odown"}


# -- real Sentinels ------------------------------------------------------------------------


async def _until(check: Callable[[], bool], timeout: float = 20) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _believed(snap: Snapshot, sentinel: str) -> str | None:
    node = snap.node(sentinel)
    if node is None or node.sentinel is None or not node.sentinel.masters:
        return None
    return node.sentinel.masters[0].address


async def test_a_forced_failover_is_in_the_very_next_snapshot(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(3, server_kind="redis")
    group = sentinels_for(lab)
    sentinels = [Address("127.0.0.1", port) for port in group.ports]
    old = addr(lab.master_port)
    async with Poller([], sentinels=sentinels, follow=True, settings=FAST) as poller:
        rounds = poller.watch(INTERVAL)
        first = await anext(rounds)
        assert all(_believed(first, addr(p)) == old for p in group.ports)
        subscriber = poller.subscriber
        assert subscriber is not None
        assert await _until(
            lambda: (
                len(subscriber.subscriptions) == 3
                and all(s.subscribed for s in subscriber.subscriptions.values())
            )
        ), subscriber.subscriptions
        client = group.client(group.ports[0])
        try:
            assert await asyncio.to_thread(
                client.execute_command, "SENTINEL", "FAILOVER", group.master_name
            )
        finally:
            client.close()

        after = await anext(rounds)  # the one snapshot after the failover was asked for
        assert poller.early_rounds >= 1, "the round waited for the interval"
        heard = poller.take_announcements()
        switches = [a for a in heard if a.switch]
        assert switches, heard
        new = switches[0].peer
        assert new != old and new in {addr(p) for p in lab.replica_ports}
        assert switches[0].old_peer == old
        assert _believed(after, switches[0].sentinel) == new
        promoted = after.node(new)
        assert promoted is not None and promoted.role == "master"
        events = [a.to_event() for a in heard]
        assert all(e.kind == kinds.SENTINEL_EVENT and e.line is None for e in events)
        await rounds.aclose()
    assert poller.subscriber is None  # closed with the poller


async def test_a_sentinel_that_drops_the_subscription_is_subscribed_again(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(2, server_kind="redis")
    group = sentinels_for(lab)
    port = group.ports[1]
    subscriber = SentinelSubscriber(settings=FAST)
    try:
        for each in group.ports:
            subscriber.follow(Address("127.0.0.1", each), Credentials())
        subscriber.follow(Address("127.0.0.1", port), Credentials())  # once is enough
        state = subscriber.subscriptions[addr(port)]
        assert await _until(lambda: state.subscribed), state
        assert state.count == 1

        await asyncio.to_thread(group.stop, port)
        assert await _until(lambda: not state.subscribed and state.failures >= 1), state
        assert state.error is not None and addr(port) in state.error
        await asyncio.sleep(1.0)  # a few attempts fail meanwhile: backoff, no busy loop
        assert 1 <= state.failures <= 4, state

        await asyncio.to_thread(group.start, port)
        assert await _until(lambda: state.subscribed, timeout=15), state
        assert state.count == 2 and state.failures == 0 and state.error is None
        # the Sentinel itself says so: one client subscribed to the five channels
        client = group.client(port)
        try:
            listed = await asyncio.to_thread(client.execute_command, "CLIENT", "LIST")
        finally:
            client.close()
        assert f" sub={len(MASTER_CHANNELS)} " in str(listed), listed
        others = [subscriber.subscriptions[addr(p)] for p in group.ports if p != port]
        assert all(s.subscribed and s.count == 1 for s in others)  # untouched
    finally:
        await subscriber.aclose()


async def test_a_hung_sentinel_is_noticed_by_its_silence_and_subscribed_again(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(2, server_kind="redis")
    group = sentinels_for(lab)
    port = group.ports[0]
    pid = group.pid(port)
    assert pid is not None
    subscriber = SentinelSubscriber(settings=FAST, keepalive=0.5)
    try:
        subscriber.follow(Address("127.0.0.1", port), Credentials())
        state = subscriber.subscriptions[addr(port)]
        assert await _until(lambda: state.subscribed), state
        await asyncio.sleep(1.5)  # idle: the PINGs it answers keep the subscription
        assert state.subscribed and state.count == 1
        os.kill(pid, signal.SIGSTOP)
        try:
            assert await _until(lambda: not state.subscribed, timeout=10), state
            assert state.error is not None and "PING" in state.error
        finally:
            os.kill(pid, signal.SIGCONT)
        assert await _until(lambda: state.subscribed and state.count == 2, timeout=15), state
    finally:
        await subscriber.aclose()


def _subscribed_clients(group: SentinelGroup, port: int) -> int:
    client = group.client(port)
    try:
        listed = str(client.execute_command("CLIENT", "LIST"))
    finally:
        client.close()
    return listed.count(f" sub={len(MASTER_CHANNELS)} ")


def test_status_watch_prints_the_switch_and_the_new_master_in_its_next_round(
    lab_factory, sentinels_for: Callable[[Lab], SentinelGroup]
) -> None:
    lab = lab_factory(3, server_kind="redis")
    group = sentinels_for(lab)
    old = addr(lab.master_port)
    args = [
        sys.executable, "-m", "replwatch", "status", "--watch", "--json",
        "--sentinel", ",".join(addr(p) for p in group.ports),
        "--interval", "60", "--count", "2",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    child = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        first: list[dict[str, object]] = []
        while sum(e["kind"] == kinds.NODE_UP for e in first) < 6:  # round 1: every node
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            first.append(json.loads(line))
        deadline = time.monotonic() + 15  # each Sentinel has our subscription
        while not all(_subscribed_clients(group, p) for p in group.ports):
            assert time.monotonic() < deadline, "status --watch never subscribed"
            time.sleep(0.05)
        client = group.client(group.ports[0])
        try:
            assert client.execute_command("SENTINEL", "FAILOVER", group.master_name)
        finally:
            client.close()
        # --count 2: the round after the failover, long before the interval is over
        out, err = child.communicate(timeout=40)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    second = [json.loads(line) for line in out.splitlines()]
    switches = [e for e in second if e["fields"].get("event") == "+switch-master"]
    assert switches and switches[0]["kind"] == kinds.SENTINEL_EVENT, out + err
    new = switches[0]["fields"]["peer"]
    assert switches[0]["fields"]["old_peer"] == old and new != old
    promoted = [e for e in second if e["kind"] == kinds.ROLE_CHANGED and e["source"] == new]
    assert promoted and promoted[0]["fields"]["to"] == "master", out
