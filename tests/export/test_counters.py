"""The counters ``export`` keeps, fed with real log lines through the real parser."""

from __future__ import annotations

import pytest

from replwatch.export.counters import ExportState
from replwatch.logs.parser import LogParser, load_default_parser

REPLICA = "127.0.0.1:10001"

#: A Redis 7 replica's log: a lost link, then a partial resync (two "succeeded" lines).
PARTIAL = """\
1:S 03 Dec 2026 10:00:00.000 # Connection with master lost.
1:S 03 Dec 2026 10:00:00.001 * Caching the disconnected master state.
1:S 03 Dec 2026 10:00:01.000 * Connecting to MASTER 127.0.0.1:10000
1:S 03 Dec 2026 10:00:01.001 * MASTER <-> REPLICA sync started
1:S 03 Dec 2026 10:00:01.002 * Trying a partial resynchronization (request 8d0e:1234).
1:S 03 Dec 2026 10:00:01.003 * Successful partial resynchronization with master.
1:S 03 Dec 2026 10:00:01.004 * MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.
"""

FULL = """\
1:S 03 Dec 2026 10:05:00.000 * Connecting to MASTER 127.0.0.1:10000
1:S 03 Dec 2026 10:05:00.001 * MASTER <-> REPLICA sync started
1:S 03 Dec 2026 10:05:00.002 * Full resync from master: 80145e2af2c68643bd25fdb45d08873a5:6407
1:S 03 Dec 2026 10:05:00.100 * MASTER <-> REPLICA sync: Finished with success
"""


@pytest.fixture(scope="module")
def parser() -> LogParser:
    return load_default_parser()


def _feed(state: ExportState, parser: LogParser, text: str) -> None:
    events = [
        parser.parse_line(line, source="r.log", line_no=n, year=2026)
        for n, line in enumerate(text.splitlines(), 1)
    ]
    state.record_log_events(REPLICA, events)


def test_one_partial_resync_counts_once_and_the_lost_link_is_a_flap(parser: LogParser):
    state = ExportState()
    _feed(state, parser, PARTIAL)
    view = state.view()
    assert view.syncs == {(REPLICA, "partial", "ok"): 1}
    assert sum(view.flaps.values()) == 1
    assert view.log_events[(REPLICA, "psync_succeeded")] == 2  # every line still counted


def test_repeated_full_syncs_count_each_and_labels_stay_bounded(parser: LogParser):
    state = ExportState()
    for _ in range(500):
        _feed(state, parser, FULL)
    view = state.view()
    assert view.syncs == {(REPLICA, "full", "ok"): 500}
    assert len(view.log_events) == 4  # one series per kind, however many lines
