"""Pure parsing of ``INFO replication``, ``INFO server`` and ``ROLE`` replies.

Redis 2.8 through 7.4 and Valkey 8.x print the same ``key:value`` lines with small
differences (see ``shared/redis-info-samples/README.md``): replication ids only from
4.0, ``master_sync_total_bytes`` only from 6.2, Valkey's ``,type=replica`` suffix on
``slaveN`` lines, ``master_link_down_since_seconds`` as seconds-since-epoch before the
first connection in versions before 6.2. This module turns all of them into the same
typed records, so the model never looks at a version number.

Roles are spelled the way the event contract spells them: ``master``, ``replica``,
``sentinel`` (INFO and ROLE always say ``slave``; we translate once, here).

Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def _int(value: Any, *, missing: int | None = None) -> int | None:
    if value is None or value == "":
        return missing
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return missing


def _known(value: int | None) -> int | None:
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
        port = _int(pairs.get("port"))
        if "ip" not in pairs or port is None:
            return None
        return ReplicaEntry(
            ip=pairs["ip"],
            port=port,
            state=pairs.get("state", "unknown"),
            offset=_int(pairs.get("offset")),
            lag=_int(pairs.get("lag")),
            kind=pairs.get("type"),
        )
    if len(parts) >= 3 and _int(parts[1]) is not None:
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
        values = {name: data.get(name) for name in cls.__slots__ if name in data}
        values["replicas"] = tuple(ReplicaEntry.from_dict(r) for r in data.get("replicas") or ())
        values["connected_replicas"] = int(data.get("connected_replicas") or 0)
        values["master_sync_in_progress"] = bool(data.get("master_sync_in_progress"))
        values["backlog_active"] = bool(data.get("backlog_active"))
        return cls(**values)


def _link_down_since(value: str | None) -> int | None:
    seconds = _known(_int(value))
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
        connected_replicas=_int(fields.get("connected_slaves"), missing=0) or 0,
        replicas=tuple(replicas),
        master_host=fields.get("master_host"),
        master_port=_int(fields.get("master_port")),
        master_link_status=fields.get("master_link_status"),
        master_last_io_seconds_ago=_known(_int(fields.get("master_last_io_seconds_ago"))),
        master_sync_in_progress=fields.get("master_sync_in_progress") == "1",
        master_link_down_since_seconds=_link_down_since(
            fields.get("master_link_down_since_seconds")
        ),
        sync_total_bytes=_known(_int(fields.get("master_sync_total_bytes"))),
        sync_read_bytes=_known(_int(fields.get("master_sync_read_bytes"))),
        sync_left_bytes=_known(_int(fields.get("master_sync_left_bytes"))),
        sync_last_io_seconds_ago=_known(_int(fields.get("master_sync_last_io_seconds_ago"))),
        replica_repl_offset=_int(fields.get("slave_repl_offset")),
        replica_read_repl_offset=_int(fields.get("slave_read_repl_offset")),
        master_repl_offset=_int(fields.get("master_repl_offset")),
        replid=fields.get("master_replid"),
        replid2=None if replid2 in (None, _NULL_REPLID) else replid2,
        second_repl_offset=_known(_int(fields.get("second_repl_offset"))),
        backlog_active=fields.get("repl_backlog_active") == "1",
        backlog_size=_int(fields.get("repl_backlog_size")),
        backlog_first_byte_offset=_int(fields.get("repl_backlog_first_byte_offset")),
        backlog_histlen=_int(fields.get("repl_backlog_histlen")),
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
        return cls(**{name: data.get(name) for name in cls.__slots__})


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
        uptime_seconds=_int(fields.get("uptime_in_seconds")),
        process_id=_int(fields.get("process_id")),
        tcp_port=_int(fields.get("tcp_port")),
    )


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """The typed ``ROLE`` reply.

    Attributes:
        role: ``master``, ``replica`` or ``sentinel``.
        offset: a master's replication offset, or a replica's processed offset
            (``None`` unless the replica's link state is ``connected``).
        replicas: a master's replicas as ``(ip, port, offset)``.
        master_host / master_port / link_state: a replica's master and link
            state (``connect``, ``connecting``, ``handshake``, ``sync``, ``connected``).
        master_names: the masters a sentinel monitors.
    """

    role: str
    offset: int | None = None
    replicas: tuple[tuple[str, int, int | None], ...] = ()
    master_host: str | None = None
    master_port: int | None = None
    link_state: str | None = None
    master_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["replicas"] = [list(r) for r in self.replicas]
        data["master_names"] = list(self.master_names)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleInfo:
        values = {name: data.get(name) for name in cls.__slots__ if name in data}
        values["replicas"] = tuple(
            (str(ip), int(port), offset) for ip, port, offset in data.get("replicas") or ()
        )
        values["master_names"] = tuple(data.get("master_names") or ())
        return cls(**values)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def parse_role(reply: Sequence[Any]) -> RoleInfo:
    """Interpret a ``ROLE`` reply as a client library returns it (nested lists).

    Raises:
        ValueError: the reply is not a ROLE reply (empty, or an unknown first word).
    """
    try:
        return _parse_role(reply)
    except (IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"not a ROLE reply: {exc}") from None


def _parse_role(reply: Sequence[Any]) -> RoleInfo:
    if not reply:
        raise ValueError("empty ROLE reply")
    role = role_word(_text(reply[0]))
    if role == "master":
        replicas = tuple(
            (_text(item[0]), int(_text(item[1])), _int(_text(item[2])))
            for item in (reply[2] if len(reply) > 2 else ())
        )
        return RoleInfo(role="master", offset=_int(reply[1]), replicas=replicas)
    if role == "replica":
        return RoleInfo(
            role="replica",
            master_host=_text(reply[1]),
            master_port=_int(reply[2]),
            link_state=_text(reply[3]),
            offset=_known(_int(reply[4])),
        )
    if role == "sentinel":
        names = reply[1] if len(reply) > 1 else ()
        return RoleInfo(role="sentinel", master_names=tuple(_text(n) for n in names))
    raise ValueError(f"unknown ROLE reply {_text(reply[0])!r}")


def role_reply_from_cli(text: str) -> list[Any]:
    """Rebuild the nested ROLE reply from ``redis-cli`` output, plain or ``--no-raw``.

    Plain output flattens the nesting (one value a line); ``--no-raw`` numbers and
    quotes it. Both are reduced to the flat value list and re-nested by role,
    which is enough for the fixed shapes ROLE returns. Used for captured samples
    and for people pasting redis-cli output into bug reports.
    """
    values: list[str] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        # --no-raw: '3) 1) 1) "127.0.0.1"' or '2) (integer) 55'
        while line[:1].isdigit() and ") " in line:
            head, _, rest = line.partition(") ")
            if not head.isdigit():
                break
            line = rest.strip()
        if line.startswith("(integer) "):
            line = line[len("(integer) ") :]
        elif len(line) >= 2 and line[0] == line[-1] == '"':
            line = line[1:-1]
        elif line == "(empty array)" or line == "(empty list or set)":
            continue
        values.append(line)
    if not values:
        return []
    role = role_word(values[0])
    if role == "master":
        rest = values[2:]
        triples = [rest[i : i + 3] for i in range(0, len(rest) - len(rest) % 3, 3)]
        return [values[0], int(values[1]), triples]
    if role == "sentinel":
        return [values[0], values[1:]]
    return values


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
