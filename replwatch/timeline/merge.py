"""The one order in which replwatch shows events from several logs.

Every view that puts more than one log on one screen (``parse`` of several files,
``report``, the dashboard's feed, ``tail``'s backlog) orders events by the same key,
defined here once:

    (true time, source, position in its source)

* **True time.** A timestamp that carries a UTC offset (Valkey's ISO format, container
  and journald envelopes) is compared in UTC, so a ``+09:00`` log and a ``Z`` log
  interleave as they happened. A timestamp without an offset is taken as written: the
  logs of one incident are local time of the hosts that wrote them, and nothing in the
  line says otherwise.
* **Lines without a time** (torn lines, stack frames, ``malformed``) keep their place in
  their own file: they sort with the last time their source showed.
* **Ties** go by source name, then file order, so the result does not depend on the
  order the files were given in.

Pure and streaming: :func:`merge_timed` holds one item per stream (``heapq.merge``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from replwatch.events import E, shift_ts, with_values

T = TypeVar("T")

#: (true time, source, stream number, position in the stream): see the module docstring.
MergeKey = tuple[str, str, int, int]


def true_time(ts: str) -> str:
    """``ts`` as a string that sorts in true time order (UTC when it has an offset).

    Cheap on the common case: a timestamp without an offset is returned unchanged, so
    a merge of plain Redis logs does no date arithmetic at all.
    """
    if len(ts) <= 19 or not (ts.endswith("Z") or "+" in ts[19:] or "-" in ts[19:]):
        return ts
    try:
        parsed = datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if parsed.tzinfo is None:
        return ts
    return parsed.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


class MergeClock:
    """Hands out :data:`MergeKey` values for events that arrive one by one.

    For views that receive events live from several sources (the dashboard's feed) and
    keep them sorted: it carries each source's last time for the lines without one,
    exactly as :func:`merge_timed` does for whole streams.
    """

    def __init__(self) -> None:
        self._last: dict[str, str] = {}
        self._serial = 0

    def key(self, ts: str | None, source: str) -> MergeKey:
        """The merge key of the next item of ``source`` whose time is ``ts``."""
        self._serial += 1
        if ts:
            when = self._last[source] = true_time(ts)
        else:
            when = self._last.get(source, "")
        return (when, source, 0, self._serial)


def merge_timed(streams: Iterable[Iterable[tuple[str | None, str, T]]]) -> Iterator[T]:
    """Interleave per-source streams of ``(ts, source, item)`` in the merge order, lazily.

    Each stream must be in its file's order (as a parser yields it). Items come out
    unchanged; only the order is decided here.
    """
    keyed = [_keyed(stream, index) for index, stream in enumerate(streams)]
    if len(keyed) == 1:
        for _key, item in keyed[0]:
            yield item
        return
    for _key, item in heapq.merge(*keyed, key=lambda pair: pair[0]):
        yield item


def _keyed(
    stream: Iterable[tuple[str | None, str, T]], index: int
) -> Iterator[tuple[MergeKey, T]]:
    last = ""
    for seq, (ts, source, item) in enumerate(stream):
        if ts:
            last = true_time(ts)
        yield (last, source, index, seq), item


def merge_events(
    streams: Iterable[Iterable[E]],
    *,
    clock_offsets: Mapping[str, float] | None = None,
) -> Iterator[E]:
    """Interleave per-file event streams in the merge order, lazily.

    ``clock_offsets`` maps a source to seconds to add to its timestamps (the emitted
    events carry the shifted ``ts``), for hosts whose clocks disagree.
    """
    offsets = dict(clock_offsets or {})
    streams = list(streams)
    if len(streams) == 1 and not offsets:
        return iter(streams[0])  # one file is already in its own order: nothing to merge
    return merge_timed(_timed(stream, offsets) for stream in streams)


def _timed(
    stream: Iterable[E], offsets: Mapping[str, float]
) -> Iterator[tuple[str | None, str, E]]:
    for event in stream:
        shift = offsets.get(event.source)
        if shift and event.ts:
            event = with_values(event, ts=shift_ts(event.ts, shift))
        yield event.ts, event.source, event
