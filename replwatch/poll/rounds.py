"""Poll many nodes at once: rounds, snapshots and the watch loop.

This is the orchestration half of the poll side's I/O edge; everything about a
single server (client, queries, error translation, backoff, late answers) is in
:mod:`replwatch.poll.node`, so this module is only about *rounds*. Every node
is polled concurrently under its own deadline (connect + read timeout), so a
dead or SIGSTOP'd server costs its own row a ``timeout`` and nobody else a
millisecond; each round's :class:`~replwatch.topology.snapshot.NodeState` values become one
:class:`~replwatch.topology.snapshot.Snapshot`, built on the previous one.

A round under :meth:`Poller.watch` does not wait for the slowest node: after
the round deadline (the interval, at least :data:`MIN_ROUND_WAIT`) the snapshot
comes out, and a node that has not answered is reported ``timeout`` ("no answer
for N s") while its one request carries on into the next rounds (never a second
request beside it: the client is a single connection). :meth:`Poller.poll` with
no deadline -- ``replwatch status`` without ``--watch`` -- waits for every node's
own deadline, because one call must give a final answer.

Under :meth:`Poller.watch` the Sentinels are also heard between rounds: each one
polled is subscribed to (:mod:`replwatch.poll.sentinel_events`), and a
``+switch-master`` starts a round at once instead of at the next interval, so a
failover is followed within the round trip, not up to an interval late. What they
announced is :meth:`Poller.take_announcements`.

:class:`PollSettings` and :class:`Backoff` are defined beside the node poller
that uses them and are importable from here, the poll side's public entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions
from replwatch.poll.node import Backoff, NodePoller, PollSettings
from replwatch.poll.sentinel_events import SentinelSubscriber
from replwatch.poll.sentinel_reply import SentinelAnnouncement
from replwatch.topology.snapshot import NodeState, Snapshot, build_snapshot

__all__ = [
    "MIN_ROUND_WAIT",
    "Backoff",
    "NodePoller",
    "PollSettings",
    "Poller",
    "now_ts",
    "poll_once",
]

#: How many nodes following replicas may add, so a misreported topology (or a master
#: listing thousands of clients as replicas) cannot grow the poller without end.
MAX_FOLLOWED = 1000

#: The shortest a watched round waits for its nodes, however short the interval:
#: a live server on a busy machine or a TLS handshake may need a few tens of ms.
MIN_ROUND_WAIT = 0.25


def now_ts() -> str:
    """Local wall time as the contract's ISO 8601 with milliseconds."""
    return datetime.now().isoformat(timespec="milliseconds")


