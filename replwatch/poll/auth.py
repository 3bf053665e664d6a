"""Credentials and TLS settings for the poller, chosen the way ``redis-cli`` chooses them.

Password sources, strongest first: ``--askpass`` (prompted on the terminal, no echo),
``-a/--password``, a ``redis://:PASSWORD@host`` URL in ``--nodes`` (as ``redis-cli
-u``), the ``REDISCLI_AUTH`` environment variable. ``--user`` names an
ACL user (Redis 6+). Only ``-a`` puts the password in the process's argv, where
``ps`` shows it, so it prints redis-cli's own warning.

The password is held in :class:`Credentials`, whose repr hides it, and is handed to
the client library's connection object only; every error text that leaves the
poller goes through :func:`scrub` first.

The least-privileged ACL user replwatch needs (checked against Redis 7.0 and
Valkey 8.1 by ``tests/poll/test_poller_lab.py``)::

    ACL SETUSER replwatch on >secret -@all +info +role +ping +config|get

``INFO`` and ``ROLE`` are all it polls (``PING`` for a manual check); ``CONFIG GET``
is only used to find the log file (``logfile``, ``dir``) and may be left out: the
answer is then recorded as refused and nothing else changes. No key pattern
(``~*``) is needed, since no key is ever read. The client is built so that it
sends nothing else: no ``CLIENT SETINFO``, no ``SELECT``, no ``HELLO``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The environment variable redis-cli reads a password from.
PASSWORD_ENV = "REDISCLI_AUTH"

#: redis-cli's prompt for ``--askpass``.
ASKPASS_PROMPT = "Please input password: "

#: redis-cli's warning when the password is on the command line.
ARGV_PASSWORD_WARNING = (
    "Warning: Using a password with '-a' or '-u' option on the command line interface "
    "may not be safe."
)

#: The minimal ACL rules for a replwatch monitoring user (see the module docstring).
ACL_RULES = ("on", "-@all", "+info", "+role", "+ping", "+config|get")


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who to authenticate as. ``source`` says where the password came from:
    ``prompt``, ``argument``, ``url`` (a ``--nodes`` URL), ``environment`` or ``None``
    (no password)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    source: str | None = None

    def __repr__(self) -> str:
        hidden = "None" if self.password is None else "'***'"
        return f"Credentials(username={self.username!r}, password={hidden}, source={self.source!r})"

    __str__ = __repr__

    @property
    def has_password(self) -> bool:
        return self.password is not None

    def without_password(self) -> Credentials:
        return Credentials(username=self.username)


def resolve_credentials(
    *,
    password: str | None = None,
    username: str | None = None,
    askpass: bool = False,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
    url_password: str | None = None,
) -> Credentials:
    """Pick the password as redis-cli does: ``--askpass`` > ``-a`` > URL > ``REDISCLI_AUTH``.

    ``prompt`` asks for the password on the terminal without echo (the CLI passes
    ``getpass.getpass``); it is required when ``askpass`` is set.
    """
    if askpass:
        if prompt is None:
            raise ValueError("--askpass needs a terminal prompt")
        return Credentials(username=username, password=prompt(ASKPASS_PROMPT), source="prompt")
    if password is not None:
        return Credentials(username=username, password=password, source="argument")
    if url_password is not None:
        return Credentials(username=username, password=url_password, source="url")
    env_password = (environ or {}).get(PASSWORD_ENV)
    if env_password:
        return Credentials(username=username, password=env_password, source="environment")
    return Credentials(username=username)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """redis-cli's TLS options: ``--tls --cacert --cacertdir --cert --key --insecure``."""

    enabled: bool = False
    cacert: str | None = None
    cacertdir: str | None = None
    cert: str | None = None
    key: str | None = None
    insecure: bool = False

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a redis-py client (plain values; no import here)."""
        if not self.enabled:
            return {}
        return {
            "ssl": True,
            "ssl_ca_certs": self.cacert,
            "ssl_ca_path": self.cacertdir,
            "ssl_certfile": self.cert,
            "ssl_keyfile": self.key,
            "ssl_cert_reqs": "none" if self.insecure else "required",
            "ssl_check_hostname": not self.insecure,
        }
