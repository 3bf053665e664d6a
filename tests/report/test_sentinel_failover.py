"""`replwatch report` on the recorded Sentinel failovers (sample_logs/*/sentinel-failover/).

The expected values are read from the recordings themselves (steps.txt names the
promoted node; the Sentinel logs hold the +switch-master lines), so a re-recording
that promotes the other replica still checks the same story.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from replwatch.cli.report_cmd import report as report_command
from replwatch.events import Event
from replwatch.report import build_report
from replwatch.report.render_text import render_text

from .events_helpers import t
from .test_sample_logs import SAMPLES, SERVERS, analyse, recording

SCENARIO = "sentinel-failover"
REQUESTED = "sentinel-requested-failover"
#: the servers Sentinel scenarios were recorded for (scripts/record_sentinel.py)
RECORDED = [s for s in SERVERS if (SAMPLES / s / SCENARIO).is_dir()]
RECORDED_REQUESTED = [s for s in SERVERS if (SAMPLES / s / REQUESTED).is_dir()]


def promoted_port(server: str) -> str:
    steps = (recording(server, SCENARIO)[0].parent / "steps.txt").read_text()
    match = re.search(r"every Sentinel names (\d+) as master", steps)
    assert match, "steps.txt does not say which node was promoted"
    return match.group(1)


def first_switch_ts(files: list[Path]) -> str:
    """The earliest +switch-master time in the Sentinel logs, read straight from the text."""
    stamps = []
    for path in files:
        for line in path.read_text().splitlines():
            if "+switch-master" in line:
                stamp = re.search(r"(\d+) Nov (\d{4}) (\d\d:\d\d:\d\d\.\d{3})", line)
                assert stamp
                stamps.append(f"{stamp[2]}-11-{int(stamp[1]):02d}T{stamp[3]}")
    return min(stamps)


@pytest.mark.parametrize("server", RECORDED)
def test_all_logs_tell_the_whole_failover(server: str) -> None:
    files = recording(server, SCENARIO)
    report = analyse(files)
    new = promoted_port(server)
    [failover] = report.failovers
    assert (failover.old_master, failover.new_master, failover.outcome) == (
        "10000",
        new,
        "switched",
    )
    assert failover.switch_ts == first_switch_ts(files)
    assert failover.lost_seen_by == "replicas"
    assert failover.lost_ts is not None and failover.writable_ts is not None
    assert failover.lost_ts < failover.writable_ts <= failover.switch_ts
    assert failover.no_master_seconds is not None and 0 < failover.no_master_seconds < 30
    assert (failover.sentinels_down, failover.sentinels, failover.quorum) == (3, 3, 2)
    assert failover.leader in {"26379", "26380", "26381"}
    # the old master came back and was turned into a replica of the new one
    assert failover.old_master_resync == "full"
    assert failover.old_master_back_ts is not None
    assert failover.old_master_back_ts > failover.switch_ts
    texts = [step.text for step in failover.steps]
    assert any(text.startswith("+convert-to-slave") for text in texts)
    other = ({"10001", "10002"} - {new}).pop()
    assert any(f"{other} repointed to {new}" in text and "partial resync" in text for text in texts)
    # Sentinels are their own nodes, never mistaken for data nodes
    roles = {node.name: node.roles for node in report.nodes}
    assert roles["26379"] == roles["26380"] == roles["26381"] == ("sentinel",)
    assert {link.replica for link in report.links} <= {"10000", "10001", "10002"}
    assert {link.master for link in report.links} <= {"10000", "10001", "10002"}


@pytest.mark.parametrize("server", RECORDED)
def test_text_report_explains_the_failover(server: str) -> None:
    files = recording(server, SCENARIO)
    new = promoted_port(server)
    result = CliRunner().invoke(report_command, [str(f) for f in files])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Failover mymaster: 10000 -> {new} (switched)" in out
    assert "no master for writes: " in out
    assert f"Sentinel failed over mymaster: 10000 -> {new}" in out
    assert f"10000 rejoined as a replica of {new}: full resync" in out
    assert "saw Sentinel switch the master" not in out  # one story, not one finding per Sentinel
    restart = out[out.index("10000 restarted") :]
    assert "replaced by a failover" in restart.split("evidence")[0]
    as_json = CliRunner().invoke(report_command, ["--json", *map(str, files)])
    [failover] = json.loads(as_json.output)["failovers"]
    assert (failover["new_master"], failover["old_master_resync"]) == (new, "full")
    assert all(ev["file"].endswith(".log") for step in failover["steps"] for ev in step["evidence"])


@pytest.mark.parametrize("server", RECORDED)
def test_one_sentinel_log_alone_tells_the_story(server: str) -> None:
    files = recording(server, SCENARIO)
    new = promoted_port(server)
    for path in (f for f in files if f.name.startswith("sentinel-")):
        report = analyse([path])
        [failover] = report.failovers
        assert failover.outcome == "switched", path.name
        assert (failover.old_master, failover.new_master) == ("127.0.0.1:10000", f"127.0.0.1:{new}")
        assert failover.lost_seen_by == "sentinel"
        assert failover.switch_ts is not None and failover.no_master_seconds is not None
        assert failover.agreed is not None and failover.agreed >= 2
        text = render_text(report)
        assert "no master for writes: at least" in text
        assert report.links == ()


@pytest.mark.parametrize("server", RECORDED)
def test_html_timeline_shows_who_was_master(server: str, tmp_path: Path) -> None:
    files = recording(server, SCENARIO)
    page = tmp_path / "r.html"
    result = CliRunner().invoke(report_command, ["--html", str(page), *map(str, files)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    for state in ("old", "none", "new"):
        assert f'class="master-bar {state}"' in html
    assert 'class="switch"' in html
    assert "<h2>Failovers (1)</h2>" in html


def sentinel_ev(source: str, ts: str, message: str, **fields: object) -> Event:
    return Event(ts, source, None, 1, "sentinel", "warning", "sentinel_event", message, fields)


def test_aborted_failover_is_a_warning_with_the_reason() -> None:
    src = "sentinel-26379.log"
    master = {"instance": "master", "master_name": "m", "peer": "10.0.0.1:6379"}
    events = [
        sentinel_ev(src, t(1), "+sdown master m 10.0.0.1 6379", event="+sdown", **master),
        sentinel_ev(
            src, t(1.1), "+odown master m 10.0.0.1 6379 #quorum 2/2", event="+odown", **master
        ),
        sentinel_ev(
            src, t(1.2), "+try-failover master m 10.0.0.1 6379", event="+try-failover", **master
        ),
        sentinel_ev(
            src,
            t(1.3),
            "-failover-abort-no-good-slave master m 10.0.0.1 6379",
            event="-failover-abort-no-good-slave",
            **master,
        ),
    ]
    report = build_report([events])
    [failover] = report.failovers
    assert (failover.outcome, failover.new_master, failover.agreed) == ("aborted", None, 2)
    [finding] = [f for f in report.findings if f.code == "failover"]
    assert finding.severity == "warning"
    assert "could not fail over" in finding.title and "no-good-slave" in finding.title


def test_master_back_before_odown_is_no_failover() -> None:
    src = "sentinel-26379.log"
    master = {"instance": "master", "master_name": "m", "peer": "10.0.0.1:6379"}
    events = [
        sentinel_ev(src, t(1), "+sdown master m 10.0.0.1 6379", event="+sdown", **master),
        sentinel_ev(src, t(3), "-sdown master m 10.0.0.1 6379", event="-sdown", **master),
        sentinel_ev(src, t(9), "+sdown master m 10.0.0.1 6379", event="+sdown", **master),
    ]
    report = build_report([events])
    assert [f.outcome for f in report.failovers] == ["recovered", "unfinished"]
    assert report.failovers[0].new_master is None


@pytest.mark.parametrize("server", RECORDED_REQUESTED)
def test_requested_failover_shows_the_lingering_old_master(server: str) -> None:
    files = recording(server, REQUESTED)
    report = analyse(files)
    [failover] = report.failovers
    assert failover.requested and failover.outcome == "switched"
    assert failover.old_master == "10000" and failover.new_master in {"10001", "10002"}
    assert failover.lost_ts is None and failover.no_master_seconds is None  # never master-less
    assert failover.old_master_resync in {"full", "partial"}
    [convert] = [s for s in failover.steps if s.text.startswith("+convert-to-slave")]
    assert "after the switch: until then 10000 was still a master" in convert.text
    [finding] = [f for f in report.findings if f.code == "failover"]
    assert finding.severity == "info" and "requested" in finding.title


def stamp(seconds: int) -> str:
    return (datetime(2026, 11, 25, 8) + timedelta(seconds=seconds)).isoformat(
        timespec="milliseconds"
    )


def test_failovers_kept_are_bounded_newest_first() -> None:
    src = "sentinel-26379.log"
    events = []
    for index in range(120):  # the master flips between two addresses, 120 times
        old, new = (f"10.0.0.{1 + index % 2}", f"10.0.0.{2 - index % 2}")
        master = {"instance": "master", "master_name": "m", "peer": f"{old}:6379"}
        base = index * 10
        events.append(
            sentinel_ev(src, stamp(base), f"+sdown master m {old} 6379", event="+sdown", **master)
        )
        events.append(
            sentinel_ev(
                src,
                stamp(base + 1),
                f"+switch-master m {old} 6379 {new} 6379",
                event="+switch-master",
                master_name="m",
                old_peer=f"{old}:6379",
                peer=f"{new}:6379",
            )
        )
    report = build_report([events])
    assert len(report.failovers) == 50
    assert report.failovers[-1].switch_ts == stamp(1191)
    assert report.failovers[0].switch_ts == stamp(701)
    assert any("70 oldest failovers were dropped" in note for note in report.notes)
