"""What one Sentinel believes: its ``SENTINEL MASTERS / REPLICAS / SENTINELS`` replies, typed.

A Sentinel given to ``status`` or the dashboard is not a lone node: it names the
master it watches (and where it thinks that master is), the replicas, the other
Sentinels, and whether it sees the master down (``s_down``: this Sentinel alone;
``o_down``: a quorum agrees). Several Sentinels that disagree about where a master
is are the first sign of a failover in progress or of a split brain.

What a Sentinel *announces* on its pub/sub channels (``+switch-master``, ``+sdown``
...) is read here too (:func:`parse_announcement`); the subscription itself is
:mod:`replwatch.poll.sentinel_events`.

Pure: flat ``[key, value, key, value ...]`` lists in (as RESP2 returns them with
``decode_responses``), frozen records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from replwatch import kinds
from replwatch.events import Event, poll_event
from replwatch.poll.addresses import Address, address_key


def flat_table(reply: Sequence[Any]) -> dict[str, str]:
    """``[k1, v1, k2, v2, ...]`` as a dict of text (an odd tail is dropped)."""
    items = [_text(item) for item in reply]
    return dict(zip(items[0::2], items[1::2], strict=False))


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class SentinelPeer:
    """A replica or another Sentinel, as a Sentinel lists it."""

    address: str  # canonical host:port
    flags: tuple[str, ...]  # e.g. ("slave",), ("s_down", "slave", "disconnected")
    master_link_status: str | None = None  # replicas: "ok" / "err"

    @property
    def down(self) -> bool:
        return "s_down" in self.flags or "o_down" in self.flags or "disconnected" in self.flags


@dataclass(frozen=True, slots=True)
class SentinelMaster:
    """One monitored master as one Sentinel sees it."""

    name: str
    address: str  # where this Sentinel believes the master is (canonical host:port)
    flags: tuple[str, ...]  # ("master",), ("s_down", "o_down", "master"), ...
    quorum: int | None
    other_sentinels: int | None
    replicas: tuple[SentinelPeer, ...] = ()
    sentinels: tuple[SentinelPeer, ...] = ()
    failover_state: str | None = None

    @property
    def subjectively_down(self) -> bool:
        return "s_down" in self.flags

    @property
    def objectively_down(self) -> bool:
        return "o_down" in self.flags

    @property
    def status(self) -> str:
        """``ok``, ``sdown``, ``odown`` or ``failover`` (what a column shows)."""
        if self.failover_state and self.failover_state != "none":
            return "failover"
        if self.objectively_down:
            return "odown"
        return "sdown" if self.subjectively_down else "ok"


@dataclass(frozen=True, slots=True)
class SentinelView:
    """Everything one Sentinel said in one round."""

    masters: tuple[SentinelMaster, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentinelView:
        """The inverse of :meth:`to_dict` (recordings)."""

        def peers(items: Iterable[Mapping[str, Any]]) -> tuple[SentinelPeer, ...]:
            return tuple(
                SentinelPeer(
                    str(p["address"]), tuple(p.get("flags") or ()), p.get("master_link_status")
                )
                for p in items
            )

        return cls(
            tuple(
                SentinelMaster(
                    name=str(m["name"]),
                    address=str(m["address"]),
                    flags=tuple(m.get("flags") or ()),
                    quorum=m.get("quorum"),
                    other_sentinels=m.get("other_sentinels"),
                    replicas=peers(m.get("replicas") or ()),
                    sentinels=peers(m.get("sentinels") or ()),
                    failover_state=m.get("failover_state"),
                )
                for m in data.get("masters") or ()
            )
        )

    def master(self, name: str) -> SentinelMaster | None:
        return next((m for m in self.masters if m.name == name), None)

    def targets(self, master_name: str | None = None) -> list[tuple[Address, bool]]:
        """The nodes this Sentinel knows of, as ``(address, is_sentinel)``: each master
        (or only ``master_name``), its replicas, then the other Sentinels."""
        found: list[tuple[Address, bool]] = []
        for master in self.masters:
            if master_name is not None and master.name != master_name:
                continue
            found.append((_address(master.address), False))
            found.extend((_address(replica.address), False) for replica in master.replicas)
            found.extend((_address(peer.address), True) for peer in master.sentinels)
        return found


def _address(key: str) -> Address:
    host, _, port = key.rpartition(":")
    return Address(host.strip("[]"), int(port))


def _peer(table: Mapping[str, str]) -> SentinelPeer | None:
    port = _int(table.get("port"))
    if port is None or not table.get("ip"):
        return None
    return SentinelPeer(
        address=address_key(table["ip"], port),
        flags=tuple(f for f in table.get("flags", "").split(",") if f),
        master_link_status=table.get("master-link-status"),
    )


def parse_master(
    reply: Sequence[Any],
    replicas: Sequence[Sequence[Any]] = (),
    sentinels: Sequence[Sequence[Any]] = (),
) -> SentinelMaster | None:
    """One ``SENTINEL MASTERS`` entry with its ``REPLICAS``/``SENTINELS`` replies."""
    table = flat_table(reply)
    port = _int(table.get("port"))
    if port is None or not table.get("ip") or not table.get("name"):
        return None
    return SentinelMaster(
        name=table["name"],
        address=address_key(table["ip"], port),
        flags=tuple(f for f in table.get("flags", "").split(",") if f),
        quorum=_int(table.get("quorum")),
        other_sentinels=_int(table.get("num-other-sentinels")),
        replicas=_peers(replicas),
        sentinels=_peers(sentinels),
        failover_state=table.get("failover-state"),
    )


def _peers(replies: Iterable[Sequence[Any]]) -> tuple[SentinelPeer, ...]:
    peers = (_peer(flat_table(reply)) for reply in replies if isinstance(reply, list | tuple))
    return tuple(sorted((p for p in peers if p is not None), key=lambda p: p.address))


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Sentinels that place one master at different addresses."""

    name: str
    believed: Mapping[str, tuple[str, ...]]  # master address -> the Sentinels that say so


