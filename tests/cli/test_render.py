"""Text rendering shared by ``parse`` and ``tail``."""

from __future__ import annotations

from dataclasses import replace

from replwatch.cli.render import format_event
from replwatch.events import Event, short_source

EV = Event(
    ts="2026-11-25T08:49:46.135",
    source="/var/log/redis/10001.log",
    line=3,
    pid=4357,
    role="replica",
    level="warning",
    kind="psync_attempt",
    message="Trying a partial resynchronization (request 8ba1c4f3a1b2...:2298).",
    fields={"replid": "8ba1c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3", "offset": 2298},
)


def test_short_source() -> None:
    assert short_source("/x/10001.log") == "10001"
    assert short_source("logs/redis-6379.log.1.gz") == "redis-6379"
    assert short_source("127.0.0.1:6379") == "127.0.0.1:6379"
    assert short_source("-") == "stdin"


def test_plain_columns_and_key_fields() -> None:
    line = format_event(EV, color=False)
    assert "\x1b" not in line
    assert line.split()[:5] == ["11-25", "08:49:46.135", "10001", "replica", "psync_attempt"]
    assert line.endswith("offset=2298 replid=8ba1c4f3…")


def test_color_highlights_warnings_and_width_cuts() -> None:
    colored = format_event(EV, color=True)
    assert "\x1b[1;33mpsync_attempt" in colored  # warning level: yellow kind
    trouble = replace(EV, kind="master_link_error", fields={"error": "Connection refused"})
    assert "\x1b[1;31mmaster_link_error" in format_event(trouble, color=True)
    assert 'error="Connection refused"' in format_event(trouble, color=False)
    narrow = format_event(EV, color=False, width=78)
    assert len(narrow) <= 78 and narrow.endswith("…")


def test_unrecognized_shows_the_message_and_hides_control_bytes() -> None:
    ev = Event(None, "s.log", 1, None, None, None, "malformed", "bad \x00\x1b[31m line", {})
    line = format_event(ev, color=False)
    assert "bad \\0\\e[31m line" in line and "-" * 18 in line
