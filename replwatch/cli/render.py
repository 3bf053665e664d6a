"""Text rendering of events: one aligned line each, coloured on a terminal.

Shared by ``replwatch parse`` and ``replwatch tail``. Columns: time, source,
role, kind, then the kind's key fields (``peer=``, ``bytes=``, ``offset=``,
``replid=`` shortened, ``error=``...) or, when it has none, the message. Colour
is an argument, never guessed here: the CLI decides (terminal or pipe).

A ``malformed`` row (a line with no log header: Redis 2.8/3.2 write their
ASCII-art logo, 18 such lines, at every start) is drawn dim as a whole, so it
recedes behind the events; without colour it reads as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from replwatch import kinds
from replwatch.events import MALFORMED, UNRECOGNIZED, Event, short_source

#: Fields shown first, in this order; any other field follows in its own order.
KEY_FIELDS: tuple[str, ...] = (
    "peer", "old_peer", "event", "instance", "master_name", "target", "bytes", "offset",
    "replid", "replid2", "child_pid", "seconds", "mb", "reason", "error",
)  # fmt: skip

_RESET = "\x1b[0m"
_STYLE = {
    "time": "\x1b[2m",
    "source": "\x1b[1m",
    "master": "\x1b[35m",
    "replica": "\x1b[36m",
    "sentinel": "\x1b[34m",
    "child": "\x1b[2m",
    "warning": "\x1b[1;33m",
    "trouble": "\x1b[1;31m",
    "dim": "\x1b[2m",
    "kind": "\x1b[32m",
}
#: Kinds that mean something went wrong, drawn in red whatever their level.
TROUBLE_KINDS = frozenset({
    kinds.SYNC_FAILED, kinds.MASTER_LINK_ERROR, kinds.MASTER_TIMEOUT, kinds.MASTER_LINK_LOST,
    kinds.MASTER_AUTH_FAILED, kinds.PSYNC_REJECTED, kinds.BGSAVE_FAILED,
    kinds.REPLICA_LINK_LOST, kinds.REPLICA_OUTPUT_BUFFER_OVERFLOW, kinds.REPLICA_TIMEOUT,
    kinds.REPLICA_SYNC_FAILED, kinds.SERVER_FATAL, kinds.RDB_LOAD_FAILED, kinds.RDB_SAVE_FAILED,
}) | kinds.POLL_PROBLEMS - {kinds.ROLE_CHANGED}  # fmt: skip

#: Control characters shown as escapes: ``\0``, ``\e``, ``\x07``...
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROLS.update({0: "\\0", 0x1B: "\\e", 0x09: " "})
SOURCE_WIDTH = 10
ROLE_WIDTH = 8
KIND_WIDTH = 24


@lru_cache(maxsize=512)
@lru_cache(maxsize=512)
def _source_column(source: str, width: int) -> str:
    return short_source(source)[:width].ljust(width)


def short_time(ts: str | None) -> str:
    """``2026-11-25T08:49:46.135`` -> ``11-25 08:49:46.135`` (date kept: logs span days)."""
    if not ts or len(ts) < 19:
        return "-" * 18
    return f"{ts[5:10]} {ts[11:23]}".ljust(18)


def _format_value(key: str, value: Any) -> str:
    if key in ("replid", "replid2") and isinstance(value, str) and len(value) > 12:
        return value[:8] + "…"
    text = str(value)
    return f'"{text}"' if " " in text else text


def summarize_fields(fields: Mapping[str, Any]) -> str:
    """``key=value`` pairs, key fields first."""
    keys = [k for k in KEY_FIELDS if k in fields] + [k for k in fields if k not in KEY_FIELDS]
    return " ".join(f"{k}={_format_value(k, fields[k])}" for k in keys)


def _paint(text: str, style: str | None, color: bool) -> str:
    if not color or not style:
        return text
    return _STYLE[style] + text + _RESET


def format_event(
    ev: Event,
    *,
    color: bool,
    width: int | None = None,
    source_width: int = SOURCE_WIDTH,
) -> str:
    """One event as one text line (no newline), cut to ``width`` characters if given."""
    time_col = short_time(ev.ts)
    source_col = _source_column(ev.source, source_width)
    role_col = (ev.role or "-")[:ROLE_WIDTH].ljust(ROLE_WIDTH)
    kind_col = ev.kind.ljust(KIND_WIDTH)
    if ev.kind in (UNRECOGNIZED, MALFORMED) or not ev.fields:
        detail = ev.message
        detail_style = "dim" if ev.kind in (UNRECOGNIZED, MALFORMED) else None
    else:
        detail = summarize_fields(ev.fields)
        detail_style = None
    if not detail.isprintable():  # never let a log line drive the terminal
        detail = detail.translate(_CONTROLS)
    if width is not None:
        used = len(time_col) + len(source_col) + len(role_col) + len(kind_col) + 4
        room = max(width - used, 10)
        if len(detail) > room:
            detail = detail[: room - 1] + "…"
    if ev.kind in TROUBLE_KINDS:
        kind_style = "trouble"
    elif ev.level == "warning":
        kind_style = "warning"
    elif ev.kind in (UNRECOGNIZED, MALFORMED):
        kind_style = "dim"
    else:
        kind_style = "kind"
    if ev.kind == MALFORMED:
        plain = " ".join((time_col, source_col, role_col, kind_col, detail)).rstrip()
        return _paint(plain, "dim", color)
    return " ".join(
        (
            _paint(time_col, "time", color),
            _paint(source_col, "source", color),
            _paint(role_col, ev.role, color),
            _paint(kind_col, kind_style, color),
            _paint(detail, detail_style, color),
        )
    ).rstrip()
