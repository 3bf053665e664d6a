"""Pure parsing of ``INFO replication`` and ``INFO server`` replies.

Redis 2.8 through 7.4 and Valkey 8.x print the same ``key:value`` lines with small
differences (see ``tests/poll/info_samples/README.md``): replication ids only from
4.0, ``master_sync_total_bytes`` only from 6.2, Valkey's ``,type=replica`` suffix on
``slaveN`` lines, ``master_link_down_since_seconds`` as seconds-since-epoch before the
first connection in versions before 6.2. This module turns all of them into the same
typed records, so the model never looks at a version number.

Roles are spelled the way the event contract spells them: ``master``, ``replica``,
``sentinel`` (INFO and ROLE always say ``slave``; we translate once, here, in
:func:`role_word`). The ``ROLE`` reply, nested lists rather than ``key:value``
lines, is parsed in :mod:`replwatch.poll.role_reply` with the same role words and the
same number rules (:func:`parse_int`, :func:`known`). :func:`auth_error_kind` is
here too: it reads the error a server sends instead of its INFO.

Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: A ``master_link_down_since_seconds`` above this is not a duration but the
#: seconds-since-epoch that Redis < 6.2 prints before the link was ever up.
_NEVER_CONNECTED_SECONDS = 10 * 365 * 24 * 3600

#: The all-zero replication id a server shows when it has no secondary id.
_NULL_REPLID = "0" * 40

#: Server role words (INFO and ROLE) -> contract role words.
_ROLE_WORDS = {"master": "master", "slave": "replica", "replica": "replica", "sentinel": "sentinel"}


def parse_info(text: str) -> dict[str, str]:
    """Split an INFO reply into ``{key: value}``, every section merged.

    CRLF or LF line ends, ``# Section`` headers and blank lines are all accepted;
    a line without ``:`` is ignored (INFO never prints one, a torn reply might).
    """
    fields: dict[str, str] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value
    return fields


def role_word(value: str | None) -> str | None:
    """``slave`` -> ``replica``; ``master``/``sentinel`` kept; unknown words kept as is."""
    if value is None:
        return None
    return _ROLE_WORDS.get(value.lower(), value.lower())


def parse_int(value: Any, *, missing: int | None = None) -> int | None:
    """A reply's number as an int (``"1.5"`` -> 1); ``missing`` when absent or not a number."""
    if value is None or value == "":
        return missing
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return missing


def known(value: int | None) -> int | None:
    """Servers print ``-1`` for "not known yet"; that is ``None`` here."""
    return None if value is None or value < 0 else value


@dataclass(frozen=True, slots=True)
class ReplicaEntry:
    """One ``slaveN:`` line of a master: a replica as the master sees it.

    ``ip`` is the address of the replica's connection, ``port`` the port it
    announced (its listening port), so ``ip:port`` is how to reach it.
    ``offset`` and ``lag`` are 0 while the state is ``wait_bgsave``/``send_bulk``.
    """

    ip: str
    port: int
    state: str
    offset: int | None = None
    lag: int | None = None
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "port": self.port,
            "state": self.state,
            "offset": self.offset,
            "lag": self.lag,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplicaEntry:
        return cls(
            ip=str(data["ip"]),
            port=int(data["port"]),
            state=str(data["state"]),
            offset=data.get("offset"),
            lag=data.get("lag"),
            kind=data.get("kind"),
        )


def parse_replica_line(value: str) -> ReplicaEntry | None:
    """Parse the value of a ``slaveN:`` line, new or old format.

    New (2.8+): ``ip=127.0.0.1,port=10001,state=online,offset=55,lag=1[,type=replica]``.
    Old (2.6): ``127.0.0.1,10001,online``. Returns ``None`` for anything else.
    """
    parts = value.split(",")
    if "=" in value:
        pairs = dict(part.partition("=")[::2] for part in parts)
        port = parse_int(pairs.get("port"))
        if "ip" not in pairs or port is None:
            return None
        return ReplicaEntry(
            ip=pairs["ip"],
            port=port,
            state=pairs.get("state", "unknown"),
            offset=parse_int(pairs.get("offset")),
            lag=parse_int(pairs.get("lag")),
            kind=pairs.get("type"),
        )
    if len(parts) >= 3 and parse_int(parts[1]) is not None:
        return ReplicaEntry(ip=parts[0], port=int(parts[1]), state=parts[2])
    return None


@dataclass(frozen=True, slots=True)
class ReplicationInfo:
    """The typed content of ``INFO replication`` for any role and version.

    Replica-side fields are ``None`` on a master and vice versa; a field the
    version does not print is ``None`` too. Offsets are ints; ``-1`` ("unknown")
    becomes ``None``.

    Attributes:
        role: ``master``, ``replica`` or ``sentinel`` (a sentinel's INFO
            replication is empty, so this comes from ROLE in that case).
        replicas: the node's ``slaveN`` lines (also present on a chained replica,
            and on a master that is mid-failover and already reports ``slave``).
        master_link_down_since_seconds: ``None`` while up, and also when the link
            was never up (Redis < 6.2 prints seconds since the epoch then, 6.2+ -1).
        sync_total_bytes / sync_read_bytes / sync_left_bytes: transfer progress
            while ``master_sync_in_progress``; total and read only from 6.2,
            all ``None`` while the master is still producing the RDB.
        replid2: ``None`` when the server shows the all-zero id.
    """

    role: str | None
    connected_replicas: int = 0
    replicas: tuple[ReplicaEntry, ...] = ()
    master_host: str | None = None
    master_port: int | None = None
    master_link_status: str | None = None
    master_last_io_seconds_ago: int | None = None
    master_sync_in_progress: bool = False
    master_link_down_since_seconds: int | None = None
    sync_total_bytes: int | None = None
    sync_read_bytes: int | None = None
    sync_left_bytes: int | None = None
    sync_last_io_seconds_ago: int | None = None
    replica_repl_offset: int | None = None
    replica_read_repl_offset: int | None = None
    master_repl_offset: int | None = None
    replid: str | None = None
    replid2: str | None = None
    second_repl_offset: int | None = None
    backlog_active: bool = False
    backlog_size: int | None = None
    backlog_first_byte_offset: int | None = None
    backlog_histlen: int | None = None
    failover_state: str | None = None

    @property
    def is_replica(self) -> bool:
        return self.role == "replica"

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["replicas"] = [entry.to_dict() for entry in self.replicas]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplicationInfo:
        values: dict[str, Any] = {name: data.get(name) for name in cls.__slots__ if name in data}
        values["replicas"] = tuple(ReplicaEntry.from_dict(r) for r in data.get("replicas") or ())
        values["connected_replicas"] = int(data.get("connected_replicas") or 0)
        values["master_sync_in_progress"] = bool(data.get("master_sync_in_progress"))
        values["backlog_active"] = bool(data.get("backlog_active"))
        return cls(**values)


