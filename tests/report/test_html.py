"""The HTML report: self-contained, and its timeline really renders in a browser."""

from __future__ import annotations

import re
from pathlib import Path

from replwatch.report import build_report
from replwatch.report.render_html import COLOURS, render_html

from .chromium import chromium_or_skip, count_colour, dump_dom, png_pixels, screenshot
from .test_report_unit import seed_like


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_html_is_self_contained_and_escaped() -> None:
    report = build_report(seed_like())
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    # no network: nothing is loaded from anywhere
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    bars = sum(len(link.intervals) for link in report.links)
    assert bars >= 4 and html.count('class="bar ') == bars  # one bar per state interval
    assert "10000 -&gt; 10001" in html


def test_timeline_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = chromium_or_skip()
    report = build_report(seed_like())
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    bars = sum(len(link.intervals) for link in report.links)

    dom = dump_dom(browser, page, tmp_path)
    assert f'data-rendered-bars="{bars}"' in dom  # the script saw every bar laid out
    assert '<svg id="timeline"' in dom

    _w, _h, rows = png_pixels(screenshot(browser, page, tmp_path, size="1100,700"))
    for state in ("up", "syncing", "down"):
        assert count_colour(rows, _rgb(COLOURS[state])) > 100, f"no {state} bar on screen"


def test_seed_recording_timeline_renders(tmp_path: Path) -> None:
    """The real seed logs: two links, the master outage drawn red, restarts marked."""
    browser = chromium_or_skip()
    from .test_sample_logs import SERVERS, analyse, recording

    if not SERVERS:
        import pytest

        pytest.skip("no sample_logs")
    report = analyse(recording(SERVERS[0], "seed"))
    page = tmp_path / "seed.html"
    html = render_html(report)
    page.write_text(html, encoding="utf-8")
    assert html.count('class="restart"') >= 2  # master 10000 and replica 10002
    bars = sum(len(link.intervals) for link in report.links)
    dom = dump_dom(browser, page, tmp_path)
    assert f'data-rendered-bars="{bars}"' in dom
    _w, _h, rows = png_pixels(screenshot(browser, page, tmp_path, size="1100,700"))
    timeline_rows = rows[100:700]  # the link rows under the heading, summary and legend
    assert count_colour(timeline_rows, _rgb(COLOURS["down"])) > 1000  # ~4 s of 7 s outage
    assert count_colour(timeline_rows, _rgb(COLOURS["up"])) > 1000
