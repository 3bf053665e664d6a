"""The live join of log events and poll rounds: what the dashboard knows, minus drawing.

Pure and synchronous (no Textual, no I/O): the dashboard feeds it snapshots and
events as they arrive, live or from a recording, and asks it what the logs say
about each link: how often it was lost (each loss once, whichever end logged it)
and why a link that is not up is not up, in words. Replay rebuilds it from the
start of a recording to jump back in time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import Event, seconds_between
from replwatch.follow.sources import guess_node
from replwatch.poll.addresses import address_key
from replwatch.topology.snapshot import NodeState, Snapshot

#: Log kinds saying an established link was lost, seen from the replica's log (not
#: kinds.REPLICA_SIDE_LOST, which also counts failed attempts: a flap is a loss of a
#: link that worked). The master's side and the restorations are kinds' own groups.
ESTABLISHED_LINK_LOST = frozenset({kinds.MASTER_LINK_LOST, kinds.MASTER_TIMEOUT})


@dataclass(slots=True)
class _LossEpisode:
    """One loss of a replica's link, from its first report until the link works again.

    Both ends usually log the same loss (the replica ``Connection with master
    lost``, the master ``Connection with replica ... lost``), but often only one
    does: a replica stopped cleanly says nothing about its link, a master killed
    says nothing at all. So a report counts as a new loss unless it belongs to
    the last one: that is not restored yet (a timeout is logged as a timeout and
    then as a lost connection), or the other end reported it and it was restored
    only after this report was written (the two logs are read independently).
    """

    sides: set[str] = field(default_factory=set)
    restored: str | None = None


class FlapCounter:
    """Replica -> link losses, each counted once whichever logs report it, and the
    span of log time they were counted over (so ``⚡3`` can say "in 2 h")."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: dict[str, str] = {}
        self.last: dict[str, str] = {}
        self._last: dict[str, _LossEpisode] = {}

    def lost(self, replica: str, side: str, ts: str | None) -> None:
        last = self._last.get(replica)
        if last is not None and (
            last.restored is None or (side not in last.sides and _no_later(ts, last.restored))
        ):
            last.sides.add(side)
            return
        self._last[replica] = _LossEpisode(sides={side})
        self.counts[replica] += 1
        if ts is not None:
            self.first.setdefault(replica, ts)
            self.last[replica] = ts

    def restored(self, replica: str, ts: str | None) -> None:
        last = self._last.get(replica)
        if last is not None and last.restored is None:
            last.restored = ts

    def span(self, replica: str) -> float | None:
        """Seconds of log time between the first and the last counted loss."""
        return seconds_between(self.first.get(replica), self.last.get(replica))


def _no_later(ts: str | None, restored: str | None) -> bool:
    """Whether a loss logged at ``ts`` can still belong to an episode restored at ``restored``."""
    if restored is None:
        return True
    gap = seconds_between(ts, restored)
    return gap is not None and gap >= 0


def canonical_peer(peer: str) -> str:
    """A peer address from a log line in the poller's ``host:port`` spelling."""
    host, sep, port = peer.rpartition(":")
    if not sep or not port.isdigit():
        return peer
    return address_key(host.strip("[]"), int(port))


@dataclass(frozen=True, slots=True)
class LinkChange:
    """The last thing the logs said about a replica's link, in words.

    ``ts`` is when it was logged: the ``since`` of a link the dashboard has just
    started to watch is then the log's, not the dashboard's start.
    """

    ts: str | None
    text: str
    up: bool = False


def _error_words(error: object) -> str:
    text = str(error or "").strip().rstrip(".")
    low = text.lower()
    if "refused" in low:
        return "master refused connection"
    if "timeout" in low or "timed out" in low:
        return "connecting to master timed out"
    if "no route" in low or "unreachable" in low:
        return "master unreachable"
    return f"link error: {text}" if text else "link error"


def _auth_words(error: object) -> str:
    low = str(error or "").lower()
    if "without any password configured" in low or "no password is set" in low:
        return "auth refused: master has no password (requirepass)"
    if "noperm" in low or "permission" in low:
        return "auth refused: masteruser lacks permissions"
    return "auth refused: masterauth"


def _psync_rejected_words(reason: object) -> str:
    if reason == "replid_mismatch":
        return "full sync: master restarted (replid changed)"
    if reason == "backlog":
        return "full sync: replica fell out of the backlog"
    return "full sync: partial resync refused" + (f" ({reason})" if reason else "")


def link_change_of(event: Event) -> LinkChange | None:
    """What one log event says about its link, or None if nothing worth a row."""
    kind = event.kind
    fields = event.fields
    ts = event.ts
    if kind == kinds.MASTER_LINK_LOST:
        return LinkChange(ts, "connection with master lost")
    if kind == kinds.MASTER_TIMEOUT:
        return LinkChange(ts, "master timed out (no data nor PING)")
    if kind == kinds.REPLICA_LINK_LOST:
        return LinkChange(ts, "master lost the connection")
    if kind == kinds.REPLICA_TIMEOUT:
        return LinkChange(ts, "master dropped it: timeout")
    if kind == kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW:
        return LinkChange(ts, "output buffer limit hit: master dropped it")
    if kind == kinds.MASTER_LINK_ERROR:
        return LinkChange(ts, _error_words(fields.get("error")))
    if kind == kinds.MASTER_AUTH_FAILED:
        return LinkChange(ts, _auth_words(fields.get("error")))
    if kind == kinds.PSYNC_REJECTED:
        return LinkChange(ts, _psync_rejected_words(fields.get("reason")))
    if kind == kinds.PSYNC_IMPOSSIBLE:
        reason = str(fields.get("reason") or "")
        if "cached" in reason:
            return LinkChange(ts, "full sync: replica restarted (no cached master)")
        return LinkChange(ts, "full sync: partial resync impossible")
    if kind == kinds.FULL_RESYNC_REQUESTED:
        return LinkChange(ts, "full sync: requested by the replica")
    if kind in kinds.REPLICA_SIDE_RESTORED or kind in kinds.MASTER_SIDE_RESTORED:
        return LinkChange(ts, "partial resync" if "psync" in kind else "full sync done", up=True)
    return None


