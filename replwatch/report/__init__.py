"""``replwatch report``: what happened to replication in a set of logs, and why.

:func:`~replwatch.report.analyze.build_report` reads event streams (one per log file)
and returns a :class:`~replwatch.report.model.Report`; the ``render_*`` modules turn it
into text, one JSON document, or one self-contained HTML page.
"""

from __future__ import annotations

from replwatch.report.analyze import build_report
from replwatch.report.model import Finding, LinkReport, NodeInfo, Outage, Report

__all__ = ["Finding", "LinkReport", "NodeInfo", "Outage", "Report", "build_report"]
