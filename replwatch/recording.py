"""The record/replay file: one session of the dashboard as JSON Lines.

A recording lets the dashboard run, be demonstrated and be tested with no
server: ``replwatch tui --record FILE`` writes every poll snapshot and every log
event it saw, and ``replwatch replay FILE`` plays them back through the same
screens. The format is plain JSON Lines so ``jq`` and ``grep`` work on it:

* line 1, the header: ``{"type": "header", "format": "replwatch-recording",
  "version": 1, "started": "<ISO time>", "interval": 1.0, "nodes": [...]}``
* then one record per line, in the order they arrived:
  ``{"type": "snapshot", "t": 0.51, "snapshot": {...}}`` (``Snapshot.to_dict()``)
  or ``{"type": "event", "t": 0.52, "event": {...}}`` (the event contract's object).

``t`` is seconds since the session started, so replay can keep the pace, speed
it up or jump to a time. This module is pure read/write: it never decodes a
snapshot into the model (the caller does, with ``Snapshot.from_dict``) so it
stays usable by anything that only wants the events.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from replwatch.events import Event

FORMAT = "replwatch-recording"
VERSION = 1

RecordKind = Literal["snapshot", "event"]


class RecordingError(ValueError):
    """The file is not a replwatch recording, or is of a version we cannot read."""


@dataclass(frozen=True, slots=True)
class RecordingHeader:
    """What the session was: when it started, how often it polled, which nodes."""

    started: str
    interval: float | None = None
    nodes: tuple[str, ...] = ()
    version: int = VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "header",
            "format": FORMAT,
            "version": self.version,
            "started": self.started,
            "interval": self.interval,
            "nodes": list(self.nodes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordingHeader:
        if data.get("type") != "header" or data.get("format") != FORMAT:
            raise RecordingError("not a replwatch recording (no header record on line 1)")
        version = data.get("version")
        if version != VERSION:
            raise RecordingError(
                f"recording format version {version!r} is not supported (this replwatch reads "
                f"version {VERSION})"
            )
        interval = data.get("interval")
        return cls(
            started=str(data.get("started", "")),
            interval=float(interval) if interval is not None else None,
            nodes=tuple(str(node) for node in data.get("nodes") or ()),
            version=VERSION,
        )


@dataclass(frozen=True, slots=True)
class Record:
    """One thing the session saw, ``t`` seconds after it started.

    ``data`` is the snapshot's ``to_dict()`` for a snapshot record, or the event's
    contract object for an event record.
    """

    t: float
    kind: RecordKind
    data: Mapping[str, Any] = field(default_factory=dict)

    def event(self) -> Event:
        """The event this record holds (only for ``kind == "event"``)."""
        return Event.from_dict(self.data)

    def to_json(self) -> str:
        key = "snapshot" if self.kind == "snapshot" else "event"
        return json.dumps(
            {"type": self.kind, "t": round(self.t, 3), key: self.data},
            ensure_ascii=False,
            separators=(",", ":"),
        )


class RecordingWriter:
    """Appends records to an open text stream, one line each, flushed as written.

    Flushing every record means a session killed half way still leaves a
    readable recording (at most its last line torn, which the reader skips).
    The poller and the tailer write from different threads, so writes are locked.
    """

    def __init__(self, stream: IO[str], header: RecordingHeader) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._write_line(json.dumps(header.to_dict(), separators=(",", ":")))

    @classmethod
    def create(cls, path: str | Path, header: RecordingHeader) -> RecordingWriter:
        """Open ``path`` for writing (truncating it) and write the header.

        The file is the owner's alone (0600), whatever the umask and whatever mode
        a file already there had: a recording holds every log line and poll of the
        session, which may say more than the world should read.
        """
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            stream = os.fdopen(fd, "w", encoding="utf-8")
        except BaseException:
            os.close(fd)
            raise
        return cls(stream, header)

    def write_snapshot(self, t: float, snapshot: Mapping[str, Any]) -> None:
        self._write_line(Record(t, "snapshot", snapshot).to_json())

    def write_event(self, t: float, event: Event) -> None:
        self._write_line(Record(t, "event", event.to_dict()).to_json())

    def close(self) -> None:
        with self._lock:
            self._stream.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write_line(self, text: str) -> None:
        with self._lock:
            if self._stream.closed:
                return
            self._stream.write(text + "\n")
            self._stream.flush()


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    """Records from the lines after the header; torn or foreign lines are skipped.

    A recording is written live, so its last line may be cut short by a kill;
    such a line is dropped rather than failing the whole replay.
    """
    for text in lines:
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind not in ("snapshot", "event") or not isinstance(obj.get(kind), dict):
            continue
        try:
            t = float(obj.get("t", 0.0))
        except (TypeError, ValueError):
            continue
        yield Record(t=t, kind=kind, data=obj[kind])


def read_header(stream: IO[str]) -> RecordingHeader:
    """Read and check the first line of a recording."""
    first = stream.readline()
    try:
        obj = json.loads(first)
    except json.JSONDecodeError:
        raise RecordingError("not a replwatch recording (line 1 is not JSON)") from None
    if not isinstance(obj, dict):
        raise RecordingError("not a replwatch recording (line 1 is not a header object)")
    return RecordingHeader.from_dict(obj)


@dataclass(frozen=True, slots=True)
class Recording:
    """A whole recording in memory: its header and its records in file order."""

    header: RecordingHeader
    records: tuple[Record, ...]

    @property
    def duration(self) -> float:
        return self.records[-1].t if self.records else 0.0


def load_recording(path: str | Path) -> Recording:
    """Read a recording file whole (replay needs to jump back and forth in it).

    Raises:
        RecordingError: the file is not a recording of a version we read.
        OSError: the file cannot be read.
    """
    with open(path, encoding="utf-8", errors="replace") as stream:
        header = read_header(stream)
        records = tuple(parse_records(stream))
    return Recording(header=header, records=records)
