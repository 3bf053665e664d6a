"""Loopback port helpers: find free ports for tests, refuse busy ones before starting."""

from __future__ import annotations

import random
import socket

HOST = "127.0.0.1"


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports that were free on 127.0.0.1 a moment ago.

    All sockets stay open until every port is chosen, so the n ports are distinct.
    The kernel hands out ephemeral ports, which tests share with nothing else here.
    """
    sockets: list[socket.socket] = []
    try:
        for _ in range(n):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_in_use(port: int) -> bool:
    """True when something listens on 127.0.0.1:port (or the port cannot be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


#: A Cluster node also listens on its port + 10000 (the cluster bus), so its own port
#: must stay below 55536; the range avoids the kernel's ephemeral ports (32768+) too.
CLUSTER_BUS_OFFSET = 10000
_CLUSTER_RANGE = (20000, 32000)


def free_cluster_ports(n: int) -> list[int]:
    """``n`` ports free on 127.0.0.1 whose cluster bus ports (+10000) are free too.

    Picked at random in a range of their own so that concurrent test runs rarely try
    the same ones; each candidate and its bus port are checked by binding.
    """
    rng = random.Random()
    chosen: list[int] = []
    for _ in range(2000):
        port = rng.randrange(*_CLUSTER_RANGE)
        if port in chosen or port + CLUSTER_BUS_OFFSET in chosen:
            continue
        if port_in_use(port) or port_in_use(port + CLUSTER_BUS_OFFSET):
            continue
        chosen.append(port)
        if len(chosen) == n:
            return sorted(chosen)
    raise OSError(f"could not find {n} free cluster ports on {HOST}")
