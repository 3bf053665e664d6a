"""What ``export`` remembers between scrapes: the latest snapshot and a few counters.

The poll thread and the log thread write here, the HTTP threads read; one lock
guards it all and every read hands out copies, so a scrape never sees half a
round. Memory is bounded by design: the snapshot is replaced, not accumulated,
and every counter is keyed by labels drawn from bounded sets (nodes and links
watched x the kinds the grammars know), never by anything a line of log text
could make up.

Where the counters come from (documented in the README):

* ``syncs``: the replica's own log -- ``sync_finished`` is a full sync done,
  ``psync_succeeded`` a partial one, ``sync_failed`` a full sync that failed.
  Without the replica's log there is nothing to count (the poller cannot tell
  a full sync from a partial one between two rounds).
* ``flaps``: a link lost, counted once. When the replica's log is followed, its
  ``master_link_lost`` / ``master_timeout`` lines count (they see flaps shorter
  than a poll interval), plus the poller's ``link_down`` while the replica itself
  does not answer (a dead replica writes no such line); otherwise the poller's
  ``link_down`` transitions alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import Event
from replwatch.topology.snapshot import Snapshot

#: Log kinds that mean "this replica's link to its master went down".
LOG_FLAP_KINDS = frozenset({kinds.MASTER_LINK_LOST, kinds.MASTER_TIMEOUT})

#: Replica-side log kind -> (sync type, outcome).
LOG_SYNC_KINDS: dict[str, tuple[str, str]] = {
    kinds.SYNC_FINISHED: ("full", "ok"),
    kinds.PSYNC_SUCCEEDED: ("partial", "ok"),
    kinds.SYNC_FAILED: ("full", "failed"),
}

#: Replica-side kinds that begin a sync attempt: the next sync outcome counts once.
#: (One partial resync writes two ``psync_succeeded`` lines on Redis 7: "Master
#: accepted a Partial Resynchronization" and "Successful partial resynchronization".)
SYNC_ATTEMPT_KINDS = kinds.REPLICA_SIDE_SYNCING | {kinds.SYNC_STARTED, kinds.MASTER_CONNECTING}

#: The master a link counted from a replica's log gets when none was ever polled.
UNKNOWN_MASTER = "unknown"


@dataclass(frozen=True, slots=True)
class ExportView:
    """A consistent copy of everything a scrape renders."""

    snapshot: Snapshot | None
    poll_duration: float | None
    rounds: int
    flaps: dict[tuple[str, str], int] = field(default_factory=dict)
    syncs: dict[tuple[str, str, str], int] = field(default_factory=dict)
    log_events: dict[tuple[str, str], int] = field(default_factory=dict)
    scrape_errors: int = 0


class ExportState:
    """Thread-safe holder of the latest round and the counters (see module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._poll_duration: float | None = None
        self._rounds = 0
        self._flaps: dict[tuple[str, str], int] = {}
        self._syncs: dict[tuple[str, str, str], int] = {}
        self._log_events: dict[tuple[str, str], int] = {}
        self._scrape_errors = 0
        #: nodes whose log is followed: their flaps come from the log.
        self._logged_nodes: set[str] = set()
        #: nodes whose last sync attempt already has its outcome counted.
        self._sync_counted: set[str] = set()
        #: replica -> master, as last polled (names the link of a log flap).
        self._masters: dict[str, str] = {}

    # -- writers ---------------------------------------------------------------------
    def record_round(self, snapshot: Snapshot, duration: float, events: Iterable[Event]) -> None:
        """One poll round: keep its snapshot, count the poller's link_down events."""
        with self._lock:
            self._snapshot = snapshot
            self._poll_duration = duration
            self._rounds += 1
            for node in snapshot.nodes:
                if node.master_address is not None:
                    self._masters[node.address] = node.master_address
            for link in snapshot.links:
                self._masters.setdefault(link.replica, link.master)
            for event in events:
                if event.kind != kinds.LINK_DOWN:
                    continue
                replica, master = event.source, str(event.fields.get("peer") or UNKNOWN_MASTER)
                polled = snapshot.node(replica)
                replica_answers = polled is not None and polled.ok
                if replica in self._logged_nodes and replica_answers:
                    continue  # its own log says so, sooner and more often
                key = (master, replica)
                self._flaps[key] = self._flaps.get(key, 0) + 1

    def follow_log_of(self, node: str) -> None:
        """From now on ``node``'s link losses are counted from its log."""
        with self._lock:
            self._logged_nodes.add(node)

    def record_log_events(self, node: str, events: Iterable[Event]) -> None:
        """Count a batch of ``node``'s parsed log lines by kind; syncs and flaps too."""
        with self._lock:
            for event in events:
                key = (node, event.kind)
                self._log_events[key] = self._log_events.get(key, 0) + 1
                if event.kind in SYNC_ATTEMPT_KINDS:
                    self._sync_counted.discard(node)
                sync = LOG_SYNC_KINDS.get(event.kind)
                if sync is not None and node not in self._sync_counted:
                    self._sync_counted.add(node)
                    skey = (node, *sync)
                    self._syncs[skey] = self._syncs.get(skey, 0) + 1
                if event.kind in LOG_FLAP_KINDS:
                    fkey = (self._masters.get(node, UNKNOWN_MASTER), node)
                    self._flaps[fkey] = self._flaps.get(fkey, 0) + 1

    def scrape_failed(self) -> None:
        with self._lock:
            self._scrape_errors += 1

    # -- reader ----------------------------------------------------------------------
    def view(self) -> ExportView:
        with self._lock:
            return ExportView(
                snapshot=self._snapshot,
                poll_duration=self._poll_duration,
                rounds=self._rounds,
                flaps=dict(self._flaps),
                syncs=dict(self._syncs),
                log_events=dict(self._log_events),
                scrape_errors=self._scrape_errors,
            )