#: A full-sync cause stays the cause of the sync that follows; a later
#: ``full_resync_started`` must not overwrite "master restarted" with less.
_CAUSE_KEEPERS = ("full sync:",)


class LiveTimeline:
    """What the screens show, accumulated from polls and log events."""

    def __init__(self, *, node_of_source: dict[str, str] | None = None) -> None:
        self.snapshot: Snapshot | None = None
        self.node_of_source: dict[str, str] = dict(node_of_source or {})
        self._flaps = FlapCounter()
        self._changes: dict[str, LinkChange] = {}
        self._unknown: set[str] = set()  # sources no node could be guessed for
        #: master log -> the replica that last asked it for a sync: the master's
        #: "Partial resynchronization not accepted: ..." line does not name it
        self._asking: dict[str, str] = {}
        #: each node's last answer, for the details of a node that is down now
        self.last_up: dict[str, NodeState] = {}

    def set_sources(self, node_of_source: dict[str, str]) -> None:
        """New log files were found; events from them are credited to their nodes."""
        self.node_of_source = dict(node_of_source)

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.last_up.update({n.address: n for n in snapshot.nodes if n.ok})

    def apply_events(self, events: Iterable[Event]) -> None:
        """Count the link losses the logs report (polls between them may see none),
        keep the last word on each link, and learn which node writes each log."""
        for event in events:
            if event.line is None:  # log events only: polls have their own picture
                continue
            node = self._node_of(event.source)
            peer = event.fields.get("peer")
            replica_side = event.role != "master" and node is not None
            kind = event.kind
            if kind in ESTABLISHED_LINK_LOST and node is not None:
                self._flaps.lost(node, "replica", event.ts)
            elif kind in kinds.MASTER_SIDE_LOST and peer:
                self._flaps.lost(canonical_peer(str(peer)), "master", event.ts)
            elif kind in kinds.REPLICA_SIDE_RESTORED and node is not None:
                self._flaps.restored(node, event.ts)
            elif kind in kinds.MASTER_SIDE_RESTORED and peer:
                self._flaps.restored(canonical_peer(str(peer)), event.ts)
            if kind == kinds.REPLICA_SYNC_REQUEST and peer:
                self._asking[event.source] = canonical_peer(str(peer))
            change = link_change_of(event)
            if change is None:
                continue
            if kind.startswith("replica_") or kind in (
                kinds.PSYNC_ACCEPTED,
                kinds.PSYNC_REJECTED,
                kinds.FULL_RESYNC_REQUESTED,
            ):
                asking = self._asking.get(event.source)
                if peer:
                    replica = canonical_peer(str(peer))
                elif asking is not None:
                    replica = asking
                else:
                    continue
            elif replica_side:
                assert node is not None
                replica = node
            else:
                continue
            self._note(replica, change)

    def _note(self, replica: str, change: LinkChange) -> None:
        last = self._changes.get(replica)
        if (
            last is not None
            and not last.up
            and last.text.startswith(_CAUSE_KEEPERS)
            and not change.up
            and change.text.startswith(_CAUSE_KEEPERS)
        ):
            return  # the first word on why this sync is full is the best one
        self._changes[replica] = change

    def _node_of(self, source: str) -> str | None:
        """The node that writes ``source``; guessed from the file name's port if unsaid."""
        node = self.node_of_source.get(source)
        if node is None and self.snapshot is not None and source not in self._unknown:
            # guess_node reads the file's name, never the disk.
            node = guess_node(source, (n.address for n in self.snapshot.nodes))
            if node is None:
                self._unknown.add(source)
            else:
                self.node_of_source[source] = node
        return node

    def flaps(self) -> dict[str, int]:
        """Replica -> how many times the logs said its link was lost (each loss once,
        whether one end or both logged it)."""
        return dict(sorted(self._flaps.counts.items()))

    def flap_span(self, replica: str) -> float | None:
        """Seconds of log history the replica's flaps were counted over."""
        return self._flaps.span(replica)

    def last_change(self, replica: str) -> LinkChange | None:
        """The last thing the logs said about ``replica``'s link."""
        return self._changes.get(replica)

    def cause(
        self, replica: str, state: str, *, down_for: float | None = None, now: str | None = None
    ) -> str | None:
        """Why a link that is not up is not up, in words ("down 42 s: master refused
        connection"); None when the logs said nothing that explains it.

        ``down_for`` is what the servers say (``master_link_down_since_seconds``);
        without it the age of the logs' last loss of this link at ``now`` is used.
        """
        if state == "up":
            return None
        change = self._changes.get(replica)
        if change is None or change.up:
            return None
        if state == "syncing":
            return change.text if change.text.startswith("full sync") else None
        if change.text.startswith("full sync"):
            return None  # a full sync that did not finish is not why it is down
        if down_for is None:
            down_for = seconds_between(self._flaps.last.get(replica, change.ts), now)
        if down_for is not None and down_for >= 0:
            return f"down {_short_seconds(down_for)}: {change.text}"
        return f"down: {change.text}"


def _short_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"
