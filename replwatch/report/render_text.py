"""The report for people reading a terminal: sections per link, then findings."""

from __future__ import annotations

from replwatch.report.model import (
    Failover,
    Finding,
    LinkReport,
    Report,
    common_folder,
    evidence_text,
    format_seconds,
    observed_text,
)
from replwatch.report.summary import healthy


def render_text(report: Report) -> str:
    """The whole report as plain text (no colour, stable for diffs and tests)."""
    out: list[str] = []
    span = f"{report.start_ts or '?'} .. {report.end_ts or '?'}"
    strip = common_folder(report.files)
    folder = f" in {strip}" if strip else ""
    out.append(
        f"replwatch report: {len(report.files)} file(s){folder}, {report.events} lines, {span}"
    )
    if report.summary:
        out.append("")
        out.append("Summary")
        for line in report.summary:
            wrapped = _wrap(line, 96)
            out.append(f"  {wrapped[0]}")
            out.extend(f"    {rest}" for rest in wrapped[1:])
    out.append("")
    out.append("Nodes")
    for node in report.nodes:
        roles = "/".join(node.roles) or "?"
        version = f" v{node.version}" if node.version else ""
        restarts = f", restarted {len(node.restarts)}x" if node.restarts else ""
        out.append(
            f"  {node.name:<8} {roles:<15}{version:<10} {node.source.removeprefix(strip)}{restarts}"
        )
    for failover in report.failovers:
        out.append("")
        out.extend(_failover_section(failover, strip))
    for link in report.links:
        out.append("")
        out.extend(_link_section(link, strip))
    out.append("")
    out.append(f"Findings ({len(report.findings)})")
    if not report.findings:
        out.append(f"  none: {no_findings_text(report)}")
    for number, finding in enumerate(report.findings, 1):
        out.extend(_finding(number, finding, strip))
    if report.unread:
        out.append("")
        out.append("Unread lines (no rule understood them: a cause may hide here)")
        for unread in report.unread:
            out.append(
                f"  {unread.source.removeprefix(strip)}: {unread.total} line(s) "
                f"({unread.malformed} malformed, {unread.unrecognized} unrecognized)"
            )
            for number, message in unread.examples:
                out.append(f"    {number}: {message}")
    for note in report.notes:
        out.append(f"note: {note}")
    return "\n".join(out) + "\n"


def no_findings_text(report: Report) -> str:
    """What "no findings" means here, without claiming more than the logs show."""
    if healthy(report.links, report.findings, report.unread):
        return "every link synced and stayed up in these logs"
    if report.unread:
        return (
            "no rule fired, but some lines could not be read (see 'Unread lines'): "
            "this is not a clean bill of health"
        )
    if not report.links:
        return "no replication link appears in these logs"
    return "no cause found for what the links above show"


def _failover_section(failover: Failover, strip: str) -> list[str]:
    lines = [f"Failover {failover.title}"]
    if failover.no_master_seconds is not None:
        until = "the new master accepted writes" if failover.writable_ts else "+switch-master"
        sentinel_only = failover.lost_seen_by == "sentinel"
        since = "first +sdown" if sentinel_only else "master lost"
        lines.append(
            f"  no master for writes: {'at least ' if sentinel_only else ''}"
            f"{format_seconds(failover.no_master_seconds)} "
            f"({failover.lost_ts} {since} .. {until})"
        )
    for step in failover.steps:
        lines.append(f"    {step.ts or '?'}  {step.text}")
        lines.append(f"      evidence: {evidence_text(step.evidence, limit=3, strip=strip)}")
    return lines


def _link_section(link: LinkReport, strip: str) -> list[str]:
    address = f" (master at {link.master_address})" if link.master_address else ""
    counts = link.counts
    lines = [
        f"Link {link.title}{address}, seen in the {observed_text(link.observed_by)}",
        f"  {counts.get('full_syncs', 0)} full sync(s), {counts.get('partial_syncs', 0)} "
        f"partial, {counts.get('failed_attempts', 0)} failed attempt(s), "
        f"{counts.get('interrupted', 0)} interrupted, {counts.get('outages', 0)} outage(s)",
    ]
    if link.sessions:
        lines.append("  Sync sessions")
    for entry in link.sessions:
        s = entry.session
        lines.append(f"    {s.start_ts or '?'}  {s.outcome:<11} {entry.summary()}")
        lines.append(f"      evidence: {evidence_text(s.evidence, limit=4, strip=strip)}")
    if link.outages:
        lines.append("  Outages")
    for outage in link.outages:
        length = format_seconds(outage.seconds) if outage.seconds is not None else "not restored"
        lines.append(
            f"    {outage.start_ts or '?'} .. {outage.end_ts or '(end of logs)'}  {length}: "
            f"{outage.cause}"
        )
        lines.append(f"      evidence: {evidence_text(outage.evidence, strip=strip)}")
    return lines


def _finding(number: int, finding: Finding, strip: str) -> list[str]:
    times = f" (x{finding.count})" if finding.count > 1 else ""
    lines = [f"  {number}. [{finding.severity}] {finding.title}{times}"]
    lines.extend(f"     {line}" for line in _wrap(finding.explanation, 92))
    if finding.setting:
        lines.append(f"     setting: {finding.setting}")
    lines.append(f"     evidence: {evidence_text(finding.evidence, strip=strip)}")
    return lines


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
