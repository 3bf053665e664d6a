"""parse_line never raises and always returns a well-formed event, whatever it is fed."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replwatch.events import Event
from replwatch.logs.parser import LogParser

HEADERS = [
    "4357:S 25 Nov 2026 08:49:46.135 * ",
    "4347:M 25 Nov 08:46:38.123 # ",
    "[4347] 25 Nov 08:46:38.123 - ",
    "30 May 10:03:19 . ",
    "4347:signal-handler (1700000000) ",
    "[4347 | signal handler] (1700000000) ",
    "5905:M 2026-11-25T08:59:14.421+00:00 * ",
    "5905:M 1795597163446 * ",
    'pid=5858 role=replica timestamp="2026-11-25T08:59:14.421+00:00" level=notice message="',
    "5858:X 25 Nov 2026 08:49:46.135 # +",
]
WORDS = st.sampled_from(
    ["MASTER", "<->", "REPLICA", "sync", "Replica", "127.0.0.1:6380", "offset", "%s", "{x}",
     "master", "(", ")", "'", '"', "\\", ":", "1234", "-1",
     "8ba1c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3", "Partial", "resynchronization", "+sdown",
     "@", "\x00", "\udcff", "é", "\r"]
)  # fmt: skip
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(ev: Event, line_no: int) -> None:
    assert isinstance(ev, Event)
    assert ev.line == line_no and ev.source == "f"
    assert isinstance(ev.kind, str) and ev.kind
    assert ev.ts is None or (len(ev.ts) >= 23 and ev.ts[4] == "-")
    data = json.loads(ev.to_json())  # always encodable, fields JSON natives
    assert set(data) == {
        "ts",
        "source",
        "line",
        "pid",
        "role",
        "level",
        "kind",
        "message",
        "fields",
    }
    if ev.kind == "malformed":
        assert ev.pid is None or ev.fields.get("truncated")


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(parser: LogParser, raw: bytes) -> None:
    _check(parser.parse_line(raw, source="f", line_no=7), 7)


@FUZZ
@given(st.text(max_size=400))
def test_random_text(parser: LogParser, text: str) -> None:
    _check(parser.parse_line(text, source="f", line_no=1, year=2020), 1)


@FUZZ
@given(st.sampled_from(HEADERS), st.lists(WORDS, max_size=12), st.text(max_size=40))
def test_header_plus_random_message(
    parser: LogParser, header: str, words: list[str], tail: str
) -> None:
    line = header + " ".join(words) + tail
    ev = parser.parse_line(line, source="f", line_no=3)
    _check(ev, 3)
    if ev.kind not in ("malformed",):
        assert ev.ts is not None


@FUZZ
@given(st.sampled_from(HEADERS), st.binary(max_size=200))
def test_header_plus_random_bytes(parser: LogParser, header: str, raw: bytes) -> None:
    _check(parser.parse_line(header.encode() + raw, source="f", line_no=2), 2)
