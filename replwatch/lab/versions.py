"""What each server version understands: config names, commands, behaviours.

The lab runs every version people still operate (Redis 2.8 to 8, Valkey 7.2+), and an
old server refuses to start on a config line it does not know ("Bad directive"), so the
lab writes only what the version knows: the ``replica-*`` names are ``slave-*`` before
Redis 5.0, and options newer than the server are either left out (our own defaults) or
refused up front with a clear message (options a caller asked for).
"""

from __future__ import annotations

from collections.abc import Mapping

from replwatch.lab.errors import LabError

Version = tuple[int, ...]

#: Config options and the first version that accepts them (Redis numbering; Valkey
#: started at 7.2 and knows all of these).
OPTION_SINCE: dict[str, Version] = {
    "repl-diskless-sync": (2, 8, 18),
    "repl-diskless-sync-delay": (2, 8, 18),
    "protected-mode": (3, 2),
    "repl-diskless-load": (6, 0),
    "repl-diskless-sync-max-replicas": (7, 0),
    "replicaof": (5, 0),
    "masteruser": (6, 0),
    "enable-debug-command": (7, 0),
    "rdb-key-save-delay": (6, 0),
}

#: ``replica-*`` option names (5.0+) and what older servers call them.
_RENAMED_BEFORE_5 = {
    "replicaof": "slaveof",
    "replica-read-only": "slave-read-only",
    "replica-serve-stale-data": "slave-serve-stale-data",
    "replica-priority": "slave-priority",
    "replica-announce-ip": "slave-announce-ip",
    "replica-announce-port": "slave-announce-port",
    "replica-lazy-flush": "slave-lazy-flush",
    "repl-ping-replica-period": "repl-ping-slave-period",
    "min-replicas-to-write": "min-slaves-to-write",
    "min-replicas-max-lag": "min-slaves-max-lag",
}

#: Options the lab writes on its own behalf: dropped, not refused, on older servers.
OPTIONAL_DEFAULTS = frozenset({"repl-diskless-sync-delay", "rdb-key-save-delay"})


def option_name(name: str, version: Version) -> str:
    """The name ``version`` uses for option ``name`` (``replica-*`` -> ``slave-*`` pre-5.0)."""
    if version and version < (5,):
        return _RENAMED_BEFORE_5.get(name, name)
    return name


def adapt_settings(settings: Mapping[str, str], version: Version) -> dict[str, str]:
    """``settings`` as ``version`` spells them; drop our optional defaults it lacks.

    Raises:
        LabError: a caller asked for an option the server is too old to know.
    """
    adapted: dict[str, str] = {}
    for name, value in settings.items():
        since = OPTION_SINCE.get(name)
        if since is not None and version and version < since and name != "replicaof":
            if name in OPTIONAL_DEFAULTS:
                continue
            wanted = ".".join(map(str, since))
            have = ".".join(map(str, version))
            raise LabError(f"config option {name!r} needs server {wanted}+, this one is {have}")
        adapted[option_name(name, version)] = value
    return adapted


def replicaof_command(version: Version) -> str:
    """``REPLICAOF`` (5.0+) or its older name ``SLAVEOF`` (accepted by every version)."""
    return "REPLICAOF" if not version or version >= (5,) else "SLAVEOF"


def replica_client_type(version: Version) -> str:
    """The ``CLIENT KILL TYPE`` word for replicas: ``replica`` from 5.0, ``slave`` before."""
    return "replica" if not version or version >= (5,) else "slave"


def writes_pidfile_in_foreground(version: Version) -> bool:
    """Whether ``daemonize no`` still writes ``pidfile`` (3.2+); older ones only daemonized."""
    return not version or version >= (3, 2)


def has_failover_command(version: Version) -> bool:
    """``FAILOVER`` exists from Redis 6.2 (and in every Valkey)."""
    return not version or version >= (6, 2)


def has_diskless_sync(version: Version) -> bool:
    """``repl-diskless-sync`` exists from Redis 2.8.18."""
    return not version or version >= (2, 8, 18)
