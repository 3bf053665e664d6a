"""Poll one node: its client, its queries, its errors, its backoff, its late answers.

This is the per-server half of the poll side's I/O edge (the round that runs many
of these at once is :mod:`replwatch.poll.rounds`). Split out because everything that
can go wrong with *one* server lives here -- building the redis-py asyncio
client, the pipelined read commands, turning each failure into a one-line
:class:`~replwatch.topology.snapshot.NodeState`, backoff, and a request that outlives its
round -- while the round logic only needs :meth:`NodePoller.begin_round` and
:meth:`NodePoller.end_round`.

Errors are values: a poll never raises; a refused connection, a timeout,
``NOAUTH``/``WRONGPASS`` each become the node's status with a one-line error
naming ``host:port``.

One password is given for every node, but a node may have none: the seed's replicas
have ``masterauth`` and no ``requirepass``, and answer ``AUTH`` with ``ERR AUTH
<password> called without any password configured for the default user`` (Redis 6+,
Valkey) or ``ERR Client sent AUTH, but no password is set`` (before). Such a node is
asked again at once without the password, as redis-cli carries on, and from then on
polled without it; it is not an authentication problem. Should it later ask for one
(``NOAUTH``: it was given a password since), the password is sent again. Each state
says what the node showed (:attr:`NodeState.password_required`): whether it wants a
password, which is how ``status`` tells a replica anyone can read from a master that
asks.

Only read commands are sent: ``INFO replication`` and ``ROLE`` each round,
``INFO server`` every few rounds (and after every reconnect, so a restart's new
``run_id`` shows at once), ``CONFIG GET logfile`` / ``CONFIG GET dir`` once per
connection. The client is told not to send ``CLIENT SETINFO``.

After a failure a node is retried with exponential backoff (:class:`Backoff`);
until then the previous failure is reported again. Backoff is for failures that
cost a full deadline (a timeout: a hung node); a refused or closed connection
answers at once and costs nothing, so such a node is retried every round and a
restarted server is seen in the first round after it is back.

A node has at most one request in flight (the client is a single connection):
when a round ends before it answers, the round reports the node ``timeout``
("no answer for N s") and the request carries on into the next rounds, whose
answer is then reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.credentials import UsernamePasswordCredentialProvider

from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions, scrub
from replwatch.poll.cluster_reply import ClusterView, parse_cluster
from replwatch.poll.info import auth_error_kind, parse_info, parse_replication, parse_server
from replwatch.poll.probe import foreign_greeting
from replwatch.poll.role_reply import parse_role
from replwatch.poll.sentinel_reply import SentinelView, flat_table, parse_master
from replwatch.topology.snapshot import (
    NODE_AUTH_REQUIRED,
    NODE_OK,
    NODE_TIMEOUT,
    NODE_UNREACHABLE,
    NodeState,
)

#: Errors that mean "a password was sent to a server that has none": retry without.
_NO_PASSWORD_SET = ("without any password configured", "no password is set")


def _no_password_set(exc: BaseException) -> bool:
    """The server has no password and was sent one (redis-py raises AuthenticationError
    for the wordings it knows, a plain ResponseError for any other)."""
    return isinstance(exc, redis_errors.ResponseError | redis_errors.AuthenticationError) and any(
        text in str(exc) for text in _NO_PASSWORD_SET
    )


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry delays after consecutive failures: ``first * factor**(n-1)``, at most ``cap``."""

    first: float = 0.5
    factor: float = 2.0
    cap: float = 5.0
    #: The cap for a node found in another node's reply (a replica its master
    #: lists) that has never answered: a master listing 1,000 replicas whose ports
    #: refuse us cost 80 % of a core when each was retried every round.
    unseen_cap: float = 15.0

    def delay(self, failures: int, *, unseen: bool = False) -> float:
        if failures <= 0:
            return 0.0
        cap = self.unseen_cap if unseen else self.cap
        return min(cap, self.first * self.factor ** (failures - 1))


