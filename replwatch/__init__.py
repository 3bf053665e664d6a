"""replwatch: see what Redis and Valkey replication is doing, live and after the fact.

The data flows one way::

    log file -> tailer -> parser (grammars/) -> Event -> timeline <- poller <- INFO replication

and the timeline feeds the outputs: ``parse``, ``tail``, ``status``, ``report``, ``tui``.
"""

from __future__ import annotations

__version__ = "0.1.0"
