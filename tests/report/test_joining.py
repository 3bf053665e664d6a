"""Joining files: rotated segments are one node, nodes are named from what the logs
say (never from digits in a file name), a few seconds of clock skew change nothing."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import Report, build_report
from replwatch.report.render_text import render_text
from tests.report.test_sample_logs import SERVERS, recording

SERVER = "redis-7.0.15"
#: The pid of a log line (``17851:S 25 Nov ...``, ``[5070] 25 Nov ...``).
PID = re.compile(r"^\s*\[?(\d+)[\]:]")


def analyse(paths: list[Path], skew: dict[str, float] | None = None) -> Report:
    parser = load_default_parser()
    names = [str(p) for p in paths]
    streams = [parse_file(parser, n, source=n) for n in names]
    return build_report(streams, files=names, clock_offsets=skew)


def rotate(log: Path, folder: Path) -> list[Path]:
    """``log`` cut in three as logrotate leaves it: ``.2.gz`` oldest, ``.1``, live."""
    lines = log.read_bytes().splitlines(keepends=True)
    third = len(lines) // 3
    live = folder / log.name
    older, oldest = folder / f"{log.name}.1", folder / f"{log.name}.2.gz"
    oldest.write_bytes(gzip.compress(b"".join(lines[:third])))
    older.write_bytes(b"".join(lines[third : 2 * third]))
    live.write_bytes(b"".join(lines[2 * third :]))
    return [live, older, oldest]


def shape(report: Report) -> list[tuple[str, str, dict[str, int]]]:
    """What a reader sees of each link: syncs, failures, outages (not how many red
    bars the picture draws for them)."""
    return sorted(
        (link.replica, link.master, {k: v for k, v in link.counts.items() if k != "down_intervals"})
        for link in report.links
    )


def test_rotated_segments_are_one_node(tmp_path: Path) -> None:
    files = recording(SERVER, "seed")
    whole = analyse(files)
    replica = next(f for f in files if f.name == "10002.log")
    segments = rotate(replica, tmp_path)
    rotated = analyse([*(f for f in files if f != replica), *segments])
    names = sorted(node.name for node in rotated.nodes)
    assert names == sorted(node.name for node in whole.nodes) == ["10000", "10001", "10002"]
    node = next(n for n in rotated.nodes if n.name == "10002")
    assert node.files == tuple(str(s) for s in segments)  # live, .1, .2.gz
    assert shape(rotated) == shape(whole)
    cited = {src for f in rotated.findings for src, _line in f.evidence}
    assert cited & {str(s) for s in segments[1:]}  # evidence keeps the segment's own name


def test_digits_in_a_file_name_are_not_a_port(tmp_path: Path) -> None:
    # a log that never says its port, named like another node's port
    log = tmp_path / "10000.log"
    log.write_text(
        "21:S 03 Dec 2026 09:00:00.200 * Connecting to MASTER 10.0.0.1:6379\n"
        "21:S 03 Dec 2026 09:00:00.201 * MASTER <-> REPLICA sync started\n"
        "21:S 03 Dec 2026 09:00:00.300 # Error condition on socket for SYNC: Connection refused\n"
    )
    report = analyse([log])
    [node] = report.nodes
    assert node.port is None
    [link] = report.links
    assert link.master == "6379"


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", ["seed", "psync-client-kill", "backlog-overflow"])
def test_a_second_of_clock_skew_changes_no_link(server: str, scenario: str) -> None:
    files = recording(server, scenario)
    whole = analyse(files)
    for seconds in (1.0, -1.0, 3.0):
        skew = {str(f): seconds for f in files if f.name in ("10001.log", "10002.log")}
        skewed = analyse(files, skew=skew)
        assert shape(skewed) == shape(whole), seconds


@pytest.mark.parametrize("server", SERVERS)
def test_a_replica_log_ending_early_is_not_an_outage_the_master_saw_end(
    server: str, tmp_path: Path
) -> None:
    """The seed kills replica 10002 and restarts it; its log cut before the kill knows
    nothing after, and the master's log shows the resync that ended the break."""
    files = recording(server, "seed")
    replica = next(f for f in files if f.name == "10002.log")
    lines = replica.read_text().splitlines(keepends=True)
    # cut where the killed replica starts again: its log ends with the kill
    pids = [m.group(1) if (m := PID.match(line)) else None for line in lines]
    pids = [p for p in pids if p]
    restart = next(p for p in reversed(pids) if p != pids[0])
    keep = next(
        i for i, line in enumerate(lines) if (m := PID.match(line)) and m.group(1) == restart
    )
    cut = tmp_path / "10002.log"
    cut.write_text("".join(lines[:keep]))
    report = analyse([*(f for f in files if f != replica), cut])
    link = next(lk for lk in report.links if lk.replica == "10002")
    assert all(o.end_ts is not None for o in link.outages), link.outages
    assert "not restored" not in render_text(report)
    assert not any("still down" in line for line in report.summary), report.summary
