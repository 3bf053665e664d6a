"""The connection options shared by ``status`` and ``tui``: which nodes, how to log in.

``@connection_options`` adds redis-cli-like options to a click command and hands the
command one :class:`ConnectionConfig` (keyword ``connection``) instead of a dozen
loose values; ``@interval_option`` adds ``--interval``. Both commands thus accept
the same spelling, and the password handling (warning for ``-a``, ``REDISCLI_AUTH``,
``--askpass`` on the terminal) lives in one place.
"""

from __future__ import annotations

import functools
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from replwatch.poll.addresses import (
    DEFAULT_HOST,
    SENTINEL_PORT,
    Address,
    AddressError,
    NodeUrl,
    parse_node,
    parse_node_list,
    parse_ports,
)
from replwatch.poll.addresses import resolve_targets as _resolve_targets
from replwatch.poll.auth import ARGV_PASSWORD_WARNING, Credentials, TlsOptions, resolve_credentials

F = TypeVar("F", bound=Callable[..., Any])

#: The option names ``@connection_options`` consumes.
_OPTION_NAMES = (
    "host",
    "ports",
    "nodes",
    "password",
    "user",
    "askpass",
    "no_auth_warning",
    "tls",
    "cacert",
    "cacertdir",
    "cert",
    "key",
    "insecure",
    "connect_timeout",
    "read_timeout",
    "sentinel",
    "master_name",
    "sentinel_user",
    "sentinel_password",
    "no_follow",
    "cluster",
)

#: The Sentinels' own password, when it differs from the data nodes' (REDISCLI_AUTH).
SENTINEL_PASSWORD_ENV = "REPLWATCH_SENTINEL_AUTH"


@dataclass(frozen=True, slots=True)
class ConnectionConfig:
    """Everything needed to poll: the nodes, the credentials, TLS and timeouts."""

    targets: tuple[Address, ...]
    credentials: Credentials
    tls: TlsOptions
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    sentinels: tuple[Address, ...] = ()
    sentinel_credentials: Credentials | None = None
    master_name: str | None = None
    follow: bool = True

    def poll_settings(self) -> Any:
        """:class:`replwatch.poll.rounds.PollSettings` for these timeouts (imports redis-py)."""
        from replwatch.poll.rounds import PollSettings

        return PollSettings(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout)

    def poller(self) -> Any:
        """A :class:`replwatch.poll.rounds.Poller` for these nodes (imports redis-py lazily)."""
        from replwatch.poll.rounds import Poller

        return Poller(
            self.targets,
            credentials=self.credentials,
            tls=self.tls,
            settings=self.poll_settings(),
            follow=self.follow,
            sentinels=self.sentinels,
            sentinel_credentials=self.sentinel_credentials,
            master_name=self.master_name,
        )


def build_connection(
    *,
    host: str = DEFAULT_HOST,
    ports: str | None = None,
    nodes: str | None = None,
    password: str | None = None,
    user: str | None = None,
    askpass: bool = False,
    no_auth_warning: bool = False,
    tls: bool = False,
    cacert: str | None = None,
    cacertdir: str | None = None,
    cert: str | None = None,
    key: str | None = None,
    insecure: bool = False,
    connect_timeout: float = 1.0,
    read_timeout: float = 2.0,
    sentinel: str | None = None,
    master_name: str | None = None,
    sentinel_user: str | None = None,
    sentinel_password: str | None = None,
    no_follow: bool = False,
    cluster: str | None = None,
) -> ConnectionConfig:
    """Turn the option values into a :class:`ConnectionConfig` (click errors on bad input)."""
    try:
        # An empty value given on purpose (`--ports ""`, `--nodes "$UNSET"`) is a usage
        # error, never a silent fall back to 127.0.0.1:6379.
        port_list = parse_ports(ports) if ports is not None else []
        items = _node_items(nodes, "--nodes") if nodes is not None else []
        items += _node_items(cluster, "--cluster") if cluster is not None else []
        sentinel_list = [
            parse_node(part, default_port=SENTINEL_PORT)
            for part in (sentinel or "").split(",")
            if part.strip()
        ]
        if sentinel is not None and not sentinel_list:
            raise AddressError("--sentinel: no address given")
    except AddressError as exc:
        raise click.BadParameter(str(exc)) from None
    if master_name is not None and not sentinel_list:
        raise click.UsageError("--master names a master a Sentinel watches: give --sentinel")
    node_list = [item.address for item in items]
    url_user, url_password, url_tls = _url_auth(items)
    if url_tls:
        tls = True  # rediss://, as for redis-cli -u
    if user is None:
        user = url_user
    on_argv = password is not None or url_password is not None
    if on_argv and not no_auth_warning and not askpass:
        click.echo(ARGV_PASSWORD_WARNING, err=True)
    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together")
    if not tls and any(v is not None for v in (cacert, cacertdir, cert, key)):
        tls = True  # giving certificates means TLS, as it does for redis-cli
    credentials = resolve_credentials(
        password=password,
        url_password=url_password,
        username=user,
        askpass=askpass,
        environ=os.environ,
        prompt=getpass.getpass if askpass else None,
    )
    sentinel_credentials = None
    sentinel_secret = sentinel_password or os.environ.get(SENTINEL_PASSWORD_ENV)
    if sentinel_secret or sentinel_user:
        sentinel_credentials = Credentials(
            username=sentinel_user,
            password=sentinel_secret,
            source="argument" if sentinel_password else "environment",
        )
    targets = (
        _resolve_targets(host=host, ports=port_list, nodes=node_list)
        if port_list or node_list or not sentinel_list
        else []
    )
    return ConnectionConfig(
        sentinels=tuple(sentinel_list),
        sentinel_credentials=sentinel_credentials,
        master_name=master_name,
        follow=not no_follow or cluster is not None,
        targets=tuple(targets),
        credentials=credentials,
        tls=TlsOptions(
            enabled=tls, cacert=cacert, cacertdir=cacertdir, cert=cert, key=key, insecure=insecure
        ),
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )


