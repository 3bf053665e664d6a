"""Fixtures shared by the timeline tests."""

from __future__ import annotations

import pytest

from tests.report import events_helpers


@pytest.fixture(autouse=True)
def _fresh_line_numbers() -> None:
    """Each test numbers its hand-built lines from 1 again."""
    events_helpers._lines.clear()
