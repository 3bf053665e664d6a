"""Why a background save failed, told from the lines around it, as they stream by.

``Background saving error`` alone says nothing. The lines before it do: the save
was started for a replica's sync (``Starting BGSAVE for SYNC``) or by the ``save``
schedule (``10 changes in 300 seconds. Saving...``); the fork itself failed (``Can't
save in background: fork: Cannot allocate memory``: the kernel refused the copy of
the address space, ``vm.overcommit_memory``); the child could not write
(``Failed opening the temp RDB file ... Permission denied``, ``Write error saving DB
on disk: No space left on device``); or the master killed its own child after the
last replica of a diskless transfer went away (``Diskless rdb transfer, last replica
dropped, killing fork child.``, then ``terminated by signal 10``): no disk problem
at all. :class:`PersistenceScanner` keeps, per file, the last trigger and the last
error, and files each failure under ``(trigger, cause)`` with a count and a few
lines to cite. Bounded by files and causes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replwatch import kinds
from replwatch.events import AnyEvent, seconds_between

#: Lines cited per failure group.
KEEP = 4
#: A trigger or child error older than this (seconds) does not explain a failure.
WINDOW = 120.0
#: A failure line without a reason this soon after another is the same failure.
SAME_FAILURE = 1.0
#: Redis ends its own child with SIGUSR1 (10 on Linux) so it exits without an error.
KILLED_BY_PARENT = 10
#: ``errno`` texts of a refused fork.
FORK_ERRORS = ("Cannot allocate memory", "Resource temporarily unavailable")

Where = tuple[str, int]


@dataclass(slots=True)
class SaveFailure:
    """Failed background saves of one file with one trigger and one cause."""

    source: str
    trigger: str
    """``sync`` (for a replica), ``schedule`` (the ``save`` points), ``aof`` (a
    replica rewriting its AOF after a full resync), ``unknown``."""
    cause: str
    """``fork``, ``disk`` (the child could not write), ``killed`` (by the master
    itself, after the replica left), ``signal`` (another signal), ``unknown``."""
    error: str | None
    first_ts: str | None
    count: int = 0
    evidence: list[Where] = field(default_factory=list)
    fatal: bool = False
    """The server exited over it (a replica that cannot turn its AOF on after a sync)."""

    def add(self, where: list[Where], *, again: bool = False) -> None:
        """Count one more failure (``again``: one more line of the same one)."""
        self.count += 0 if again else 1
        for item in where:
            if len(self.evidence) < KEEP and item not in self.evidence:
                self.evidence.append(item)


@dataclass(slots=True)
class _State:
    trigger: tuple[str, str | None, Where] | None = None
    child_error: tuple[str, str | None, Where] | None = None
    dropped: tuple[str | None, Where] | None = None
    last: tuple[str | None, SaveFailure] | None = None


class PersistenceScanner:
    """Fed every event; :attr:`failures` holds the grouped save failures."""

    KINDS: frozenset[str]  # set below, once the kinds are listed

    def __init__(self) -> None:
        self._state: dict[str, _State] = {}
        self._groups: dict[tuple[str, str, str, str | None], SaveFailure] = {}
        self.overcommit_warnings: dict[str, Where] = {}
        """Source -> its ``WARNING overcommit_memory is set to 0!`` start-up line."""

    def feed(self, event: AnyEvent) -> None:
        kind = event.kind
        if kind not in _KINDS:
            return
        state = self._state.get(event.source)
        if state is None:
            state = self._state[event.source] = _State()
        where = (event.source, event.line or 0)
        if kind == kinds.STARTUP_WARNING:
            if event.fields.get("warning") == "overcommit":
                self.overcommit_warnings.setdefault(event.source, where)
        elif kind == kinds.SAVE_TRIGGERED:
            state.trigger = ("schedule", event.ts, where)
        elif kind == kinds.BGSAVE_FOR_SYNC:
            state.trigger = ("sync", event.ts, where)
        elif kind == kinds.DISKLESS_TRANSFER_ABORTED:
            state.dropped = (event.ts, where)
        elif kind == kinds.RDB_SAVE_FAILED:
            state.child_error = (str(event.fields.get("error") or ""), event.ts, where)
        elif kind in (kinds.BGSAVE_FAILED, kinds.REPLICA_SYNC_FAILED):
            self._failed(event, state, where)
        elif kind == kinds.AOF_REWRITE_FAILED:
            state.trigger = ("aof", event.ts, where)
            self._failed(event, state, where)
        elif kind == kinds.SERVER_FATAL and "AOF" in event.message and state.last is not None:
            state.last[1].fatal = True
            state.last[1].add([where], again=True)
        elif kind in (kinds.BGSAVE_DONE, kinds.RDB_SAVED):
            state.child_error = None

    def _failed(self, event: AnyEvent, state: _State, where: Where) -> None:
        error = str(event.fields.get("error") or "") or None
        signal = event.fields.get("signal")
        if error is None and signal is None and state.last is not None:
            gap = seconds_between(state.last[0], event.ts)
            if gap is None or 0 <= gap <= SAME_FAILURE:
                # "BGSAVE for replication failed", "SYNC failed. BGSAVE child returned an
                # error": the same failure told once more, right after its cause
                state.last[1].add([where], again=True)
                return
        cited = [where]
        trigger = "sync" if event.kind == kinds.REPLICA_SYNC_FAILED else "unknown"
        if state.trigger is not None and _recent(state.trigger[1], event.ts):
            trigger = state.trigger[0]
            if state.trigger[2] != where:
                cited.insert(0, state.trigger[2])
        if error and any(e in error for e in FORK_ERRORS):
            cause = "fork"
        elif signal is not None:
            killed = int(signal) == KILLED_BY_PARENT
            cause = "killed" if killed else "signal"
            error = f"signal {signal}"
            if killed and state.dropped is not None and _recent(state.dropped[0], event.ts):
                cited.insert(0, state.dropped[1])
        elif state.child_error is not None and _recent(state.child_error[1], event.ts):
            cause, error = "disk", state.child_error[0] or error
            cited.insert(0, state.child_error[2])
        else:
            cause = "unknown"
        state.child_error = None
        key = (event.source, trigger, cause, error if cause != "unknown" else None)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = SaveFailure(event.source, trigger, cause, error, event.ts)
        group.add(cited)
        state.last = (event.ts, group)

    @property
    def failures(self) -> list[SaveFailure]:
        return sorted(self._groups.values(), key=lambda g: (g.first_ts or "", g.source))


_KINDS = frozenset(
    {
        kinds.SAVE_TRIGGERED,
        kinds.BGSAVE_FOR_SYNC,
        kinds.DISKLESS_TRANSFER_ABORTED,
        kinds.RDB_SAVE_FAILED,
        kinds.BGSAVE_FAILED,
        kinds.REPLICA_SYNC_FAILED,
        kinds.BGSAVE_DONE,
        kinds.RDB_SAVED,
        kinds.STARTUP_WARNING,
        kinds.AOF_REWRITE_FAILED,
        kinds.SERVER_FATAL,
    }
)


PersistenceScanner.KINDS = _KINDS


def _recent(then: str | None, now: str | None) -> bool:
    gap = seconds_between(then, now)
    return gap is None or 0 <= gap <= WINDOW