def _node_items(text: str, option: str) -> list[NodeUrl]:
    items = parse_node_list(text)
    if not items:
        raise AddressError(f"{option}: no address given")
    return items


def _url_auth(items: list[NodeUrl]) -> tuple[str | None, str | None, bool]:
    """The user, password and TLS the ``--nodes`` URLs say; one of each for all nodes.

    The poller logs in to every node the same way, as redis-cli does with ``-u``:
    URLs that disagree are a usage error (which never repeats the passwords).
    """
    urls = [item for item in items if item.password is not None or item.username is not None]
    users = {item.username for item in urls if item.username is not None}
    passwords = {item.password for item in urls if item.password is not None}
    if len(users) > 1 or len(passwords) > 1:
        raise click.BadParameter(
            "--nodes: the URLs give different users or passwords; replwatch logs in to "
            "every node the same way (give one, or use --user / REDISCLI_AUTH)"
        )
    return (
        next(iter(users), None),
        next(iter(passwords), None),
        any(item.tls for item in items),
    )


def connection_options(func: F) -> F:
    """Add the node, auth, TLS and timeout options; pass ``connection=ConnectionConfig``."""
    file_path = click.Path(exists=True, dir_okay=False)
    options = [
        click.option(
            "--host",
            default=DEFAULT_HOST,
            show_default=True,
            help="Host for the --ports nodes.",
        ),
        click.option(
            "-p",
            "--ports",
            metavar="PORTS",
            help="Ports to poll on --host: 10000-10002, or 6379,6380.",
        ),
        click.option(
            "--nodes",
            metavar="HOST:PORT,...",
            help="Nodes to poll, e.g. 10.0.0.5:6379,[::1]:6380 (with --ports or alone), "
            "or redis-cli -u URLs: redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB].",
        ),
        click.option(
            "-a",
            "--password",
            metavar="PASSWORD",
            help="Password (visible in ps; prefer REDISCLI_AUTH or --askpass).",
        ),
        click.option("--user", metavar="USERNAME", help="ACL user name (Redis 6+)."),
        click.option(
            "--askpass",
            is_flag=True,
            help="Prompt for the password on the terminal, without echo.",
        ),
        click.option(
            "--no-auth-warning",
            is_flag=True,
            help="Do not warn about -a on the command line.",
        ),
        click.option("--tls", is_flag=True, help="Connect with TLS."),
        click.option("--cacert", type=file_path, help="CA certificate file to verify with."),
        click.option(
            "--cacertdir",
            type=click.Path(exists=True, file_okay=False),
            help="Directory of CA certificates.",
        ),
        click.option("--cert", type=file_path, help="Client certificate (with --key)."),
        click.option("--key", type=file_path, help="Client private key (with --cert)."),
        click.option(
            "--insecure",
            is_flag=True,
            help="Do not verify the server's certificate.",
        ),
        click.option(
            "--sentinel",
            metavar="HOST:PORT,...",
            help="Sentinels to ask for the topology (port 26379 by default); follows failovers.",
        ),
        click.option(
            "--master",
            "master_name",
            metavar="NAME",
            help="Only this master of the Sentinels (default: every master they watch).",
        ),
        click.option("--sentinel-user", metavar="USERNAME", help="ACL user for the Sentinels."),
        click.option(
            "--sentinel-password",
            metavar="PASSWORD",
            help=f"The Sentinels' own password (prefer {SENTINEL_PASSWORD_ENV}).",
        ),
        click.option(
            "--cluster",
            metavar="HOST:PORT",
            help="Any node of a Redis Cluster: every node of CLUSTER NODES is polled.",
        ),
        click.option(
            "--no-follow",
            is_flag=True,
            help="Poll only the nodes given, not the replicas and Sentinels they list.",
        ),
        click.option(
            "--connect-timeout",
            type=click.FloatRange(min=0.01),
            default=1.0,
            show_default=True,
            help="Seconds to wait for a connection.",
        ),
        click.option(
            "--read-timeout",
            type=click.FloatRange(min=0.01),
            default=2.0,
            show_default=True,
            help="Seconds to wait for an answer.",
        ),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _OPTION_NAMES if name in kwargs}
        kwargs["connection"] = build_connection(**values)
        return func(*args, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def interval_option(func: F) -> F:
    """Add ``--interval SECONDS`` (default 1)."""
    return click.option(
        "--interval",
        type=click.FloatRange(min=0.05),
        default=1.0,
        show_default=True,
        help="Seconds between poll rounds.",
    )(func)