class Poller:
    """Poll a set of nodes; each :meth:`poll` is one round and one snapshot.

    Use as ``async with Poller(targets, credentials=...) as poller:``; the
    snapshot of each round is built on the previous one (link ages, lag rates).

    With ``follow=True`` the set grows by itself: a replica that an answering master
    lists in ``INFO replication`` (``slaveN:ip=...,port=...``) is polled too, in the
    same round, and so are its own replicas -- as ``redis-cli`` users expect when they
    give only the master. A Sentinel among the targets adds the masters it watches and
    their replicas; after a failover the new master is already among them, so the
    topology follows it by itself. A Cluster node adds every node of its
    ``CLUSTER NODES``. ``sentinels`` are polled from the start, and with
    ``sentinel_credentials`` when Sentinels have a password of their own (the data
    nodes keep ``credentials``); ``master_name`` keeps to one monitored master. At
    most :data:`MAX_FOLLOWED` nodes are added.

    With ``sentinel_events`` (the default) :meth:`watch` subscribes to every Sentinel
    it polls and starts a round as soon as one announces ``+switch-master``.
    """

    def __init__(
        self,
        targets: Sequence[Address],
        *,
        credentials: Credentials | None = None,
        tls: TlsOptions | None = None,
        settings: PollSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        follow: bool = False,
        sentinels: Sequence[Address] = (),
        sentinel_credentials: Credentials | None = None,
        master_name: str | None = None,
        sentinel_events: bool = True,
    ) -> None:
        data_credentials = credentials or Credentials()
        sentinel_login = sentinel_credentials or data_credentials

        def make(target: Address, *, sentinel: bool = False, followed: bool = False) -> NodePoller:
            return NodePoller(
                target,
                credentials=sentinel_login if sentinel else data_credentials,
                tls=tls or TlsOptions(),
                settings=settings or PollSettings(),
                clock=clock,
                followed=followed,
            )

        self._make = make
        self._known = {s.key for s in sentinels}
        self.nodes = [make(t, sentinel=True) for t in sentinels]
        self.nodes += [make(t) for t in targets if t.key not in self._known]
        self._known.update(target.key for target in targets)
        self._master_name = master_name
        self._follow = follow
        self._followed = 0
        self.last: Snapshot | None = None
        self._tls = tls or TlsOptions()
        self._settings = settings or PollSettings()
        self._sentinel_events = sentinel_events
        self._sentinel_keys = {s.key for s in sentinels}
        self.subscriber: SentinelSubscriber | None = None
        #: set by a ``+switch-master``: the watch loop starts its next round now
        self._switched = asyncio.Event()
        #: rounds started early because a Sentinel announced a switch (tests count them)
        self.early_rounds = 0

    async def poll_nodes(self, *, deadline: float | None = None) -> list[NodeState]:
        """One round: every node concurrently, in target order.

        With ``deadline`` (seconds) the round ends then: a node still unanswered
        is reported ``timeout`` and its request goes on into the next round.
        Without, each node gets its own full deadline (connect + read timeout).
        """
        loop = asyncio.get_running_loop()
        ends = None if deadline is None else loop.time() + deadline
        states: list[NodeState] = []
        batch = self.nodes
        while batch:
            tasks = [node.begin_round() for node in batch]
            left = None if ends is None else max(ends - loop.time(), 0.0)
            await asyncio.wait(tasks, timeout=left)
            found = [node.end_round() for node in batch]
            states.extend(found)
            batch = self._newly_listed(found) if self._follow else []
        return states

    def _newly_listed(self, states: Sequence[NodeState]) -> list[NodePoller]:
        """Pollers for replicas the answering masters list and nobody polls yet."""
        added = []
        for state in states:
            if not state.ok:
                continue
            listed: list[tuple[Address, bool]] = []
            if state.replication is not None:
                listed += [(Address(e.ip, e.port), False) for e in state.replication.replicas]
            if state.sentinel is not None:
                listed += state.sentinel.targets(self._master_name)
            if state.cluster is not None:
                listed += [(target, False) for target in state.cluster.targets()]
            for target, is_sentinel in listed:
                if target.key in self._known or self._followed >= MAX_FOLLOWED:
                    continue
                self._known.add(target.key)
                self._followed += 1
                added.append(self._make(target, sentinel=is_sentinel, followed=True))
                if is_sentinel:
                    self._sentinel_keys.add(target.key)
        self.nodes.extend(added)
        return added

    def _subscribe_sentinels(self, states: Sequence[NodeState]) -> None:
        """Subscribe to every Sentinel known now: given, listed by another, or a
        target that answered as one (a Sentinel already subscribed is left alone)."""
        if self.subscriber is None:
            self.subscriber = SentinelSubscriber(
                tls=self._tls, settings=self._settings, on_announcement=self._announced
            )
        keys = self._sentinel_keys | {s.address for s in states if s.sentinel is not None}
        for node in self.nodes:
            if node.address in keys:
                self.subscriber.follow(node.target, node.credentials)

    def _announced(self, announcement: SentinelAnnouncement) -> None:
        if announcement.switch:
            self._switched.set()

    def take_announcements(self) -> list[SentinelAnnouncement]:
        """What the Sentinels announced since the last call (under :meth:`watch`)."""
        return self.subscriber.take() if self.subscriber is not None else []

    async def poll(self, *, ts: str | None = None, deadline: float | None = None) -> Snapshot:
        """One round as a snapshot stamped ``ts`` (default: now, local time).

        ``deadline``: see :meth:`poll_nodes`; ``None`` waits for a final answer.
        """
        nodes = await self.poll_nodes(deadline=deadline)
        snapshot = build_snapshot(ts or now_ts(), nodes, prev=self.last)
        self.last = snapshot
        return snapshot

    async def watch(self, interval: float = 1.0) -> AsyncIterator[Snapshot]:
        """A snapshot every ``interval`` seconds (start to start), forever.

        A hung node does not hold the others back: a round waits at most
        ``max(interval, MIN_ROUND_WAIT)`` for its nodes (see :meth:`poll_nodes`).
        A ``+switch-master`` from a Sentinel starts the next round at once (one
        heard during a round: right after it), and the interval counts from there.
        """
        loop = asyncio.get_running_loop()
        next_start = loop.time()
        round_wait = max(interval, MIN_ROUND_WAIT)
        while True:
            self._switched.clear()
            snapshot = await self.poll(deadline=round_wait)
            if self._sentinel_events:
                self._subscribe_sentinels(snapshot.nodes)
            yield snapshot
            next_start += interval
            delay = next_start - loop.time()
            if delay < 0:  # a slow round: skip ahead rather than burst
                next_start = loop.time()
                delay = 0
            if not self._switched.is_set() and delay > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._switched.wait(), delay)
            if self._switched.is_set():
                self.early_rounds += 1
                next_start = loop.time()

    async def aclose(self) -> None:
        subscriber, self.subscriber = self.subscriber, None
        if subscriber is not None:
            await subscriber.aclose()
        await asyncio.gather(*(node.aclose() for node in self.nodes))

    async def __aenter__(self) -> Poller:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def poll_once(
    targets: Sequence[Address],
    *,
    credentials: Credentials | None = None,
    tls: TlsOptions | None = None,
    settings: PollSettings | None = None,
) -> Snapshot:
    """One snapshot of ``targets``, connections closed afterwards."""
    async with Poller(targets, credentials=credentials, tls=tls, settings=settings) as poller:
        return await poller.poll()
