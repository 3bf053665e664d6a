"""What answers on a port that did not speak Redis: one short look, on first contact.

Why: a port that closes on redis-py or sends something it cannot parse is, most of
the time, another service (an HTTP server, SSH, a proxy's banner) or a TLS port. The
message an operator needs differs: "not a Redis server (it answered 'HTTP/1.0 400')"
versus "try --tls". This sends the inline ``PING`` (read-only) and reads the first
bytes of the reply, nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib

_RESP_FIRST_BYTES = frozenset(b"+-:$*_,#!=(%~|>")
"""First bytes of a RESP2/RESP3 reply: a Redis-speaking server."""
_TLS_RECORD_TYPES = frozenset({0x15, 0x16})
"""A TLS alert or handshake record: the port speaks TLS."""


async def foreign_greeting(host: str, port: int, timeout: float) -> str | None:
    """The start of what a non-Redis, non-TLS server sent, or None.

    None means: nothing came, it looks like Redis, or like TLS; the caller keeps its
    own message then. Never raises.
    """
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError):
        return None
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(256), timeout)
    except (TimeoutError, OSError):
        data = b""
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), timeout)
    return describe_greeting(data)


def describe_greeting(data: bytes) -> str | None:
    """The first line of ``data`` as printable text, unless it is RESP, TLS or empty."""
    if not data or data[0] in _RESP_FIRST_BYTES or data[0] in _TLS_RECORD_TYPES:
        return None
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    text = "".join(ch if ch.isprintable() else "?" for ch in first.decode("latin-1"))
    return text[:60] or None
