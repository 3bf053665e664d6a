"""Node addresses: parsing ``--ports``/``--nodes``/``--host`` and one spelling for each.

A master reports a replica as ``ip=<address of the connection>,port=<announced
port>``, a replica reports its master as ``master_host`` (whatever was configured,
maybe ``localhost``), and the user types yet another spelling on the command line.
To join them, every address is reduced to one canonical ``host:port`` string:
``localhost`` becomes ``127.0.0.1``, IPv6 is compressed and bracketed
(``[::1]:6379``). No DNS lookups: this module is pure.

``--nodes`` also takes the URLs of ``redis-cli -u``:
``redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB]``. The user and password go to the
credentials (:class:`NodeUrl`), ``rediss`` means TLS, the database number is
ignored (INFO and ROLE do not depend on it). The secret never reaches an
:class:`Address`, so nothing that prints addresses can print it, and an error
about such a URL shows it with its password masked.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6379
#: Where a Sentinel listens unless told otherwise.
SENTINEL_PORT = 26379

#: Names that always mean this machine's loopback; mapped without DNS.
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

#: Upper bound on one ``--ports`` range, so a typo cannot ask for 60,000 nodes.
MAX_RANGE = 4096


class AddressError(ValueError):
    """A ``--ports``/``--nodes``/``--host`` value that cannot be understood."""


def normalise_host(host: str) -> str:
    """The canonical spelling of a host: loopback names and IPv6 forms unified."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    lowered = host.lower()
    if lowered in _LOOPBACK_NAMES:
        return "127.0.0.1" if lowered in {"localhost", "localhost.localdomain"} else "::1"
    try:
        ip = ipaddress.ip_address(lowered)
    except ValueError:
        return lowered
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


@dataclass(frozen=True, slots=True, order=True)
class Address:
    """A server's host and port; ``str()`` gives the canonical ``host:port``."""

    host: str
    port: int

    def __str__(self) -> str:
        return format_address(self.host, self.port)

    @property
    def key(self) -> str:
        """The canonical ``host:port`` used to match the same node seen two ways."""
        return format_address(normalise_host(self.host), self.port)


def format_address(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 host."""
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def address_key(host: str, port: int) -> str:
    """Canonical ``host:port`` for a host and port as any server reported them."""
    return format_address(normalise_host(host), port)


def _port(text: str, *, what: str) -> int:
    try:
        port = int(text.strip())
    except ValueError:
        raise AddressError(f"{what}: {text.strip()!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise AddressError(f"{what}: port {port} is outside 1-65535")
    return port


def parse_ports(text: str) -> list[int]:
    """``10000-10002`` -> ``[10000, 10001, 10002]``; commas join ranges and single ports."""
    ports: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not dash:
            ports.append(_port(first, what="--ports"))
            continue
        low, high = _port(first, what="--ports"), _port(last, what="--ports")
        if high < low:
            raise AddressError(f"--ports: range {part!r} runs backwards")
        if high - low >= MAX_RANGE:
            raise AddressError(f"--ports: range {part!r} is longer than {MAX_RANGE} ports")
        ports.extend(range(low, high + 1))
    if not ports:
        raise AddressError("--ports: no port given")
    return ports


def parse_node(text: str, *, default_port: int = DEFAULT_PORT) -> Address:
    """``host:port``, ``[v6]:port``, bare ``host`` (default port) or bare ``::1``."""
    text = text.strip()
    if not text:
        raise AddressError("--nodes: empty address")
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise AddressError(f"--nodes: {text!r} is not [ipv6]:port")
        port = _port(rest[1:], what="--nodes") if rest else default_port
        return Address(host, port)
    if text.count(":") > 1:  # a bare IPv6 address, no port
        return Address(text, default_port)
    host, colon, port_text = text.partition(":")
    if not host:
        raise AddressError(f"--nodes: {text!r} has no host")
    if any(ch.isspace() or not ch.isprintable() for ch in host):
        raise AddressError(
            f"--nodes: {text!r} is not a host name (it holds a space or a control character)"
        )
    return Address(host, _port(port_text, what="--nodes") if colon else default_port)


def parse_nodes(text: str) -> list[Address]:
    """A comma-separated ``--nodes`` list (URLs give their address only)."""
    return [url.address for url in parse_node_list(text)]


_URL_SCHEMES = ("redis://", "rediss://")


@dataclass(frozen=True, slots=True)
class NodeUrl:
    """One ``--nodes`` item: its address and, for a URL, what the URL said.

    ``password`` is kept out of repr; ``tls`` is True for ``rediss://``.
    """

    address: Address
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False


def parse_node_list(text: str) -> list[NodeUrl]:
    """A comma-separated ``--nodes`` list of ``host:port`` items and URLs."""
    return [parse_node_item(part) for part in text.split(",") if part.strip()]


def parse_node_item(text: str) -> NodeUrl:
    """``host:port`` (see :func:`parse_node`) or a ``redis://`` / ``rediss://`` URL."""
    text = text.strip()
    lowered = text.lower()
    if not lowered.startswith(_URL_SCHEMES):
        if "://" in text:
            scheme = text.split("://", 1)[0]
            raise AddressError(f"--nodes: {scheme}:// is not redis:// or rediss://")
        return NodeUrl(parse_node(text))
    return _parse_url(text)


def mask_url(text: str) -> str:
    """``text`` with the password of a URL in it replaced by ``***``."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        return text
    user, colon, _secret = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{hostpart}"


def _parse_url(text: str) -> NodeUrl:
    scheme, _, rest = text.partition("://")
    tls = scheme.lower() == "rediss"
    masked = mask_url(text)
    # The user info runs to the last "@" (a password may hold "/", "?" or "#" as
    # typed); the host ends at the first "/", "?" or "#" after it; the rest (db,
    # options) is ignored.
    userinfo, at, after = rest.rpartition("@")
    hostport = re.split(r"[/?#]", after, maxsplit=1)[0]
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        # As redis-cli: "user:secret@", ":secret@", or "secret@" (a password alone).
        username = (unquote(user) or None) if colon else None
        password = unquote(secret) if colon else (unquote(user) or None)
    if not hostport:
        address = Address(DEFAULT_HOST, DEFAULT_PORT)
    else:
        try:
            address = parse_node(hostport)
        except AddressError as exc:
            reason = str(exc).removeprefix("--nodes: ")
            raise AddressError(f"--nodes: {masked!r}: {reason}") from None
    return NodeUrl(address, username=username, password=password, tls=tls)


def resolve_targets(
    *, host: str = DEFAULT_HOST, ports: Iterable[int] = (), nodes: Iterable[Address] = ()
) -> list[Address]:
    """Every node to poll, ``--ports`` (on ``--host``) first, duplicates dropped.

    With neither ports nor nodes, the one default node ``host:6379``, as redis-cli.
    """
    targets = [Address(host, port) for port in ports] + list(nodes)
    if not targets:
        targets = [Address(host, DEFAULT_PORT)]
    seen: set[str] = set()
    unique = []
    for target in targets:
        if target.key not in seen:
            seen.add(target.key)
            unique.append(target)
    return unique
