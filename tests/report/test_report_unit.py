"""build_report and its renderers on hand-built events (no parser needed)."""

from __future__ import annotations

import json

from replwatch.report import build_report
from replwatch.report.render_json import render_json
from replwatch.report.render_text import render_text

from .events_helpers import ev, t

M = "127.0.0.1:10000"


def seed_like() -> list[list]:
    """Master 10000 and replica 10001: initial full sync, master outage, partial resync."""
    m, r = "logs/10000.log", "logs/10001.log"
    master = [
        ev(m, t(0), "server_starting", "Redis version=7.0.15", version="7.0.15"),
        ev(m, t(0), "unrecognized", "Running mode=standalone, port=10000."),
        ev(m, t(1), "replica_sync_request", peer="127.0.0.1:10001"),
        ev(m, t(1), "full_resync_requested", peer="127.0.0.1:10001"),
        ev(m, t(1), "backlog_created", replid="a" * 40, replid2="0" * 40),
        ev(m, t(2), "replica_sync_succeeded", peer="127.0.0.1:10001"),
        ev(m, t(10), "server_shutdown"),
        ev(m, t(10), "server_exit"),
        ev(m, t(14), "server_starting", "Redis version=7.0.15", version="7.0.15"),
        ev(m, t(15), "replica_sync_request", peer="127.0.0.1:10001"),
        ev(m, t(15), "psync_accepted", peer="127.0.0.1:10001", bytes=57, offset=57),
    ]
    master = [e if e.kind != "server_starting" or e.line < 9 else _pid(e, 2) for e in master]
    replica = [
        ev(r, t(0.5), "unrecognized", "Running mode=standalone, port=10001."),
        ev(r, t(0.9), "master_connecting", peer=M),
        ev(r, t(0.9), "sync_started"),
        ev(r, t(0.9), "psync_impossible", reason="no_cached_master"),
        ev(r, t(1.0), "full_resync_started", replid="a" * 40, offset=1),
        ev(r, t(2.0), "rdb_receiving", bytes=18),
        ev(r, t(2.0), "sync_finished"),
        ev(r, t(10.1), "master_link_lost"),
        ev(r, t(10.1), "master_connecting", peer=M),
        ev(r, t(10.1), "master_link_error", error="Connection refused"),
        ev(r, t(11.1), "master_connecting", peer=M),
        ev(r, t(11.1), "master_link_error", error="Connection refused"),
        ev(r, t(15.0), "master_connecting", peer=M),
        ev(r, t(15.0), "psync_attempt", replid="a" * 40, offset=1),
        ev(r, t(15.0), "psync_succeeded"),
    ]
    return [master, replica]


def _pid(event, pid):
    from dataclasses import replace

    return replace(event, pid=pid)


def test_seed_like_links_sessions_outage_and_restart() -> None:
    report = build_report(seed_like())
    assert [n.name for n in report.nodes] == ["10000", "10001"]
    (link,) = report.links
    assert (link.replica, link.master, link.observed_by) == ("10001", "10000", "both")
    summaries = [e.summary() for e in link.sessions]
    assert summaries[0] == "10001 full resync: 18 B from 10000 in 1.1 s"
    assert summaries[1].startswith("10001 sync failed: Connection refused (x2")
    assert summaries[2] == "10001 partial resync from 10000: 57 B in 0.0 s"
    (outage,) = link.outages  # starts when the master's log says it stopped
    assert (outage.start_ts, outage.end_ts, outage.seconds) == (t(10), t(15), 5.0)
    assert outage.evidence[0] == ("logs/10000.log", 8)  # "bye bye"
    codes = {f.code for f in report.findings}
    assert {"restart", "link-down"} <= codes
    restart = next(f for f in report.findings if f.code == "restart")
    assert restart.node == "10000" and "10001 resynced partially" in restart.explanation


def test_text_and_json_renderings_carry_the_same_facts() -> None:
    report = build_report(seed_like())
    text = render_text(report)
    assert (
        "Link 10000 -> 10001 (master at 127.0.0.1:10000), seen in the master's and replica's logs"
        in text
    )
    assert "2 file(s) in logs/," in text  # evidence then names files without the folder
    assert "evidence: 10000.log:8, 10001.log:15" in text  # outage: master exits .. psync
    doc = json.loads(render_json(report))
    link = doc["links"][0]
    assert link["counts"]["full_syncs"] == 1 and link["counts"]["partial_syncs"] == 1
    assert link["outages"][0]["seconds"] == 5.0
    assert {"file": "logs/10000.log", "line": 8} in link["outages"][0]["evidence"]


def test_auth_missing_and_wrong() -> None:
    r1, r2 = "10001.log", "10002.log"
    s1 = [ev(r1, t(0), "unrecognized", "Running mode=standalone, port=10001.")]
    s2 = [ev(r2, t(0), "unrecognized", "Running mode=standalone, port=10002.")]
    for i in range(3):
        s1 += [
            ev(r1, t(i + 1), "master_connecting", peer=M),
            ev(r1, t(i + 1), "master_auth_failed", error="NOAUTH Authentication required."),
        ]
        s2 += [
            ev(r2, t(i + 1), "master_connecting", peer=M),
            ev(r2, t(i + 1), "master_auth_failed", error="-ERR invalid password"),
        ]
    report = build_report([s1, s2])
    auth = [f for f in report.findings if f.code == "masterauth"]
    assert [(f.node, f.count) for f in auth] == [("10001", 3), ("10002", 3)]
    assert "sends no password" in auth[0].title and "wrong password" in auth[1].title
    assert all(f.setting == "masterauth" for f in auth)
    assert not [f for f in report.findings if f.code == "master-unreachable"]


def test_backlog_finding_from_master_rejection() -> None:
    m = "10000.log"
    events = [
        ev(m, t(0), "unrecognized", "Running mode=standalone, port=10000."),
        ev(m, t(1), "psync_rejected", peer="127.0.0.1:10001", reason="backlog", offset=5),
        ev(m, t(1), "full_resync_requested", peer="127.0.0.1:10001"),
    ]
    report = build_report([events])
    (finding,) = [f for f in report.findings if f.code == "repl-backlog-size"]
    assert finding.node == "10000" and finding.evidence == ((m, 2),)


def test_since_until_filter() -> None:
    report = build_report(seed_like(), since=parse(t(9)), until=parse(t(12)))
    assert report.start_ts >= t(9) and report.end_ts <= t(12)


def parse(ts: str):
    from datetime import datetime

    return datetime.fromisoformat(ts)


def test_endless_auth_failures_fold_into_one_entry() -> None:
    """A replica failing AUTH in a tight loop: one line with a count, bounded memory."""
    r = "10001.log"
    events = [ev(r, t(0), "unrecognized", "Running mode=standalone, port=10001.")]
    for _ in range(3000):
        events += [
            ev(r, t(1), "master_connecting", peer=M),
            ev(r, t(1), "sync_started"),
            ev(r, t(1), "master_connecting", peer=M),  # a retry abandoned at once
            ev(r, t(1), "master_auth_failed", error="NOAUTH Authentication required."),
        ]
    report = build_report([events])
    (link,) = report.links
    assert len(link.sessions) == 2  # the first abandoned retry, then the run of failures
    entry = link.sessions[-1]
    assert entry.repeats == 3000 and link.counts["failed_attempts"] == 3000
    assert "(x3000," in entry.summary()
