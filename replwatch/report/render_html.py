"""The report as ONE self-contained HTML file: inline CSS, inline SVG, a little inline JS.

No network, no external fonts or scripts: the file can be mailed, attached to a
ticket and opened offline. The timeline is drawn as SVG markup here (one row per
link: up green, syncing amber, down red, a time axis below); each bar carries a
``<title>`` tooltip with its times, cause and evidence. The small script only
highlights a link's rows on hover and records how many bars the browser laid
out (``data-rendered-bars`` on ``<body>``), which the tests read from the DOM.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from html import escape

from replwatch.events import parse_ts
from replwatch.report.excerpts import PER_FINDING, Excerpt
from replwatch.report.model import (
    Finding,
    LinkReport,
    Report,
    common_folder,
    evidence_text,
    format_seconds,
    observed_text,
)
from replwatch.report.render_html_failover import MASTER_COLOURS, failover_rows, failovers_html
from replwatch.report.render_text import no_findings_text

COLOURS = {"up": "#2e9e44", "syncing": "#e0a21b", "down": "#d64541"}
WIDTH = 1000
LABEL = 170
ROW = 30
AXIS = 40

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2430;
background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#5a6472}
svg text{font:12px system-ui,sans-serif;fill:#1d2430}
.legend span{display:inline-block;margin-right:16px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;margin:6px 0 14px;width:100%;max-width:1100px}
td,th{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
.success{color:#2e7d32}.failed{color:#c62828}.interrupted{color:#b26a00}
.finding{border-left:4px solid #d64541;background:#fff;padding:8px 12px;margin:10px 0;
max-width:1080px}
.finding.info{border-color:#3b7dd8}
.finding h3{margin:0 0 4px;font-size:15px}
code,.ev{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.ev{color:#5a6472}
g.link:hover rect.bar{opacity:.8}
.summary{background:#fff;border:1px solid #e3e6ea;padding:4px 14px;max-width:1080px}
.summary h2{margin:8px 0 4px}
.excerpt{margin:6px 0}.excerpt .where{font:12px ui-monospace,monospace;color:#5a6472}
.excerpt pre{margin:2px 0;padding:6px 8px;background:#f4f6f8;overflow-x:auto;
font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.excerpt .near{color:#5a6472}.excerpt .cited{background:#fff3c4;color:#1d2430;font-weight:600}
"""

_JS = """
document.addEventListener('DOMContentLoaded',function(){
  var bars=document.querySelectorAll('svg#timeline rect.bar'),n=0;
  bars.forEach(function(b){var r=b.getBBox();if(r.width>0&&r.height>0){n++;}});
  document.body.setAttribute('data-rendered-bars',String(n));
});
"""


