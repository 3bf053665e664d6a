"""The one exception the lab raises.

Every failure a user can cause or meet (a busy port, a missing binary, a server that
dies at start-up) becomes a :class:`LabError` with a one-line message that says what
happened and what to do, so the CLI can print it without a traceback.
"""

from __future__ import annotations


class LabError(Exception):
    """A lab operation failed; ``str(error)`` is a one-line, user-facing message."""
