"""Node addresses: parsing ``--ports``/``--nodes``/``--host`` and one spelling for each.

A master reports a replica as ``ip=<address of the connection>,port=<announced
port>``, a replica reports its master as ``master_host`` (whatever was configured,
maybe ``localhost``), and the user types yet another spelling on the command line.
To join them, every address is reduced to one canonical ``host:port`` string:
``localhost`` becomes ``127.0.0.1``, IPv6 is compressed and bracketed
(``[::1]:6379``). No DNS lookups: this module is pure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

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
    return Address(host, _port(port_text, what="--nodes") if colon else default_port)


def parse_nodes(text: str) -> list[Address]:
    """A comma-separated ``--nodes`` list."""
    return [parse_node(part) for part in text.split(",") if part.strip()]


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