def render_html(
    report: Report, *, excerpts: Mapping[tuple[str, int], Excerpt] | None = None
) -> str:
    """The complete HTML document. ``excerpts`` (see
    :func:`~replwatch.report.excerpts.read_excerpts`) adds the cited lines themselves,
    with their neighbours, under each finding."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>replwatch report</title>",
        f"<style>{_CSS}</style>",
        f"<script>{_JS}</script>",
        "</head><body>",
        "<h1>replwatch report</h1>",
        _summary_html(report),
        f'<p class="meta">{len(report.files)} file(s) {escape(_folder(report))}, '
        f"{report.events} lines, "
        f"{escape(report.start_ts or '?')} .. {escape(report.end_ts or '?')}</p>",
        "<h2>Links over time</h2>",
        _legend(report),
        _timeline_svg(report),
    ]
    strip = common_folder(report.files)
    if report.failovers:
        parts.append(failovers_html(report, strip))
    parts.append(f"<h2>Findings ({len(report.findings)})</h2>")
    if not report.findings:
        parts.append(f"<p>None: {escape(no_findings_text(report))}.</p>")
    parts.extend(_finding_html(f, strip, excerpts or {}) for f in report.findings)
    parts.append("<h2>Links</h2>")
    parts.extend(_link_html(link, strip) for link in report.links)
    parts.append("<h2>Nodes</h2>")
    parts.append(_nodes_html(report))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _legend(report: Report) -> str:
    items = "".join(
        f'<span><i style="background:{colour}"></i>{state}</span>'
        for state, colour in COLOURS.items()
    )
    if report.failovers:
        names = {"old": "old master", "none": "no master", "new": "new master"}
        items += "".join(
            f'<span><i style="background:{MASTER_COLOURS[key]}"></i>{names[key]}</span>'
            for key in ("old", "none", "new")
        )
    restart = '<span><i style="border-left:2px dashed #1d2430;width:0"></i>node restart</span>'
    return f'<p class="legend">{items}{restart}</p>'


def _timeline_svg(report: Report) -> str:
    start, end = parse_ts(report.start_ts), parse_ts(report.end_ts)
    links = list(report.links)
    top = len(report.failovers) * ROW
    height = top + max(1, len(links)) * ROW + AXIS
    out = [
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-label="replication link states over time">'
    ]
    if start is None or end is None or not (links or report.failovers):
        out.append('<text x="10" y="20">no timed link events in these logs</text></svg>')
        return "\n".join(out)
    span = max((end - start).total_seconds(), 1.0)
    plot = WIDTH - LABEL - 10

    def x_of(moment: datetime) -> float:
        return LABEL + max(0.0, min(1.0, (moment - start).total_seconds() / span)) * plot

    out.extend(failover_rows(report, x_of=x_of, row=ROW))
    for row, link in enumerate(links):
        y = top + row * ROW
        out.append(f'<g class="link" data-link="{escape(link.title)}">')
        out.append(f'<text x="4" y="{y + 19}">{escape(link.title)}</text>')
        out.append(
            f'<rect x="{LABEL}" y="{y + 5}" width="{plot}" height="{ROW - 10}" fill="#eceff2"/>'
        )
        for interval in link.intervals:
            first = parse_ts(interval.start_ts)
            last = parse_ts(interval.end_ts) or end
            if first is None:
                continue
            x0, x1 = x_of(first), x_of(last)
            tip = (
                f"{link.title}: {interval.state} {interval.start_ts} .. "
                f"{interval.end_ts or 'end'} ({interval.cause}) "
                f"{evidence_text(interval.evidence, limit=2)}"
            )
            out.append(
                f'<rect class="bar {interval.state}" x="{x0:.1f}" y="{y + 5}" '
                f'width="{max(x1 - x0, 2.0):.1f}" height="{ROW - 10}" '
                f'fill="{COLOURS.get(interval.state, "#999")}"><title>{escape(tip)}</title></rect>'
            )
        for node in report.nodes:
            if node.name not in (link.replica, link.master):
                continue
            for ts, _where, _clean in node.restarts:
                moment = parse_ts(ts)
                if moment is None:
                    continue
                x = x_of(moment)
                out.append(
                    f'<line class="restart" x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" '
                    f'y2="{y + ROW - 1}" stroke="#1d2430" stroke-width="2" '
                    f'stroke-dasharray="3,2"><title>{escape(node.name)} restarted at '
                    f"{escape(ts or '')}</title></line>"
                )
        out.append("</g>")
    axis_y = top + len(links) * ROW + 6
    out.append(
        f'<line x1="{LABEL}" y1="{axis_y}" x2="{LABEL + plot}" y2="{axis_y}" stroke="#5a6472"/>'
    )
    for moment in _ticks(start, end):
        x = x_of(moment)
        label = _tick_label(moment, span)
        anchor = "start" if x < LABEL + 30 else "end" if x > LABEL + plot - 30 else "middle"
        out.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#5a6472"/>'
            f'<text class="tick" x="{x:.1f}" y="{axis_y + 20}" text-anchor="{anchor}">'
            f"{label}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _summary_html(report: Report) -> str:
    if not report.summary:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in report.summary)
    return f'<div class="summary"><h2>Summary</h2><ul>{items}</ul></div>'


def _excerpts_html(
    finding: Finding, strip: str, excerpts: Mapping[tuple[str, int], Excerpt]
) -> str:
    blocks = []
    for source, line in finding.evidence[:PER_FINDING]:
        excerpt = excerpts.get((source, line))
        if not excerpt:
            continue
        rows = "".join(
            f'<span class="{"cited" if number == line else "near"}">'
            f"{number:>6}  {escape(text)}</span>\n"
            for number, text in excerpt
        )
        blocks.append(
            f'<div class="excerpt"><div class="where">{escape(source.removeprefix(strip))}'
            f":{line}</div><pre>{rows}</pre></div>"
        )
    return "".join(blocks)


def _finding_html(
    finding: Finding, strip: str, excerpts: Mapping[tuple[str, int], Excerpt] | None = None
) -> str:
    times = f" (x{finding.count})" if finding.count > 1 else ""
    setting = (
        f"<p>Setting to look at: <code>{escape(finding.setting)}</code></p>"
        if finding.setting
        else ""
    )
    return (
        f'<div class="finding {escape(finding.severity)}" data-code="{escape(finding.code)}">'
        f"<h3>{escape(finding.title)}{times}</h3>"
        f"<p>{escape(finding.explanation)}</p>{setting}"
        f'<p class="ev">{escape(finding.ts or "")} evidence: '
        f"{escape(evidence_text(finding.evidence, strip=strip))}</p>"
        f"{_excerpts_html(finding, strip, excerpts or {})}</div>"
    )


def _link_html(link: LinkReport, strip: str) -> str:
    c = link.counts
    rows = "".join(
        f"<tr><td>{escape(e.session.start_ts or '?')}</td>"
        f'<td class="{escape(e.session.outcome)}">{escape(e.session.outcome)}</td>'
        f"<td>{escape(e.summary())}</td>"
        f'<td class="ev">'
        f"{escape(evidence_text(e.session.evidence, limit=3, strip=strip))}</td></tr>"
        for e in link.sessions
    )
    outages = "".join(
        f"<tr><td>{escape(o.start_ts or '?')}</td><td>{escape(o.end_ts or 'not restored')}</td>"
        f"<td>{'' if o.seconds is None else format_seconds(o.seconds)}</td>"
        f"<td>{escape(o.cause)}</td>"
        f'<td class="ev">{escape(evidence_text(o.evidence, limit=3, strip=strip))}</td></tr>'
        for o in link.outages
    )
    address = f" (master at {escape(link.master_address)})" if link.master_address else ""
    observed = escape(observed_text(link.observed_by))
    html = [
        f"<h3>{escape(link.title)}{address}</h3>",
        f"<p>{c.get('full_syncs', 0)} full, {c.get('partial_syncs', 0)} partial, "
        f"{c.get('failed_attempts', 0)} failed, {c.get('interrupted', 0)} interrupted, "
        f"{c.get('outages', 0)} outage(s); seen in the {observed}</p>",
    ]
    if rows:
        html.append(
            "<table><tr><th>start</th><th>outcome</th><th>session</th><th>evidence</th></tr>"
            f"{rows}</table>"
        )
    if outages:
        html.append(
            "<table><tr><th>lost</th><th>restored</th><th>duration</th><th>cause</th>"
            f"<th>evidence</th></tr>{outages}</table>"
        )
    return "\n".join(html)


def _nodes_html(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{escape(n.name)}</td><td>{escape('/'.join(n.roles))}</td>"
        f"<td>{escape(n.version or '')}</td><td>{len(n.restarts)}</td>"
        f'<td class="ev">{escape(n.source)}</td></tr>'
        for n in report.nodes
    )
    return (
        "<table><tr><th>node</th><th>roles</th><th>version</th><th>restarts</th>"
        f"<th>file</th></tr>{rows}</table>"
    )


#: Tick spacings in seconds, from 100 ms to a week.
_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
          7200, 10800, 21600, 43200, 86400, 172800, 604800)  # fmt: skip


def _ticks(start: datetime, end: datetime, *, most: int = 8) -> list[datetime]:
    """Round-valued tick times between ``start`` and ``end``, at most ``most`` of them."""
    span = max((end - start).total_seconds(), 0.001)
    step = next((s for s in _STEPS if span / s <= most), _STEPS[-1])
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (start - midnight).total_seconds()
    first = -(-offset // step) * step  # ceil to a multiple of step
    ticks = []
    value = first
    while value <= offset + span + 1e-9:
        ticks.append(midnight + timedelta(seconds=value))
        value += step
    return ticks


def _tick_label(moment: datetime, span: float) -> str:
    if span >= 86400:
        return moment.strftime("%m-%d %H:%M")
    if span < 5:
        return moment.strftime("%H:%M:%S.%f")[:-5]
    return moment.strftime("%H:%M:%S")


def _folder(report: Report) -> str:
    strip = common_folder(report.files)
    return f"in {strip}" if strip else ""