def _link_down_since(value: str | None) -> int | None:
    seconds = known(parse_int(value))
    if seconds is None or seconds > _NEVER_CONNECTED_SECONDS:
        return None
    return seconds


def parse_replication(fields: Mapping[str, str] | str) -> ReplicationInfo:
    """Interpret ``INFO replication`` (the text, or :func:`parse_info`'s dict)."""
    if isinstance(fields, str):
        fields = parse_info(fields)
    replicas = []
    for key, value in fields.items():
        if key.startswith("slave") and key[5:].isdigit():
            entry = parse_replica_line(value)
            if entry is not None:
                replicas.append(entry)
    replid2 = fields.get("master_replid2")
    return ReplicationInfo(
        role=role_word(fields.get("role")),
        connected_replicas=parse_int(fields.get("connected_slaves"), missing=0) or 0,
        replicas=tuple(replicas),
        master_host=fields.get("master_host"),
        master_port=parse_int(fields.get("master_port")),
        master_link_status=fields.get("master_link_status"),
        master_last_io_seconds_ago=known(parse_int(fields.get("master_last_io_seconds_ago"))),
        master_sync_in_progress=fields.get("master_sync_in_progress") == "1",
        master_link_down_since_seconds=_link_down_since(
            fields.get("master_link_down_since_seconds")
        ),
        sync_total_bytes=known(parse_int(fields.get("master_sync_total_bytes"))),
        sync_read_bytes=known(parse_int(fields.get("master_sync_read_bytes"))),
        sync_left_bytes=known(parse_int(fields.get("master_sync_left_bytes"))),
        sync_last_io_seconds_ago=known(parse_int(fields.get("master_sync_last_io_seconds_ago"))),
        replica_repl_offset=parse_int(fields.get("slave_repl_offset")),
        replica_read_repl_offset=parse_int(fields.get("slave_read_repl_offset")),
        master_repl_offset=parse_int(fields.get("master_repl_offset")),
        replid=fields.get("master_replid"),
        replid2=None if replid2 in (None, _NULL_REPLID) else replid2,
        second_repl_offset=known(parse_int(fields.get("second_repl_offset"))),
        backlog_active=fields.get("repl_backlog_active") == "1",
        backlog_size=parse_int(fields.get("repl_backlog_size")),
        backlog_first_byte_offset=parse_int(fields.get("repl_backlog_first_byte_offset")),
        backlog_histlen=parse_int(fields.get("repl_backlog_histlen")),
        failover_state=fields.get("master_failover_state"),
    )


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``INFO server`` says about the process: which server, which run.

    ``version`` is the product's own version: Valkey prints ``redis_version:7.2.4``
    for compatibility and its real version in ``valkey_version``.
    """

    server_name: str
    version: str | None
    run_id: str | None
    uptime_seconds: int | None
    process_id: int | None = None
    tcp_port: int | None = None

    @property
    def product(self) -> str:
        """``redis 7.0.15`` / ``valkey 8.1.8``: what a person calls this server."""
        return f"{self.server_name} {self.version or '?'}"

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServerInfo:
        values: dict[str, Any] = {name: data.get(name) for name in cls.__slots__}
        return cls(**values)


def parse_server(fields: Mapping[str, str] | str) -> ServerInfo:
    """Interpret ``INFO server`` (the text, or :func:`parse_info`'s dict)."""
    if isinstance(fields, str):
        fields = parse_info(fields)
    name = fields.get("server_name") or "redis"
    version = fields.get(f"{name}_version") or fields.get("redis_version")
    return ServerInfo(
        server_name=name,
        version=version,
        run_id=fields.get("run_id"),
        uptime_seconds=parse_int(fields.get("uptime_in_seconds")),
        process_id=parse_int(fields.get("process_id")),
        tcp_port=parse_int(fields.get("tcp_port")),
    )


def auth_error_kind(text: str) -> str | None:
    """Classify a server error as an authentication problem.

    Returns ``"noauth"`` (a password is needed and none was given),
    ``"wrongpass"`` (one was given and refused: ``WRONGPASS`` on 6.0+,
    ``ERR invalid password`` before), ``"noperm"`` (the ACL user may not run
    the command) or ``None`` for any other error.
    """
    upper = text.upper()
    if "NOPERM" in upper:
        return "noperm"
    if "WRONGPASS" in upper or "INVALID PASSWORD" in upper or "INVALID USERNAME-PASSWORD" in upper:
        return "wrongpass"
    if "NOAUTH" in upper or "AUTHENTICATION REQUIRED" in upper:
        return "noauth"
    return None
