"""The master's log alone: the end of a recording is no outage, a lost replica is.

The recording script stops every node at the end (``down`` in ``steps.txt``): a
replica goes first, its master logs ``Connection with replica ... lost`` and then
stops cleanly itself a moment later. That is the end of the logs, not an outage left
unrestored. A replica lost while its master keeps running to the end of the log
(here: the seed's ``SIGKILL replica 10002``, with the log read up to the writes
made while it was down) still is one. Times come from each recording's
``steps.txt``; the recordings were made on a machine whose local time is UTC, so
they line up with the logs' local times.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from replwatch.events import parse_ts
from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import Report, build_report
from replwatch.report.render_text import render_text
from tests.report.test_sample_logs import SERVERS, analyse, link, recording

#: Clock slack between the script's notes and the servers' log lines.
SLACK = timedelta(seconds=0.1)


def step_time(folder: Path, pattern: str) -> datetime:
    """When the recording script did the step matching ``pattern`` (naive, UTC)."""
    steps = (folder / "steps.txt").read_text()
    day = re.search(r"^recorded: (\S+)", steps, re.M)
    found = re.search(rf"^(\d\d:\d\d:\d\d\.\d+)Z {pattern}", steps, re.M)
    assert day and found, f"steps.txt of {folder} has no step {pattern!r}"
    return datetime.fromisoformat(f"{day.group(1)}T{found.group(1)}")


def master_log(server: str) -> Path:
    return recording(server, "seed")[0].parent / "10000.log"


def analyse_until(log: Path, until: datetime) -> Report:
    events = parse_file(load_default_parser(), str(log), source=str(log))
    return build_report([events], files=[str(log)], until=until)


def open_outages(report: Report) -> list[tuple[str, object]]:
    return [(lk.title, o) for lk in report.links for o in lk.outages if o.end_ts is None]


@pytest.mark.parametrize("server", SERVERS)
def test_master_log_alone_the_teardown_is_no_outage(server: str) -> None:
    log = master_log(server)
    report = analyse([log])
    assert not open_outages(report), open_outages(report)
    assert "not restored" not in render_text(report)
    # the breaks the script made before the teardown still are outages, restored
    killed = step_time(log.parent, "SIGKILL master")
    for replica in ("10001", "10002"):
        starts = [parse_ts(o.start_ts) for o in link(report, replica, "10000").outages]
        assert any(start and start >= killed - SLACK for start in starts), (replica, starts)


#: Redis 3.2's master logged replica 10002's loss only at the teardown: the killed
#: replica's restart reached it first, so there is no lost replica to see here.
KILL_SEEN = [server for server in SERVERS if server != "redis-3.2.13"]


@pytest.mark.parametrize("server", KILL_SEEN)
def test_a_replica_lost_while_the_master_runs_on_is_an_outage(server: str) -> None:
    log = master_log(server)
    killed = step_time(log.parent, "SIGKILL replica 10002")
    cut = step_time(log.parent, r"\d+ writes on master while replica 2 is down")
    report = analyse_until(log, cut)
    [(title, outage)] = open_outages(report)
    assert title.startswith("10000 -> 10002"), title
    start = parse_ts(outage.start_ts)
    assert start and killed - SLACK <= start <= cut, (outage, killed, cut)
    assert outage.cause == "master saw the replica disconnect"
    assert "not restored: master saw the replica disconnect" in render_text(report)
