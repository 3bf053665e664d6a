"""Every catalogued replication message, in every header its versions write, gets a kind.

A line is built from each row of the shared catalog (placeholders filled with
realistic values), wrapped in the header dialect(s) of the versions that write
it, and parsed. Contract kinds must carry exactly the contract's fields, with
the values that were put in.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from replwatch.logs.parser import LogParser

#: A copy of the catalog of replication messages extracted from the Redis 2.8-8.0 and
#: Valkey 7.2-8.0 sources (see tests/data/redis-log-catalog/README.md).
DATA = Path(__file__).resolve().parents[1] / "data"
CATALOG = DATA / "redis-log-catalog" / "messages-unique.jsonl"

ROWS = [json.loads(line) for line in CATALOG.read_text().splitlines() if line.strip()]

REPLICATION_CATEGORIES = {
    "replication", "master-link", "psync-backlog", "diskless-sync", "failover",
    "output-buffer-limit", "lifecycle", "sentinel-event", "rdb-save-load", "fork-child",
    "fork-cow",
}  # fmt: skip

HEX40 = "8ba1c4f3a1b2c4f3a1b2c4f3a1b2c4f3a1b2c4f3"
PEER_HOST, PEER_PORT = "127.0.0.1", "6380"
PEER = f"{PEER_HOST}:{PEER_PORT}"
INSTANCE = "master mymaster 127.0.0.1 6380"
CLIENT = "id=8 addr=127.0.0.1:6380 laddr=127.0.0.1:6379 fd=9 name= age=22 flags=S db=0 cmd=psync"

#: Values for formats where a generic value would not be realistic, by format prefix.
OVERRIDES: dict[str, list[str]] = {
    "Starting BGSAVE for SYNC with target: %_": ["disk"],
    "Starting BGSAVE for SYNC with target: %_ using": ["replicas sockets", "normal sync"],
    "Redis %_ (%_/%_) %_ bit": ["2.8.24", "00000000", "0", "64", "standalone", "6379", "42"],
    "%_ is now ready to exit": ["Redis"],
    "Redis version=%_": ["7.0.15", "64", "00000000", "0", "42"],
    "Valkey version=%_": ["8.0.1", "64", "00000000", "0", "42"],
    "FATAL: Data file was created with a %_": ["Redis", "16"],
    "%_: %_ MB of memory used": ["Module fork", "3"],
    "Fork CoW for %_": ["RDB", "0", "3", "1"],
    "Loading RDB produced by": ["7.0.15"],
    "%_ voted for": ["127.0.0.1:26379", HEX40, "12"],
    "Client %_": [CLIENT],
    "== CRITICAL ==": ["replica", "master", "-ERR x", "set"],
    "Running mode=": ["standalone", "6379"],
    "Lagging replica": [PEER, "1000", "5", "online"],
    "%_ changes in": ["1", "900"],
    "%_ of %_ replicas": ["1", "2"],
    "Total: %_": ["3", "1", "1000", "1.2M"],
    "%_ clients connected": ["3", "1", "1000"],
    "Background AOF buffer size": ["12"],
    "Closing slave %_": [PEER, "Broken pipe"],
    "Trying a partial resynchronization": [HEX40, "1234"],
    "Full resync from": [HEX40, "1234"],
    "Setting secondary replication ID": [HEX40, "1234", HEX40],
    "Master replication ID changed": [HEX40],
    "Primary replication ID changed": [HEX40],
    "Replication backlog created": [HEX40, HEX40],
    "Partial resynchronization not accepted: Replication ID mismatch": [HEX40, HEX40, HEX40],
    "Partial resynchronization not accepted: Runid mismatch": [HEX40, HEX40],
    "The server is now ready to accept connections on port": ["6379"],
    "Failover request received for replid": [HEX40],
}


def _value(fmt: str, index: int, spec: str, text_before: str) -> str:
    for prefix, values in OVERRIDES.items():
        if fmt.startswith(prefix) and index < len(values):
            return values[index]
    if spec == "%@":
        return INSTANCE
    if spec == "%.40s":
        return HEX40
    if spec in ("%.3f", "%.2f"):
        return "0.125"
    if spec == "%llx":
        return "abc123"
    if spec.endswith(("d", "u", "i")) and not spec.endswith("s"):
        return PEER_PORT if text_before.endswith(":") else "1234"
    if (
        fmt[len(text_before) + 2 : len(text_before) + 3] == ":"
        and "%_" in fmt[len(text_before) + 2 :][:4]
    ):
        return PEER_HOST  # %s:%d -> host part of host:port
    return PEER


def build_message(row: dict[str, Any]) -> str:
    fmt: str = row["normalised_format"]
    pieces = fmt.split("%_")
    specs = row["placeholders"]
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:]):
        spec = specs[i] if i < len(specs) else "%s"
        out.append(_value(fmt, i, spec, fmt[: _pos(fmt, i)]))
        out.append(piece)
    message = "".join(out).replace("{REDIS_VERSION}", "3.2.13")
    if row.get("sentinel_event"):
        message = f"{row['sentinel_event']} {message}"
    return message


def _pos(fmt: str, index: int) -> int:
    pos = -1
    for _ in range(index + 1):
        pos = fmt.index("%_", pos + 1)
    return pos


def headers_for(row: dict[str, Any], message: str) -> list[str]:
    role = "X" if any(c.startswith("sentinel") for c in row["categories"]) else "M"
    lines = []
    redis = set(row["redis_versions"])
    if "2.8.24" in redis:
        lines.append(f"[4347] 25 Nov 08:46:38.123 * {message}")
    if redis & {"3.0.7", "3.2.13", "4.0.14"}:
        lines.append(f"4347:{role} 25 Nov 08:46:38.123 # {message}")
    if redis - {"2.8.24", "3.0.7", "3.2.13", "4.0.14"} or row["valkey_versions"]:
        lines.append(f"4347:{role} 25 Nov 2026 08:46:38.123 * {message}")
    if row["valkey_versions"]:
        escaped = message.replace('"', '\\"')
        role_word = "sentinel" if role == "X" else "primary"
        lines.append(
            f'pid=4347 role={role_word} timestamp="2026-11-25T08:46:38.123+00:00" '
            f'level=notice message="{escaped}"'
        )
    return lines


#: Contract kinds -> (fields always present, fields that may be present).
CONTRACT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "server_starting": (set(), {"version", "port"}),
    "server_ready": (set(), {"port"}),
    "server_shutdown": (set(), set()),
    "server_exit": (set(), set()),
    "db_loaded": ({"seconds"}, set()),
    "replicaof_enabled": ({"peer"}, set()),
    "master_mode_enabled": (set(), set()),
    "master_connecting": ({"peer"}, set()),
    "sync_started": (set(), set()),
    "master_connected": (set(), set()),
    "master_ping_ok": (set(), set()),
    "master_auth_failed": ({"error"}, set()),
    "psync_attempt": ({"replid", "offset"}, set()),
    "psync_impossible": ({"reason"}, {"error"}),
    "psync_succeeded": (set(), set()),
    "full_resync_started": ({"replid", "offset"}, set()),
    "rdb_receiving": (set(), {"bytes", "target"}),
    "flushing_old_data": (set(), set()),
    "loading_db": (set(), set()),
    "sync_finished": (set(), set()),
    "sync_failed": ({"error"}, set()),
    "master_link_error": ({"error"}, set()),
    "master_timeout": (set(), set()),
    "master_link_lost": (set(), set()),
    "master_cached": (set(), set()),
    "master_cache_discarded": (set(), set()),
    "master_replid_changed": ({"replid"}, set()),
    "secondary_replid_set": ({"replid", "replid2", "offset"}, set()),
    "replica_sync_request": ({"peer"}, set()),
    "full_resync_requested": ({"peer"}, set()),
    "psync_accepted": ({"peer", "bytes", "offset"}, set()),
    "psync_rejected": ({"reason"}, {"peer", "offset", "replid"}),
    "backlog_created": ({"replid", "replid2"}, set()),
    "bgsave_for_sync": ({"target"}, set()),
    "bgsave_delayed": (set(), set()),
    "bgsave_started": ({"child_pid"}, set()),
    "rdb_saved": (set(), set()),
    "cow_report": ({"mb"}, set()),
    "bgsave_done": (set(), set()),
    "bgsave_failed": (set(), {"error", "signal"}),
    "replica_sync_succeeded": ({"peer"}, set()),
    "replica_link_lost": ({"peer"}, set()),
    "replica_output_buffer_overflow": ({"peer"}, set()),
    "replica_timeout": ({"peer"}, set()),
    "sentinel_event": ({"event"}, {"instance", "master_name", "peer", "old_peer"}),
    "failover_state": (set(), {"peer", "error", "replid"}),
}

VALUE_CHECKS = {
    "peer": lambda v: v in (PEER, "127.0.0.1:6380"),
    "replid": lambda v: v == HEX40,
    "replid2": lambda v: v == HEX40,
    "offset": lambda v: isinstance(v, int),
    "bytes": lambda v: isinstance(v, int),
    "child_pid": lambda v: v == 1234,
    "seconds": lambda v: isinstance(v, float),
    "mb": lambda v: v == 3.0 or isinstance(v, float),
    "target": lambda v: v in ("disk", "socket"),
    "error": lambda v: isinstance(v, str) and v != "",
    "reason": lambda v: re.fullmatch(r"[a-z_]+", v) is not None,
    "version": lambda v: re.fullmatch(r"\d+\.\d+\.\d+", v) is not None,
    "port": lambda v: v == 6379,
    "event": lambda v: v.startswith(("+", "-")),
}

CASES = [
    pytest.param(row, line, id=f"{n}-{i}")
    for n, row in enumerate(ROWS)
    if not row.get("is_generic")
    for i, line in enumerate(headers_for(row, build_message(row)))
]


def _is_replication(row: dict[str, Any]) -> bool:
    return any(c in REPLICATION_CATEGORIES or c.startswith("cluster-") for c in row["categories"])


@pytest.mark.parametrize(("row", "line"), CASES)
def test_catalog_row(parser: LogParser, row: dict[str, Any], line: str) -> None:
    ev = parser.parse_line(line, source="catalog.log", line_no=1, year=2026)
    assert ev.kind != "malformed", line
    assert ev.ts is not None and ev.ts.startswith("2026-11-25T08:46:38.123")
    assert ev.pid == 4347
    if _is_replication(row):
        assert ev.kind != "unrecognized", f"no rule for {row['normalised_format']!r}: {line}"
    if ev.kind in CONTRACT_FIELDS:
        required, optional = CONTRACT_FIELDS[ev.kind]
        keys = set(ev.fields)
        assert required <= keys, (ev.kind, ev.fields, line)
        assert keys <= required | optional, (ev.kind, ev.fields, line)
        for key, value in ev.fields.items():
            check = VALUE_CHECKS.get(key)
            assert check is None or check(value), (key, value, line)
    json.dumps(ev.fields)  # JSON natives only


def test_catalog_coverage_summary(parser: LogParser) -> None:
    """All non-generic rows get a kind; print the row -> kind spread for the report."""
    kinds: Counter[str] = Counter()
    missing = []
    for row in ROWS:
        if row.get("is_generic"):
            continue
        line = headers_for(row, build_message(row))[-1]
        ev = parser.parse_line(line, source="c", line_no=1, year=2026)
        kinds[ev.kind] += 1
        if ev.kind == "unrecognized":
            missing.append(row["normalised_format"])
    print(f"\n{sum(kinds.values())} rows -> {len(kinds)} kinds; unrecognized: {len(missing)}")
    assert not missing, missing