@dataclass(frozen=True, slots=True)
class PollSettings:
    """How to poll. Timeouts in seconds; ``server_info_every`` in rounds."""

    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    server_info_every: int = 10
    fetch_config: bool = True
    backoff: Backoff = field(default_factory=Backoff)

    @property
    def deadline(self) -> float:
        """The most one node's poll may take, connect and reply together."""
        return self.connect_timeout + self.read_timeout


def _client_kwargs() -> dict[str, Any]:
    """Keep redis-py from sending ``CLIENT SETINFO`` (not a read command)."""
    params = inspect.signature(aioredis.Redis.__init__).parameters
    if "driver_info" in params:
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


_EXTRA_CLIENT_KWARGS = _client_kwargs()


def make_client(
    target: Address, credentials: Credentials, tls: TlsOptions, settings: PollSettings
) -> aioredis.Redis:
    """One redis-py asyncio client on one connection, no retries, RESP2, no
    ``CLIENT SETINFO``: how replwatch talks to any node (polls and pub/sub alike)."""
    provider = None
    if credentials.password is not None:
        provider = UsernamePasswordCredentialProvider(credentials.username, credentials.password)
    return aioredis.Redis(
        host=target.host,
        port=target.port,
        credential_provider=provider,
        socket_connect_timeout=settings.connect_timeout,
        socket_timeout=settings.read_timeout,
        decode_responses=True,
        # RESP2: servers before 6.0 (Redis 2.8-5.0) do not know HELLO, which
        # redis-py sends for RESP3; INFO and ROLE read the same in both.
        protocol=2,
        single_connection_client=True,
        retry=None,  # type: ignore[arg-type]  # redis-py takes None: no retries
        **tls.client_kwargs(),
        **_EXTRA_CLIENT_KWARGS,
    )


def _identity(response: Any, **_options: Any) -> Any:
    return response


