"""``replwatch report``: what happened to replication in a set of logs, and why.

:func:`~replwatch.report.analyze.build_report` reads event streams (one per log file)
and returns a :class:`~replwatch.report.model.Report`; the ``render_*`` modules turn it
into text, one JSON document, or one self-contained HTML page. Live views call
:func:`~replwatch.report.analyze.diagnose` (events in, findings out, pure).
"""

from __future__ import annotations

from replwatch.report.analyze import build_report, diagnose
from replwatch.report.model import Finding, LinkReport, NodeInfo, Outage, Report, UnreadLines

__all__ = [
    "Finding",
    "LinkReport",
    "NodeInfo",
    "Outage",
    "Report",
    "UnreadLines",
    "build_report",
    "diagnose",
]
