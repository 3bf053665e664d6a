"""Pure parsing of the ``ROLE`` reply, as a client returns it or as ``redis-cli`` prints it.

ROLE answers with nested lists whose shape depends on the role (a master's
offset and replica triples, a replica's master and link state, a sentinel's
master names), not with INFO's ``key:value`` lines, so it has its own parser,
apart from :mod:`replwatch.poll.info`; the role words and the number rules (``-1``
means "not known") are the same and come from there.

Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from replwatch.poll.info import known, parse_int, role_word


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
        values: dict[str, Any] = {name: data.get(name) for name in cls.__slots__ if name in data}
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
            (_text(item[0]), int(_text(item[1])), parse_int(_text(item[2])))
            for item in (reply[2] if len(reply) > 2 else ())
        )
        return RoleInfo(role="master", offset=parse_int(reply[1]), replicas=replicas)
    if role == "replica":
        return RoleInfo(
            role="replica",
            master_host=_text(reply[1]),
            master_port=parse_int(reply[2]),
            link_state=_text(reply[3]),
            offset=known(parse_int(reply[4])),
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
    values: list[Any] = []
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
        if len(values) < 2 or not values[1].isdigit():
            return values  # a torn paste ("MASTER" alone): parse_role says what is missing
        flat = values[2:]
        triples = [flat[i : i + 3] for i in range(0, len(flat) - len(flat) % 3, 3)]
        return [values[0], int(values[1]), triples]
    if role == "sentinel":
        return [values[0], values[1:]]
    return values