def _refused(exc: BaseException) -> bool:
    """True when the exception (or what caused it) is a refused TCP connection."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        text = str(seen)
        if "refused" in text.lower() or "Error 111 " in text or "Connect call failed" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _answers_at_once(exc: BaseException) -> bool:
    """True for failures that cost no wait: a refused, reset or closed connection.

    Retrying those every round is cheap and sees a restarted server at once;
    backoff is kept for the failures that cost a whole deadline (timeouts).
    """
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, redis_errors.TimeoutError)):
        return False
    text = str(exc).lower()
    return _refused(exc) or "reset by peer" in text or "closed by server" in text


class NodePoller:
    """One node: its client, its backoff state, and its last INFO server.

    Not for direct use by callers; :class:`~replwatch.poll.rounds.Poller` owns these.
    """

    def __init__(
        self,
        target: Address,
        *,
        credentials: Credentials,
        tls: TlsOptions,
        settings: PollSettings,
        clock: Callable[[], float],
        followed: bool = False,
    ) -> None:
        self.target = target
        self.address = target.key
        #: found in another node's reply, not given by the user
        self.followed = followed
        self._given = credentials  # what the user gave; _credentials may drop the password
        self._credentials = credentials
        self._password_required: bool | None = None  # as last shown by the node
        self._tls = tls
        self._settings = settings
        self._clock = clock
        self._client: aioredis.Redis | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._last: NodeState | None = None
        self._rounds_since_server = 0
        self._server_fields: dict[str, str] = {}
        self._need_config = settings.fetch_config
        self._ever_answered = False
        # The one request in flight (rounds may end before it answers), when it
        # started, whether a round already gave up on it, and a result that came
        # in between rounds and is yet to be reported.
        self._inflight: asyncio.Task[NodeState] | None = None
        self._inflight_since = 0.0
        self._late = False
        self._fresh: NodeState | None = None

    @property
    def credentials(self) -> Credentials:
        """What this node is logged in with now (the password dropped for a node that
        has none): what another connection to it (a Sentinel's pub/sub) should send."""
        return self._credentials

    def _make_client(self) -> aioredis.Redis:
        client = make_client(self.target, self._credentials, self._tls, self._settings)
        # We parse INFO and ROLE ourselves (replwatch.poll.info), from the raw reply.
        client.set_response_callback("INFO", _identity)
        client.set_response_callback("ROLE", _identity)
        client.set_response_callback("SENTINEL", _identity)
        client.set_response_callback("CLUSTER", _identity)
        return client

    async def poll(self) -> NodeState:
        """This round's state of the node; never raises."""
        if self._last is not None and not self._last.ok and self._clock() < self._retry_at:
            return self._last
        if self._client is None:
            self._client = self._make_client()
            self._rounds_since_server = self._settings.server_info_every  # fetch now
            self._need_config = self._settings.fetch_config
        cheap_failure = False
        try:
            state = await asyncio.wait_for(self._query(self._client), self._settings.deadline)
        except Exception as exc:  # every failure becomes a value
            state = self._failure(exc)
            cheap_failure = _answers_at_once(exc)
            if self._may_be_foreign(exc, state):
                state = await self._foreign(state)
        if state.ok:
            self._failures = 0
            self._ever_answered = True
        else:
            # No backoff for a refused/closed connection of a node the user gave or
            # that answered before: retried next round, a restart is seen at once.
            # A followed node that never answered backs off (fan-out of 1,000).
            unseen = self.followed and not self._ever_answered
            self._failures = 0 if cheap_failure and not unseen else self._failures + 1
            delay = self._settings.backoff.delay(self._failures, unseen=unseen)
            self._retry_at = self._clock() + delay
            await self._drop_client()
        self._last = state
        return state

    def begin_round(self) -> asyncio.Task[NodeState]:
        """This round's request: the one still in flight, or a new one."""
        task = self._inflight
        if task is not None and not task.done():
            return task
        if task is not None and self._late and not task.cancelled():
            self._fresh = task.result()  # answered after its round gave up on it
        self._late = False
        self._inflight = asyncio.ensure_future(self.poll())
        self._inflight_since = self._clock()
        return self._inflight

    def end_round(self) -> NodeState:
        """What this round reports, once its deadline is over (or all answered)."""
        task = self._inflight
        assert task is not None, "end_round() before begin_round()"
        fresh, self._fresh = self._fresh, None
        if task.done():
            self._late = False
            return task.result()
        self._late = True
        if fresh is not None:
            return fresh  # the previous request's answer, from within the last round
        return self._overdue()

    def _overdue(self) -> NodeState:
        """The node while its request is unanswered: its last facts, marked ``timeout``."""
        waited = self._clock() - self._inflight_since
        message = (
            f"{self.address}: no answer for {waited:.1f} s (server stopped, hung or overloaded?)"
        )
        last = self._last
        if last is None:
            return NodeState(
                address=self.address,
                status=NODE_TIMEOUT,
                error=message,
                password_required=self._password_required,
            )
        return NodeState(
            address=self.address,
            status=NODE_TIMEOUT,
            error=message,
            server=last.server,
            config=last.config,
            config_error=last.config_error,
            password_required=last.password_required,
        )

    async def _query(self, client: aioredis.Redis) -> NodeState:
        """One round's queries; a node with no password is asked again without it."""
        try:
            return await self._query_once(client)
        except (redis_errors.AuthenticationError, redis_errors.ResponseError) as exc:
            if self._credentials.password is not None and _no_password_set(exc):
                # redis-cli carries on in this case; so do we, without the password.
                self._credentials = self._credentials.without_password()
            elif (
                self._credentials.password is None
                and self._given.password is not None
                and auth_error_kind(str(exc)) == "noauth"
            ):
                self._credentials = self._given  # it has a password now: send it again
            else:
                raise
        await self._drop_client()
        self._client = self._make_client()
        return await self._query_once(self._client)

    def _answered_password_required(self) -> bool | None:
        """What a node that answered has shown: it took the password given (True), or
        it answered with none sent (False). With an ACL user the default user's
        password is not known (None)."""
        creds = self._credentials
        if creds.password is None:
            return False
        return True if creds.username in (None, "default") else None

    async def _query_once(self, client: aioredis.Redis) -> NodeState:
        fetch_server = self._rounds_since_server >= self._settings.server_info_every
        fetch_config = self._need_config
        pipe = client.pipeline(transaction=False)
        pipe.execute_command("INFO", "replication")
        pipe.execute_command("ROLE")
        if fetch_server:
            pipe.execute_command("INFO", "server")
        if fetch_config:
            pipe.execute_command("CONFIG", "GET", "logfile")
            pipe.execute_command("CONFIG", "GET", "dir")
        try:
            replies = await pipe.execute(raise_on_error=False)
        finally:
            await pipe.reset()
        info_reply, role_reply = replies[0], replies[1]
        for reply in (info_reply, role_reply):
            if isinstance(reply, Exception):
                raise reply
        replication_fields = parse_info(info_reply)
        if fetch_server:
            server_reply = replies[2]
            if isinstance(server_reply, Exception):
                raise server_reply
            self._server_fields = parse_info(server_reply)
            self._rounds_since_server = 0
        self._rounds_since_server += 1
        config, config_error = self._config(replies[-2:] if fetch_config else None)
        try:
            role = parse_role(role_reply)
        except (ValueError, IndexError, TypeError):
            role = None
        sentinel = cluster = None
        if role is not None and role.role == "sentinel":
            sentinel = await self._sentinel_view(client)
        elif "cluster" in (
            self._server_fields.get("redis_mode"),
            self._server_fields.get("server_mode"),  # Valkey 8+
        ):
            cluster = await self._cluster_view(client)
        self._password_required = self._answered_password_required()
        return NodeState(
            password_required=self._password_required,
            sentinel=sentinel,
            cluster=cluster,
            address=self.address,
            status=NODE_OK,
            replication=parse_replication(replication_fields),
            server=parse_server(self._server_fields) if self._server_fields else None,
            role_reply=role,
            config=config,
            config_error=config_error,
            info={**self._server_fields, **replication_fields},
        )

    async def _cluster_view(self, client: aioredis.Redis) -> ClusterView | None:
        """``CLUSTER NODES`` and ``CLUSTER INFO`` in one round trip; None if refused."""
        pipe = client.pipeline(transaction=False)
        pipe.execute_command("CLUSTER", "NODES")
        pipe.execute_command("CLUSTER", "INFO")
        try:
            nodes, info = await pipe.execute(raise_on_error=False)
        finally:
            await pipe.reset()
        if not isinstance(nodes, str):
            return None
        return parse_cluster(nodes, info if isinstance(info, str) else "")

    async def _sentinel_view(self, client: aioredis.Redis) -> SentinelView:
        """``SENTINEL MASTERS``, then each master's replicas and fellow Sentinels.

        Two round trips whatever the number of masters. ``REPLICAS`` is spelt
        ``SLAVES`` before Redis 5.0; a Sentinel that knows only one gets that one.
        """
        masters = await client.execute_command("SENTINEL", "MASTERS")
        names = [flat_table(entry).get("name", "") for entry in masters or ()]
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.execute_command("SENTINEL", "REPLICAS", name)
            pipe.execute_command("SENTINEL", "SENTINELS", name)
        try:
            replies = await pipe.execute(raise_on_error=False) if names else []
            if any(isinstance(r, redis_errors.ResponseError) for r in replies[0::2]):
                for name in names:
                    pipe.execute_command("SENTINEL", "SLAVES", name)
                slaves = await pipe.execute(raise_on_error=False)
                replies[0::2] = slaves
        finally:
            await pipe.reset()
        parsed = []
        for index, entry in enumerate(masters or ()):
            replicas, sentinels = replies[2 * index], replies[2 * index + 1]
            master = parse_master(
                entry,
                replicas if isinstance(replicas, list) else (),
                sentinels if isinstance(sentinels, list) else (),
            )
            if master is not None:
                parsed.append(master)
        return SentinelView(tuple(parsed))

    def _config(self, replies: Sequence[Any] | None) -> tuple[dict[str, str], str | None]:
        """``CONFIG GET`` answers, kept from the first connection that got them."""
        if replies is None:
            last = self._last
            return (dict(last.config), last.config_error) if last is not None else ({}, None)
        self._need_config = False
        config: dict[str, str] = {}
        error = None
        for reply in replies:
            if isinstance(reply, Exception):
                error = self._error_text(reply)
            elif isinstance(reply, dict):
                config.update({str(k): str(v) for k, v in reply.items()})
            elif isinstance(reply, list):
                config.update(zip(map(str, reply[::2]), map(str, reply[1::2]), strict=False))
        return config, error

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._credentials.password, self._given.password])

    def _error_text(self, exc: BaseException) -> str:
        """The server's error as it sent it: redis-py strips the ``NOPERM`` code."""
        text = self._scrub(" ".join(str(exc).split()))
        if isinstance(exc, redis_errors.NoPermissionError) and not text.startswith("NOPERM"):
            text = f"NOPERM {text}"
        return text

    def _failure(self, exc: BaseException) -> NodeState:
        """Translate an exception into a node state with a one-line error."""
        where = self.address
        text = self._scrub(" ".join(str(exc).split()))
        if isinstance(exc, (TimeoutError, asyncio.TimeoutError, redis_errors.TimeoutError)):
            settings = self._settings
            if "connect" in text.lower():
                waited = f"no connection within {settings.connect_timeout:g} s"
            else:
                waited = f"no answer within {settings.read_timeout:g} s"
            message = f"{where}: {waited} (server stopped, hung or overloaded?)"
            return NodeState(
                address=where,
                status=NODE_TIMEOUT,
                error=message,
                password_required=self._password_required,
            )
        kind = auth_error_kind(text)
        if isinstance(exc, redis_errors.AuthenticationError) or kind is not None:
            detail = text or "authentication failed"
            if kind == "noauth" or (kind is None and not self._credentials.has_password):
                detail = "NOAUTH Authentication required."
            elif kind == "wrongpass" and not detail.upper().startswith(("WRONGPASS", "ERR")):
                detail = f"WRONGPASS {detail}"  # redis-py strips the error code
            if kind in ("noauth", "wrongpass") or kind is None:
                # refused without a password, or refused the one given: it has one
                self._password_required = True
            return NodeState(
                address=where,
                status=NODE_AUTH_REQUIRED,
                error=f"{where}: {detail}",
                password_required=self._password_required,
            )
        if isinstance(exc, redis_errors.NoPermissionError):
            error = f"{where}: {self._error_text(exc)}"
            return NodeState(
                address=where,
                status=NODE_AUTH_REQUIRED,
                error=error,
                password_required=self._password_required,
            )
        if _refused(exc):
            message = f"{where}: connection refused (is the server running?)"
        elif "CERTIFICATE_VERIFY_FAILED" in text:
            reason = text.split("certificate verify failed:")[-1].split("(_ssl")[0].strip()
            message = (
                f"{where}: TLS certificate not trusted ({reason}); "
                "give the CA with --cacert, or use --insecure"
            )
        elif "reset by peer" in text or "closed by server" in text.lower():
            # a TLS port closes on a plain-text client at once; a server that has
            # answered before and closes now is just going away.
            first_contact = not self._tls.enabled and not self._ever_answered
            hint = " (a TLS port? try --tls)" if first_contact else ""
            message = f"{where}: connection closed by the server{hint}"
        else:
            message = f"{where}: {text or type(exc).__name__}"
        return NodeState(
            address=where,
            status=NODE_UNREACHABLE,
            error=message,
            password_required=self._password_required,
        )

    def _may_be_foreign(self, exc: BaseException, state: NodeState) -> bool:
        """First contact, plain text, and the port closed on us or spoke no RESP."""
        if self._ever_answered or self._tls.enabled or state.status != NODE_UNREACHABLE:
            return False
        closed = "connection closed by the server" in (state.error or "")
        return closed or isinstance(exc, redis_errors.InvalidResponse)

    async def _foreign(self, state: NodeState) -> NodeState:
        """Name what answers instead of Redis, if it said anything readable."""
        timeout = min(self._settings.connect_timeout, self._settings.read_timeout)
        greeting = await foreign_greeting(self.target.host, self.target.port, timeout)
        if greeting is None:
            return state
        error = f"{self.address}: not a Redis server (it answered {greeting!r})"
        return NodeState(address=self.address, status=NODE_UNREACHABLE, error=error)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), 0.5)

    async def aclose(self) -> None:
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._drop_client()
