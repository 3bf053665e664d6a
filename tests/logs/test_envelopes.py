"""Envelopes: every real log line, wrapped the way collectors wrap it, gives the bare event.

A round trip over every line of ``sample_logs/`` and ``tests/data/wordings/``: the
bare file's events are the reference, each envelope's file must give the same kind,
fields (minus the envelope's own keys), role, level, message, and the same time where
the bare line has one; the fast JSON path must write ``Event.to_json()`` byte for byte.
No result is written down here: the bare parse is the expectation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replwatch.events import MALFORMED, UNRECOGNIZED, Event
from replwatch.logs.envelopes import ENVELOPE_KEYS
from replwatch.logs.files import json_records, parse_file, record_batches
from replwatch.logs.parser import LogParser, load_default_parser

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "sample_logs").glob("**/*.log")) + sorted(
    (ROOT / "tests" / "data" / "wordings").glob("*.log")
)
TS = "2026-11-25T08:49:46.123456789Z"
JOURNAL_MICROS = "1795597163446123"  # 2026-11-25T08:59:23.446123Z

Wrap = Callable[[str, int], list[str]]


def _split(line: str, n: int) -> list[str]:
    """A line as CRI writes a long one: ``P`` parts, then the ``F`` part."""
    cuts = [len(line) * k // 3 for k in (1, 2)] if len(line) >= 6 and n % 2 else []
    parts = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]
    return [f"{TS} stdout P {p}" for p in parts[:-1]] + [f"{TS} stdout F {parts[-1]}"]


#: name -> (wrap(line, n) -> physical lines, the envelope name, strong?)
WRAPPERS: dict[str, tuple[Wrap, str | None, bool]] = {
    "docker-t": (lambda s, n: [f"{TS} {s}"], "docker", True),
    "docker-t-offset": (lambda s, n: [f"2026-11-25T09:49:46.5+01:00 {s}"], "docker", True),
    "compose": (lambda s, n: [f"redis-1  | {s}"], "compose", True),
    "compose-old": (lambda s, n: [f"redis_replica_1 | {s}"], "compose", True),
    "kubectl-prefix": (lambda s, n: [f"[pod/redis-0/redis] {s}"], "kubectl", True),
    "kubectl-prefix-ts": (lambda s, n: [f"[pod/redis-0/redis] {TS} {s}"], "kubectl", True),
    "cri": (lambda s, n: [f"{TS} stdout F {s}"], "cri", True),
    "cri-partial": (_split, "cri", True),
    "docker-json": (
        lambda s, n: [json.dumps({"log": s + "\n", "stream": "stdout", "time": TS})],
        "docker-json",
        True,
    ),
    "journald-short": (
        lambda s, n: [f"Nov 25 08:49:46 db1 redis-server[812]: {s}"],
        "journald",
        True,
    ),
    "journald-precise": (
        lambda s, n: [f"Nov  5 08:49:46.123456 db1 redis-server[812]: {s}"],
        "journald",
        True,
    ),
    "journald-iso": (
        lambda s, n: [f"2026-11-25T08:49:46+0000 db1 redis-server[812]: {s}"],
        "journald",
        True,
    ),
    "journald-json": (
        lambda s, n: [
            json.dumps(
                {
                    "MESSAGE": s if n % 3 else list(s.encode()),
                    "__REALTIME_TIMESTAMP": JOURNAL_MICROS,
                    "_PID": "812",
                    "_HOSTNAME": "db1",
                    "SYSLOG_IDENTIFIER": "redis-server",
                    "_SYSTEMD_UNIT": "redis-server.service",
                }
            )
        ],
        "journald-json",
        True,
    ),
    "syslog3164": (
        lambda s, n: [f"<30>Nov 25 08:49:46 db1 redis[812]: {s}"],
        "syslog3164",
        True,
    ),
    "syslog5424": (
        lambda s, n: [f'<30>1 2026-11-25T08:49:46.123Z db1 redis 812 - [meta x="1"] {s}'],
        "syslog5424",
        True,
    ),
    "label-dash": (lambda s, n: [f"NODE1 - {s}"], "label", False),
    "label-bracket": (lambda s, n: [f"[S] {s}"], "label", False),
    "label-colon": (lambda s, n: [f"redis-1: {s}"], "label", False),
    "leading-blank": (lambda s, n: [f" {s}"], None, False),
    "trailing-blanks": (lambda s, n: [f"{s}  "], None, False),
    "crlf": (lambda s, n: [f"{s}\r"], None, False),
}


@pytest.fixture(scope="module")
def parser(tmp_path_factory: pytest.TempPathFactory) -> LogParser:
    return load_default_parser(user_dir=tmp_path_factory.mktemp("no-user-grammars"))


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    lines: list[str] = []
    for path in INPUTS:
        lines += path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
    return lines


@pytest.fixture(scope="module")
def bare(
    parser: LogParser, corpus: list[str], tmp_path_factory: pytest.TempPathFactory
) -> list[Event]:
    path = tmp_path_factory.mktemp("bare") / "bare.log"
    path.write_text("".join(line + "\n" for line in corpus), encoding="utf-8")
    events = list(parse_file(parser, path, year=2026))
    assert len(events) == len(corpus)
    return events


def _without_envelope(fields: object) -> dict[str, object]:
    assert isinstance(fields, dict)
    return {k: v for k, v in fields.items() if k not in ENVELOPE_KEYS}


def _write(path: Path, corpus: list[str], wrap: Wrap) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        for n, line in enumerate(corpus):
            for physical in wrap(line, n):
                out.write(physical + "\n")
    return path


def test_bare_lines_get_no_envelope_keys(bare: list[Event]) -> None:
    with_keys = [ev for ev in bare if ENVELOPE_KEYS & set(ev.fields)]
    assert with_keys == []


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_every_line_wrapped_gives_the_bare_event(
    parser: LogParser, corpus: list[str], bare: list[Event], name: str, tmp_path: Path
) -> None:
    wrap, envelope, strong = WRAPPERS[name]
    path = _write(tmp_path / f"{name}.log", corpus, wrap)
    wrapped = list(parse_file(parser, path, year=2026))
    assert len(wrapped) == len(bare)
    mismatches = []
    for ev, want in zip(wrapped, bare, strict=True):
        if not strong and want.ts is None:
            continue  # a label or blanks around a non-Redis line: nothing to keep
        if name == "trailing-blanks" and want.message[-1:].isspace():
            continue  # the server wrote blanks there itself: more of them are its too
        message = ev.message
        if name == "trailing-blanks" and message != want.message:
            # a rule that takes the rest of the message keeps the blanks, as written
            message = message[: len(want.message)] if message.rstrip() == want.message else message
        got = (ev.kind, ev.role, ev.level, message, _without_envelope(ev.fields))
        expected = (want.kind, want.role, want.level, want.message, dict(want.fields))
        if want.ts is not None:
            got += (ev.ts, ev.pid)
            expected += (want.ts, want.pid)
        if got != expected or (envelope and want.ts and ev.fields.get("envelope") != envelope):
            mismatches.append((want.line, repr(want.message[:60]), got, expected))
    assert mismatches[:5] == []
    # and the parse --json fast path writes exactly Event.to_json()
    fast = [text for _, _, text in json_records(parser, path, year=2026)]
    assert fast == [ev.to_json() for ev in wrapped]
    # and the report's records are the same events
    assert _records(parser, path) == wrapped


def _records(parser: LogParser, path: Path) -> list[Event]:
    return [r.event() for batch in record_batches(parser, path, year=2026) for r in batch]


def test_fast_json_equals_to_json_on_every_input_file(parser: LogParser) -> None:
    for path in INPUTS:
        fast = [text for _, _, text in json_records(parser, path, year=2026)]
        assert fast == [ev.to_json() for ev in parse_file(parser, path, year=2026)], path


def test_report_records_equal_events_on_every_input_file(parser: LogParser) -> None:
    """record_batches (the report's fast path) gives parse_file's events, crash
    reports folded alike."""
    crashes = sorted((ROOT / "tests" / "data" / "crash").glob("*.log"))
    for path in [*INPUTS, *crashes]:
        assert _records(parser, path) == list(parse_file(parser, path, year=2026)), path


def test_envelope_facts_are_kept(parser: LogParser) -> None:
    line = "4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 10.0.0.5:6379"
    cases = {
        f"[pod/redis-1/redis] {TS} {line}": {
            "pod": "redis-1",
            "container": "redis",
            "envelope_ts": TS,
        },
        f"redis-2  | {line}": {"container": "redis-2"},
        f"{TS} stderr F {line}": {"stream": "stderr", "envelope_ts": TS},
        f"Nov 25 08:49:46 db1 redis-server[812]: {line}": {
            "host": "db1",
            "ident": "redis-server",
            "pid": 812,
        },
        json.dumps(
            {"MESSAGE": line, "_HOSTNAME": "db2", "_SYSTEMD_UNIT": "redis.service", "_PID": "9"}
        ): {"host": "db2", "unit": "redis.service", "pid": 9},
        f"<30>1 2026-11-25T08:49:46.123Z db3 redis 812 - - {line}": {"host": "db3", "pid": 812},
        f"NODE1 - {line}": {"label": "NODE1"},
        f"[S] {line}": {"label": "S"},
    }
    for text, facts in cases.items():
        ev = parser.parse_line(text, source="s", line_no=1)
        assert ev.kind == "master_connecting", text
        assert ev.fields["peer"] == "10.0.0.5:6379"
        assert facts.items() <= dict(ev.fields).items(), text


def test_envelope_year_dates_a_yearless_header(parser: LogParser) -> None:
    yearless = "4347:M 25 Nov 08:46:38.123 * DB saved on disk"
    ev = parser.parse_line(f"2019-11-25T08:46:38.5Z {yearless}", source="s", line_no=1)
    assert ev.ts == "2019-11-25T08:46:38.123"
    new_year = "4347:M 31 Dec 23:59:59.900 * DB saved on disk"
    ev = parser.parse_line(f"2020-01-01T00:00:00.1Z {new_year}", source="s", line_no=1)
    assert ev.ts == "2019-12-31T23:59:59.900"
    # a dated header keeps its own time; the envelope's is a fact
    dated = "4347:M 25 Nov 2026 08:46:38.123 * DB saved on disk"
    ev = parser.parse_line(f"2026-11-25T08:46:39.000000001Z {dated}", source="s", line_no=1)
    assert ev.ts == "2026-11-25T08:46:38.123"
    assert ev.fields["envelope_ts"] == "2026-11-25T08:46:39.000000001Z"


def test_cri_partial_lines_join_per_stream(parser: LogParser, tmp_path: Path) -> None:
    line = "4357:S 25 Nov 2026 08:49:46.135 * Connecting to MASTER 10.0.0.5:6379"
    other = "4357:S 25 Nov 2026 08:49:47.000 # Connection with master lost."
    lines = [
        f"{TS} stdout P {line[:20]}",
        f"{TS} stderr F {other}",  # the other stream in between
        f"{TS} stdout P {line[20:40]}",
        f"{TS} stdout F {line[40:]}",
        f"{TS} stdout P {line[:45]}",  # never finished: its own event at the end
    ]
    path = tmp_path / "0.log"
    path.write_text("\n".join(lines) + "\n")
    events = list(parse_file(parser, path))
    assert [e.kind for e in events] == ["master_link_lost", "master_connecting", "unrecognized"]
    assert events[1].message == line[len("4357:S 25 Nov 2026 08:49:46.135 * ") :]
    assert events[1].line == 1
    assert [t for _, _, t in json_records(parser, path)] == [e.to_json() for e in events]
    # the per-line API of a tail: held, then the event with the part that ends it
    assert parser.feed(lines[0], source="tail", line_no=1) is None
    joined = parser.feed(f"{TS} stdout F {line[20:]}", source="tail", line_no=2)
    assert joined is not None and joined.kind == "master_connecting"


def test_docker_json_escapes_and_invalid_utf8(parser: LogParser, tmp_path: Path) -> None:
    line = '4357:M 25 Nov 2026 08:49:46.135 # Error condition: "quoted" \\ back \u2603 \t tab'
    record = json.dumps({"log": line + "\r\n", "stream": "stderr", "time": TS})
    bad = b'{"log":"4357:M 25 Nov 2026 08:49:46.135 * DB saved on disk \xff\xfe\\n","time":"x"}'
    path = tmp_path / "c-json.log"
    path.write_bytes(record.encode() + b"\n" + bad + b"\n")
    events = list(parse_file(parser, path))
    bare = parser.parse_line(line, source="s", line_no=1)
    assert (events[0].kind, events[0].message) == (bare.kind, bare.message)
    assert events[0].fields["stream"] == "stderr"
    assert events[1].fields["envelope"] == "docker-json"
    assert events[1].kind in (UNRECOGNIZED, "rdb_saved")
    assert "\ufffd" in events[1].message
    assert [t for _, _, t in json_records(parser, path)] == [e.to_json() for e in events]


def test_headerless_pastes_are_typed_by_the_message(parser: LogParser) -> None:
    for text, level in (
        ("* Connecting to MASTER 10.0.0.5:6379", "notice"),
        ("\\* Connecting to MASTER 10.0.0.5:6379", "notice"),
        ("Connecting to MASTER 10.0.0.5:6379", None),
        ("   Connecting to MASTER 10.0.0.5:6379  ", None),
    ):
        ev = parser.parse_line(text, source="s", line_no=1)
        assert (ev.kind, ev.ts, ev.level, ev.fields) == (
            "master_connecting",
            None,
            level,
            {"peer": "10.0.0.5:6379"},
        ), text
    assert parser.parse_line("no rule knows this", source="s", line_no=1).kind == MALFORMED


def test_trailing_blank_no_longer_hides_a_known_line(parser: LogParser) -> None:
    line = "4357:S 25 Nov 2026 08:49:46.135 * MASTER <-> REPLICA sync started"
    for text in (line + " ", line + " \t ", line + "\r"):
        ev = parser.parse_line(text, source="s", line_no=1)
        assert (ev.kind, ev.message) == ("sync_started", "MASTER <-> REPLICA sync started")
        assert not ENVELOPE_KEYS & set(ev.fields)


_GARBAGE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200).filter(
    lambda s: "\n" not in s and "\r" not in s
)


def _envelopes(body: str) -> Iterator[str]:
    for wrap, _, _ in WRAPPERS.values():
        yield from wrap(body, 0)
        yield from wrap(body, 1)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_GARBAGE)
def test_garbage_in_every_envelope_never_raises(parser: LogParser, body: str) -> None:
    for text in _envelopes(body):
        for ev in (
            parser.parse_line(text, source="g", line_no=1),
            parser.feed(text, source="g", line_no=1),
        ):
            if ev is None:
                continue
            assert isinstance(ev, Event)
            assert ev.kind in (MALFORMED, UNRECOGNIZED), (text, ev)
            assert ev.to_json() == Event.from_json(ev.to_json()).to_json()
    parser.flush("g")


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300))
def test_random_bytes_after_any_envelope_prefix(parser: LogParser, raw: bytes) -> None:
    for prefix in (
        f"{TS} ",
        f"{TS} stdout P ",
        "redis-1  | ",
        '{"log":"',
        '{"MESSAGE":',
        "<30>1 ",
        "<30>Nov 25 08:49:46 h r[1]: ",
        "[pod/a/b] ",
    ):
        ev = parser.parse_line(prefix.encode() + raw, source="b", line_no=1)
        assert isinstance(ev, Event)
        assert parser.feed(prefix.encode() + raw, source="b", line_no=1) is None or True
    parser.flush("b")


def test_odd_journald_objects_read_alike_on_both_paths(parser: LogParser, tmp_path: Path) -> None:
    """The hot loop's journald route decodes each object itself: every odd shape
    (escapes, a byte-array or number MESSAGE, a list _PID, a superscript digit
    for a pid, a newline inside, a ``log`` key, no time) gives Event.to_json()."""
    line = "812:M 25 Nov 2026 10:13:41.114 * Ready to accept connections"
    base = {"MESSAGE": line, "__REALTIME_TIMESTAMP": JOURNAL_MICROS, "_PID": "812"}
    odd: list[dict[str, object]] = [
        base,
        {**base, "MESSAGE": line.replace("Ready", "R\u00e9ady \"x\" \\")},
        {**base, "MESSAGE": list(line.encode())},
        {**base, "MESSAGE": 42},
        {**base, "_PID": ["812"]},
        {**base, "_PID": "\u00b2"},
        {**base, "_HOSTNAME": {"a": 1}},
        {**base, "MESSAGE": line + "\nsecond"},
        {**base, "MESSAGE": line + "\r\n"},
        {**base, "log": 1},
        {k: v for k, v in base.items() if k != "__REALTIME_TIMESTAMP"},
        {**base, "__REALTIME_TIMESTAMP": "9" * 18},
        {**base, "__REALTIME_TIMESTAMP": "\u0661\u0662"},
        {**base, "MESSAGE": "not a redis line"},
        base,
    ]
    path = tmp_path / "journal.json"
    path.write_text("".join(json.dumps(o, ensure_ascii=n % 2 == 0) + "\n"
                            for n, o in enumerate(odd)))  # fmt: skip
    events = list(parse_file(parser, path, year=2026))
    fast = [text for _, _, text in json_records(parser, path, year=2026)]
    assert fast == [ev.to_json() for ev in events]
    assert events[0].fields["envelope_ts"] == "2026-11-25T08:59:23.446123Z"
    assert events[0].kind == events[-1].kind != UNRECOGNIZED
    assert "pid" not in events[5].fields  # '²' is a digit, not a number
