"""Fill a lab's master with data, so that a full sync takes long enough to watch.

An empty master's full sync is over in milliseconds: the dashboard never shows it
syncing, with its progress bar and bytes. ``replwatch demo --data 100MB`` writes that
much into the master (plain SETs, pipelined) before the replicas join. The lab's own
write path, never the monitoring one: ``status``, ``tui`` and ``export`` send only
read commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import redis

#: Bytes per value: large enough that the key overhead is small, small enough that
#: one pipeline batch stays a few MB.
VALUE_BYTES = 1024
_BATCH = 1000
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
          "G": 1 << 30, "GB": 1 << 30}  # fmt: skip
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*", re.IGNORECASE)
#: More than a demo on a laptop should write (and than its memory may hold).
MAX_BYTES = 8 << 30


def parse_size(text: str) -> int:
    """``100MB``, ``1.5G``, ``512K``, ``0`` -> bytes (binary units, as Redis's)."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a size like 100MB, 1GB or 0")
    size = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    if size > MAX_BYTES:
        raise ValueError(f"{text!r} is more than {MAX_BYTES >> 30} GB")
    return size


#: How long the demo's master takes to save its data for a full sync, in seconds.
SAVE_SECONDS = 3.0


def save_delay_us(nbytes: int) -> int:
    """``rdb-key-save-delay`` (microseconds per key) that makes a BGSAVE of ``nbytes``
    written by :func:`fill` take about :data:`SAVE_SECONDS` on any machine: the demo
    shows the sync phases (``wait_bgsave``, the transfer) instead of a blink."""
    keys = max((nbytes + VALUE_BYTES - 1) // VALUE_BYTES, 1)
    return max(1, min(int(SAVE_SECONDS * 1e6 / keys), 100_000))


def fill(
    client: redis.Redis,
    nbytes: int,
    *,
    prefix: str = "demo:data:",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write about ``nbytes`` of values (``VALUE_BYTES`` each) with keys ``prefix N``;
    ``progress(bytes_written)`` after each batch. Returns the number of keys."""
    count = (nbytes + VALUE_BYTES - 1) // VALUE_BYTES
    value = b"r" * VALUE_BYTES
    pipe = client.pipeline(transaction=False)
    for n in range(count):
        pipe.set(f"{prefix}{n}", value)
        if (n + 1) % _BATCH == 0 or n + 1 == count:
            pipe.execute()
            if progress is not None:
                progress((n + 1) * VALUE_BYTES)
    return count
