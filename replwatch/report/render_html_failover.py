"""Failovers in the HTML report: a "who was master" row on the timeline, and the story.

The row shows the role change at a glance: the old master's bar, a red gap while no
node accepted writes, then the new master's bar, with a marker at ``+switch-master``.
Kept apart from :mod:`~replwatch.report.render_html` so that module stays about links.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from replwatch.events import parse_ts
from replwatch.report.model import Failover, Report, evidence_text, format_seconds

MASTER_COLOURS = {"old": "#3b7dd8", "none": "#9e2a2b", "new": "#7b4bc4"}


def failover_rows(
    report: Report,
    *,
    x_of: Callable[[datetime], float],
    row: int,
) -> list[str]:
    """SVG ``<g>`` rows, one per failover, from y=0 down (``row`` pixels each)."""
    start, end = parse_ts(report.start_ts), parse_ts(report.end_ts)
    out: list[str] = []
    if start is None or end is None:
        return out
    for index, failover in enumerate(report.failovers):
        y = index * row
        out.append(f'<g class="failover" data-failover="{escape(failover.title)}">')
        out.append(f'<text x="4" y="{y + 19}">master of {escape(failover.master_name)}</text>')
        lost = parse_ts(failover.lost_ts) or start
        back = parse_ts(failover.writable_ts or failover.switch_ts)
        segments: list[tuple[str, datetime, datetime, str | None]] = [
            ("old", start, lost, failover.old_master)
        ]
        if back is not None:
            segments += [("none", lost, back, "no master"), ("new", back, end, failover.new_master)]
        for state, first, last, who in segments:
            x0, x1 = x_of(first), x_of(last)
            tip = f"{who}: {state} {first:%H:%M:%S.%f} .. {last:%H:%M:%S.%f}"
            out.append(
                f'<rect class="master-bar {state}" x="{x0:.1f}" y="{y + 5}" '
                f'width="{max(x1 - x0, 2.0):.1f}" height="{row - 10}" '
                f'fill="{MASTER_COLOURS[state]}"><title>{escape(tip)}</title></rect>'
            )
            if x1 - x0 > 40 and state != "none":
                out.append(
                    f'<text class="who" x="{x0 + 4:.1f}" y="{y + 19}" '
                    f'style="fill:#fff">{escape(str(who))}</text>'
                )
        switch = parse_ts(failover.switch_ts)
        if switch is not None:
            x = x_of(switch)
            out.append(
                f'<line class="switch" x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row - 1}" '
                f'stroke="#1d2430" stroke-width="2"><title>+switch-master at '
                f"{escape(failover.switch_ts or '')}</title></line>"
            )
        out.append("</g>")
    return out


def failovers_html(report: Report, strip: str) -> str:
    """The "Failovers" section: a summary line and the steps, each with evidence."""
    if not report.failovers:
        return ""
    parts = [f"<h2>Failovers ({len(report.failovers)})</h2>"]
    for failover in report.failovers:
        parts.append(f"<h3>{escape(failover.title)}</h3>")
        parts.append(f"<p>{escape(_summary(failover))}</p>")
        rows = "".join(
            f"<tr><td>{escape(step.ts or '?')}</td><td>{escape(step.text)}</td>"
            f'<td class="ev">{escape(evidence_text(step.evidence, limit=3, strip=strip))}</td></tr>'
            for step in failover.steps
        )
        parts.append(
            f"<table><tr><th>time</th><th>what happened</th><th>evidence</th></tr>{rows}</table>"
        )
    return "\n".join(parts)


def _summary(failover: Failover) -> str:
    if failover.no_master_seconds is None:
        return f"Outcome: {failover.outcome}."
    bound = "at least " if failover.lost_seen_by == "sentinel" else ""
    text = f"No master for writes: {bound}{format_seconds(failover.no_master_seconds)}."
    if failover.old_master_resync:
        text += f" {failover.old_master} rejoined with a {failover.old_master_resync} resync."
    return text
