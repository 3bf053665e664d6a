"""Messages the background workers post to the dashboard app.

Workers never touch widgets: they post these, and the app (on its own thread)
updates its state and sets the widgets' reactives.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from replwatch.events import Event
from replwatch.report.model import Finding
from replwatch.topology.snapshot import Snapshot


@dataclass
class SnapshotPolled(Message):
    """A poll round finished. A newer one replaces one still queued: only the
    latest picture matters (its events travel separately and are never dropped)."""

    snapshot: Snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotPolled)


@dataclass
class EventsArrived(Message):
    """Log lines parsed, or poll events from comparing two snapshots."""

    events: list[Event]


@dataclass
class SourcesFound(Message):
    """Log files to tail were found: path -> node address."""

    node_of_source: dict[str, str]


@dataclass
class Note(Message):
    """Something the user should know that is not an event (a missing log file)."""

    text: str
    key: str = ""


@dataclass
class FindingsReady(Message):
    """The diagnosis worker is done: the report's findings on the logs read so far.

    ``epoch`` tells a result of a view since reset (replay jumping back) from a
    current one; ``seconds`` is how long the diagnosis took, to space the next."""

    findings: tuple[Finding, ...]
    epoch: int
    seconds: float
    error: str | None = None