def disagreements(views: Mapping[str, SentinelView]) -> list[Disagreement]:
    """Masters whose address the answering Sentinels do not agree on.

    During a failover this lasts a moment (the Sentinels learn the new master from
    each other within a second or two); when it lasts, two groups of Sentinels are
    each following a master of their own: a split brain.
    """
    by_name: dict[str, dict[str, list[str]]] = {}
    for sentinel, view in sorted(views.items()):
        for master in view.masters:
            by_name.setdefault(master.name, {}).setdefault(master.address, []).append(sentinel)
    return [
        Disagreement(name, {addr: tuple(who) for addr, who in sorted(places.items())})
        for name, places in sorted(by_name.items())
        if len(places) > 1
    ]


#: The channels a Sentinel announces a master's fate on: the switch to a new master
#: (the end of a failover), and the master seen down by this Sentinel (``sdown``) or by
#: a quorum (``odown``), or no longer.
SWITCH_MASTER = "+switch-master"
MASTER_CHANNELS = (SWITCH_MASTER, "+sdown", "-sdown", "+odown", "-odown")

#: Announcements that are bad news (the others are news of a recovery or a switch done).
_WARNING_CHANNELS = frozenset({"+sdown", "+odown"})


@dataclass(frozen=True, slots=True)
class SentinelAnnouncement:
    """One message a Sentinel published about a master it watches.

    Attributes:
        sentinel: the Sentinel that published it (canonical ``host:port``).
        event: its channel: ``+switch-master``, ``+sdown``, ``-sdown``, ``+odown``, ``-odown``.
        master_name: the monitored master's name.
        peer: the master's address (for ``+switch-master``: the new master).
        old_peer: for ``+switch-master``, the master it replaces.
        text: the message as published (``mymaster 127.0.0.1 6379 127.0.0.1 6380``).
        ts: when it was received (ISO 8601, local time).
    """

    sentinel: str
    event: str
    master_name: str
    peer: str
    old_peer: str | None = None
    text: str = ""
    ts: str = ""

    @property
    def switch(self) -> bool:
        return self.event == SWITCH_MASTER

    def to_event(self) -> Event:
        """As the contract's ``sentinel_event``, the kind the Sentinel's log line has
        (same fields), but a poll event: source the Sentinel's address, no line."""
        fields: dict[str, Any] = {
            "event": self.event,
            "instance": "master",
            "master_name": self.master_name,
            "peer": self.peer,
        }
        if self.old_peer is not None:
            fields["old_peer"] = self.old_peer
        event = poll_event(
            self.sentinel,
            kinds.SENTINEL_EVENT,
            f"{self.event} {self.text}".strip(),
            ts=self.ts,
            role="sentinel",
            **fields,
        )
        return replace(event, level="warning") if self.event in _WARNING_CHANNELS else event


def parse_announcement(
    sentinel: str, channel: Any, data: Any, *, ts: str = ""
) -> SentinelAnnouncement | None:
    """One pub/sub message of :data:`MASTER_CHANNELS`, or ``None`` for anything else.

    ``+switch-master`` reads ``<name> <old ip> <old port> <new ip> <new port>``; the
    others ``<instance type> <name> <ip> <port>`` (``master mymaster 127.0.0.1 6379``,
    ``+odown`` adds ``#quorum 2/2``). The down flags of a replica or of another
    Sentinel (``slave ... @ mymaster ...``) are not the master's, and are ``None``.
    """
    event, text = _text(channel), _text(data).strip()
    words = text.split()
    try:
        if event == SWITCH_MASTER and len(words) >= 5:
            name, old_ip, old_port, new_ip, new_port = words[:5]
            return SentinelAnnouncement(
                sentinel,
                event,
                name,
                address_key(new_ip, int(new_port)),
                address_key(old_ip, int(old_port)),
                text=text,
                ts=ts,
            )
        if event in MASTER_CHANNELS and len(words) >= 4 and words[0] == "master":
            _, name, ip, port = words[:4]
            return SentinelAnnouncement(
                sentinel, event, name, address_key(ip, int(port)), text=text, ts=ts
            )
    except ValueError:  # a port that is no number: not a message of ours
        return None
    return None
