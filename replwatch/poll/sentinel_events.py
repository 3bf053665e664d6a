"""Hear the Sentinels announce a failover: one pub/sub subscription per Sentinel.

A poll round every ``--interval`` seconds sees a failover up to an interval late.
Sentinels say it at once: each publishes ``+switch-master <name> <old> <new>`` when
it adopts the new master, and ``+sdown`` / ``+odown`` (``-sdown`` / ``-odown``) when
it sees the master down (or back). :class:`SentinelSubscriber` keeps one
subscription to :data:`~replwatch.poll.sentinel_reply.MASTER_CHANNELS` per Sentinel,
each its own task on its own connection (never the poll's: a subscribed connection
answers nothing else), and hands every announcement to a callback; the
:class:`~replwatch.poll.rounds.Poller` starts a round on a ``+switch-master``.

Nothing here blocks a round: the subscriptions only read. A Sentinel that drops
the subscription (restarted, connection reset) or falls silent (a ``PING`` after
:data:`KEEPALIVE` idle seconds that gets no answer: hung, SIGSTOP'd) is subscribed
again, with the poll's :class:`~replwatch.poll.node.Backoff` between attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import exceptions as redis_errors

from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions, scrub
from replwatch.poll.node import PollSettings, make_client
from replwatch.poll.sentinel_reply import MASTER_CHANNELS, SentinelAnnouncement, parse_announcement

#: Seconds without a message before a ``PING`` asks whether the Sentinel is still there.
KEEPALIVE = 5.0

#: Announcements kept for :meth:`SentinelSubscriber.take` (the oldest go first).
MAX_KEPT = 1000


@dataclass(slots=True)
class Subscription:
    """How the subscription to one Sentinel stands (read by tests and views).

    ``subscribed``: every channel confirmed and the connection alive; ``count``: how
    many times the subscription was made (a second one is a resubscription);
    ``failures``: attempts failed in a row; ``error``: the last failure, one line.
    """

    address: str
    subscribed: bool = False
    count: int = 0
    failures: int = 0
    error: str | None = None


def _now() -> str:
    return datetime.now().isoformat(timespec="milliseconds")


class SentinelSubscriber:
    """Subscriptions to many Sentinels; :meth:`follow` adds one, :meth:`aclose` ends all."""

    def __init__(
        self,
        *,
        tls: TlsOptions | None = None,
        settings: PollSettings | None = None,
        on_announcement: Callable[[SentinelAnnouncement], None] | None = None,
        keepalive: float = KEEPALIVE,
    ) -> None:
        self._tls = tls or TlsOptions()
        self._settings = settings or PollSettings()
        self._on_announcement = on_announcement
        self._keepalive = keepalive
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._kept: deque[SentinelAnnouncement] = deque(maxlen=MAX_KEPT)
        self.subscriptions: dict[str, Subscription] = {}

    def follow(self, target: Address, credentials: Credentials) -> None:
        """Subscribe to ``target`` (once: a Sentinel already followed is left alone)."""
        if target.key in self._tasks:
            return
        self.subscriptions[target.key] = Subscription(target.key)
        self._tasks[target.key] = asyncio.ensure_future(self._keep(target, credentials))

    def take(self) -> list[SentinelAnnouncement]:
        """The announcements heard since the last call, oldest first."""
        taken = list(self._kept)
        self._kept.clear()
        return taken

    async def _keep(self, target: Address, credentials: Credentials) -> None:
        """Stay subscribed to one Sentinel: subscribe, read, and after a failure
        wait (backoff) and subscribe again. Ends only when cancelled."""
        state = self.subscriptions[target.key]
        while True:
            try:
                await self._session(target, credentials, state)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure means: subscribe again, later
                text = scrub(" ".join(str(exc).split()), [credentials.password])
                state.error = f"{target.key}: {text or type(exc).__name__}"
            state.subscribed = False
            state.failures += 1
            await asyncio.sleep(self._settings.backoff.delay(state.failures))

    async def _session(
        self, target: Address, credentials: Credentials, state: Subscription
    ) -> None:
        """One connection's subscription, until it fails (it always ends by raising)."""
        settings = self._settings
        client = make_client(target, credentials, self._tls, settings)
        pubsub = client.pubsub()
        try:
            await asyncio.wait_for(pubsub.subscribe(*MASTER_CHANNELS), settings.deadline)
            confirmed: set[str] = set()
            loop = asyncio.get_running_loop()
            heard = loop.time()
            pinged: float | None = None
            while True:
                message = await pubsub.get_message(timeout=min(self._keepalive, 1.0))
                now = loop.time()
                if message is None:
                    if pinged is not None and now - pinged > settings.read_timeout:
                        raise redis_errors.TimeoutError(
                            f"no answer to PING within {settings.read_timeout:g} s"
                        )
                    if not confirmed >= set(MASTER_CHANNELS) and now - heard > settings.deadline:
                        raise redis_errors.TimeoutError("SUBSCRIBE not confirmed")
                    if pinged is None and now - heard > self._keepalive:
                        await pubsub.ping()
                        pinged = now
                    continue
                heard, pinged = now, None
                self._handle(target.key, message, confirmed, state)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), 0.5)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), 0.5)

    def _handle(
        self, sentinel: str, message: dict[str, Any], confirmed: set[str], state: Subscription
    ) -> None:
        kind = message.get("type")
        if kind == "subscribe":
            confirmed.add(str(message.get("channel")))
            if confirmed >= set(MASTER_CHANNELS) and not state.subscribed:
                state.subscribed, state.failures, state.error = True, 0, None
                state.count += 1
            return
        if kind != "message":
            return  # a PONG: the Sentinel is alive, nothing to tell
        found = parse_announcement(sentinel, message.get("channel"), message.get("data"), ts=_now())
        if found is None:
            return
        self._kept.append(found)
        if self._on_announcement is not None:
            self._on_announcement(found)

    async def aclose(self) -> None:
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
