"""The findings panel: what the report's rules make of the logs read so far.

Each finding is one line (most likely cause first, as in ``replwatch report``):
its title and the log line that shows it. While the panel has the focus, the
highlighted finding's explanation, the setting to change and every evidence line
show underneath; ``enter`` asks the screen to show its evidence event in the feed
(again: the next evidence line). The findings come from
:func:`replwatch.report.diagnose`, run by the screen off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from replwatch.report.model import Finding, common_folder, evidence_text

#: How each severity is marked at the start of a finding's line.
SEVERITY_MARK = {"warning": ("▲", "bold yellow"), "info": ("●", "cyan")}


def finding_key(finding: Finding) -> tuple[str, str, str]:
    """What stays the same while a finding's counts grow: the highlight follows it."""
    return (finding.code, finding.node or "", finding.ts or "")


def where(source: str, line: int) -> str:
    """``10001.log:23``: an evidence line, by its file's name."""
    return f"{source.rsplit('/', 1)[-1]}:{line}"


def finding_line(finding: Finding) -> Table:
    """One finding as the panel lists it, on one line: mark, title (cut short with
    an ellipsis when the panel is narrow) and, always in full, its first evidence line."""
    mark, style = SEVERITY_MARK.get(finding.severity, ("●", ""))
    grid = Table.grid(expand=True, padding=(0, 0, 0, 2))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    title = Text.assemble((f"{mark} ", style), finding.title)
    grid.add_row(title, Text(where(*finding.evidence[0]) if finding.evidence else "", "dim"))
    return grid


def finding_detail(finding: Finding) -> Text:
    """The highlighted finding in full: why, what to change, which lines show it."""
    text = Text()
    text.append(finding.explanation)
    change = finding.fix or (f"look at `{finding.setting}`" if finding.setting else None)
    if change:
        text.append("\nchange: ", "bold")
        text.append(change)
    if finding.evidence:
        files = [source for source, _ in finding.evidence]
        text.append("\nevidence: ", "bold")
        text.append(evidence_text(finding.evidence, strip=common_folder(files)))
        text.append("  (enter: show in the feed)", "dim")
    return text


class FindingsPanel(Vertical):
    """The parent sets ``findings``; the panel shows itself once there are some (or
    when :meth:`open` is called, as the ``d`` key does)."""

    findings: reactive[tuple[Finding, ...]] = reactive(tuple)
    #: what the panel says while it has no finding to show
    empty_text: reactive[str] = reactive("no findings yet")

    @dataclass
    class EvidenceChosen(Message):
        """The user chose a finding: show its evidence line ``source:line`` in the feed."""

        finding: Finding
        source: str
        line: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._opened = False
        #: finding key -> which of its evidence lines enter shows next
        self._next_evidence: dict[tuple[str, str, str], int] = {}

    def compose(self) -> ComposeResult:
        yield OptionList(id="findings-list")
        yield Static("", id="findings-detail")

    def on_mount(self) -> None:
        self._refresh()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#findings-list", OptionList)

    def open(self) -> None:
        """Show the panel even without findings, and focus it."""
        self._opened = True
        self._refresh_display()
        self.option_list.focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._opened = False
        self._refresh_display()

    # -- reactives -------------------------------------------------------------------
    def watch_findings(self) -> None:
        self._refresh()

    def watch_empty_text(self) -> None:
        if not self.findings:
            self._show_detail()

    def _refresh(self) -> None:
        if not self.is_mounted:
            return
        options = self.option_list
        highlighted = self.highlighted_finding
        keep = finding_key(highlighted) if highlighted is not None else None
        options.clear_options()
        options.add_options(Option(finding_line(f), id=str(i)) for i, f in enumerate(self.findings))
        keys = [finding_key(f) for f in self.findings]
        if self.findings:
            options.highlighted = keys.index(keep) if keep in keys else 0
        wanted = set(keys)
        self._next_evidence = {k: v for k, v in self._next_evidence.items() if k in wanted}
        warnings = sum(f.severity == "warning" for f in self.findings)
        plural = "s" if warnings != 1 else ""
        self.border_title = "findings (d)" + (
            f" · {len(self.findings)}, {warnings} warning{plural}" if self.findings else ""
        )
        self._show_detail()
        self._refresh_display()

    def _refresh_display(self) -> None:
        self.display = bool(self.findings) or self._opened

    @property
    def highlighted_finding(self) -> Finding | None:
        if not self.is_mounted:
            return None
        index = self.option_list.highlighted
        if index is None or not 0 <= index < len(self.findings):
            return None
        return self.findings[index]

    def _show_detail(self) -> None:
        finding = self.highlighted_finding
        detail = self.query_one("#findings-detail", Static)
        detail.update(finding_detail(finding) if finding is not None else self.empty_text)

    # -- user input ------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        finding = self.highlighted_finding
        if finding is None or not finding.evidence:
            return
        key = finding_key(finding)
        index = self._next_evidence.get(key, 0) % len(finding.evidence)
        self._next_evidence[key] = index + 1
        source, line = finding.evidence[index]
        self.post_message(self.EvidenceChosen(finding, source, line))
