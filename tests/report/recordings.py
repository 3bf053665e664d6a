"""Reports of the recordings in sample_logs/, analysed once per test session.

Many tests read the same recording's report; a :class:`~replwatch.report.Report` is
immutable, so one analysis serves them all and keeps the suite fast.
"""

from __future__ import annotations

from functools import cache

from replwatch.report import Report
from tests.report.test_sample_logs import analyse, recording


@cache
def report_of(server: str, scenario: str) -> Report:
    """The report of every log of ``server``/``scenario`` (skips when not recorded)."""
    return analyse(recording(server, scenario))
