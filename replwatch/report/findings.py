"""Findings: the rules that turn what happened into why, and what to change.

Each rule is a small function (in :mod:`~replwatch.report.rules_link` and
:mod:`~replwatch.report.rules_topology`) that reads the nodes, the links and the
notable lines, and returns findings carrying a plain explanation, the setting to
look at and the lines that prove it. :data:`RULES` lists them in the order they
are run; :func:`find_all` runs them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.report.context import Context, Rule
from replwatch.report.model import Failover, Finding, LinkReport, NodeInfo
from replwatch.report.notables import Notables
from replwatch.report.rules_failover import failovers
from replwatch.report.rules_link import (
    auth_failures,
    backlog_too_small,
    never_connected,
    output_buffer,
    timeouts,
    transfer_failures,
)
from replwatch.report.rules_topology import outages, restarts, role_changes

RULES: tuple[Rule, ...] = (
    auth_failures,
    never_connected,
    backlog_too_small,
    output_buffer,
    timeouts,
    failovers,
    role_changes,
    restarts,
    outages,
    transfer_failures,
)


def find_all(
    *,
    nodes: Sequence[NodeInfo],
    links: Sequence[LinkReport],
    notables: Notables,
    failovers: Sequence[Failover] = (),
) -> list[Finding]:
    """Every rule's findings, oldest first."""
    ctx = Context(nodes, links, notables, failovers)
    found = [finding for rule in RULES for finding in rule(ctx)]
    return sorted(found, key=lambda f: (f.ts or "", f.code, f.node or ""))
