"""The report as one JSON document, for scripts (``report --json``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from replwatch import kinds
from replwatch.report.model import Report


def _evidence(evidence: Any) -> list[dict[str, Any]]:
    return [{"file": source, "line": line} for source, line in evidence]


def report_to_dict(report: Report) -> dict[str, Any]:
    """Plain data: lists and dicts only, evidence as ``{"file", "line"}`` objects."""
    links = []
    for link in report.links:
        sessions = []
        for entry in link.sessions:
            data = asdict(entry.session)
            data["evidence"] = _evidence(entry.session.evidence)
            data["summary"] = entry.summary()
            data["repeats"] = entry.repeats
            data["last_ts"] = entry.last_ts
            sessions.append(data)
        links.append(
            {
                "replica": link.replica,
                "master": link.master,
                "master_address": link.master_address,
                "observed_by": link.observed_by,
                "counts": dict(link.counts),
                "sessions": sessions,
                "outages": [{**asdict(o), "evidence": _evidence(o.evidence)} for o in link.outages],
                "intervals": [
                    {
                        "state": i.state,
                        "start_ts": i.start_ts,
                        "end_ts": i.end_ts,
                        "cause": i.cause,
                        "evidence": _evidence(i.evidence),
                    }
                    for i in link.intervals
                ],
            }
        )
    return {
        "summary": list(report.summary),
        "files": list(report.files),
        "start_ts": report.start_ts,
        "end_ts": report.end_ts,
        "events": report.events,
        "nodes": [
            {
                **asdict(node),
                "restarts": [
                    {"ts": ts, "file": where[0], "line": where[1], "after_clean_shutdown": clean}
                    for ts, where, clean in node.restarts
                ],
            }
            for node in report.nodes
        ],
        "failovers": [
            {
                **{k: v for k, v in asdict(f).items() if k not in ("steps", "evidence")},
                "steps": [
                    {"ts": step.ts, "text": step.text, "evidence": _evidence(step.evidence)}
                    for step in f.steps
                ],
                "evidence": _evidence(f.evidence),
            }
            for f in report.failovers
        ],
        "links": links,
        "findings": [{**asdict(f), "evidence": _evidence(f.evidence)} for f in report.findings],
        "notes": list(report.notes),
        "unread": [
            {
                "file": u.source,
                kinds.MALFORMED: u.malformed,
                kinds.UNRECOGNIZED: u.unrecognized,
                "examples": [{"line": line, "message": text} for line, text in u.examples],
            }
            for u in report.unread
        ],
    }


def render_json(report: Report) -> str:
    """One JSON document (indented, non-ASCII kept), ending with a newline."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"
