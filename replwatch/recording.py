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

import io
import json
import math
import os
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, overload

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
        nodes = data.get("nodes") or ()
        try:
            seconds = float(interval) if interval is not None else None
        except (TypeError, ValueError):
            raise RecordingError(f"the header's interval {interval!r} is not a number") from None
        if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
            raise RecordingError(f"the header's interval {interval!r} is not a poll interval")
        if not isinstance(nodes, list | tuple):
            raise RecordingError("the header's nodes are not a list")
        return cls(
            started=str(data.get("started", "")),
            interval=seconds,
            nodes=tuple(str(node) for node in nodes),
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


class RecordReader:
    """Records from the lines after the header, each checked; bad ones are counted.

    A recording is written live, so its last line may be cut short by a kill, and a
    file edited by hand may hold anything: a line that is not a record replay can
    show (torn JSON, a foreign object, an event or snapshot that does not decode, a
    time that is not a finite number of seconds) is skipped and counted in
    :attr:`skipped`, so the dashboard never meets it.
    """

    def __init__(self) -> None:
        self.skipped = 0

    def records(self, lines: Iterable[str]) -> Iterator[Record]:
        for text in lines:
            if not text.strip():
                continue
            record = _checked(text)
            if record is None:
                self.skipped += 1
            else:
                yield record


def parse_records(lines: Iterable[str]) -> Iterator[Record]:
    """The good records of ``lines`` (see :class:`RecordReader`)."""
    return RecordReader().records(lines)


def _checked(text: str) -> Record | None:
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    data = obj.get(kind) if isinstance(kind, str) else None
    if kind not in ("snapshot", "event") or not isinstance(data, dict):
        return None
    try:
        t = float(obj.get("t", 0.0))
        if not math.isfinite(t) or t < 0:
            return None
        if kind == "event":
            Event.from_dict(data)
        else:
            from replwatch.topology.snapshot import Snapshot

            Snapshot.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return None
    return Record(t=t, kind=kind, data=data)


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


class RecordIndex(Sequence[Record]):
    """A recording's good records, read from the file when asked for.

    Replay jumps back and forth, but holding every record decoded took 680 MB for a
    177 MB file: this keeps where each good record starts (8 bytes a record) and
    decodes on access, the last few kept (replay reads each one about twice).
    """

    def __init__(self, path: str | Path, offsets: array[int]) -> None:
        self._path = Path(path)
        self._offsets = offsets
        self._lock = threading.Lock()
        self._cache: dict[int, Record] = {}

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("record index out of range")
        found = self._cache.get(index)
        if found is not None:
            return found
        with self._lock, open(self._path, "rb") as stream:
            stream.seek(self._offsets[index])
            text = stream.readline().decode("utf-8", "replace")
        record = _checked(text)
        if record is None:  # the file changed under us since it was indexed
            raise RecordingError(f"{self._path} changed while it was replayed")
        if len(self._cache) >= 64:
            self._cache.clear()
        self._cache[index] = record
        return record


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording: its header and its records in file order (a :class:`RecordIndex`
    for a file, so memory does not grow with its size)."""

    header: RecordingHeader
    records: Sequence[Record]
    skipped: int = 0  # lines that were not records replay can show

    @property
    def duration(self) -> float:
        return self.records[-1].t if self.records else 0.0


def load_recording(path: str | Path) -> Recording:
    """Check a recording file and index its good records (replay jumps back and
    forth in it; each record is read again when shown, nothing is held).

    Raises:
        RecordingError: the file is not a recording of a version we read.
        OSError: the file cannot be read.
    """
    offsets: array[int] = array("q")
    skipped = 0
    with open(path, "rb") as raw:
        first = raw.readline()
        header = read_header(io.StringIO(first.decode("utf-8", "replace")))
        position = len(first)
        for line in raw:
            text = line.decode("utf-8", "replace")
            if text.strip():
                if _checked(text) is None:
                    skipped += 1
                else:
                    offsets.append(position)
            position += len(line)
    return Recording(header=header, records=RecordIndex(path, offsets), skipped=skipped)
