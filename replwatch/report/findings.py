"""Findings: the rules that turn what happened into why, and what to change.

Each rule is a small function (in :mod:`~replwatch.report.rules_link` and
:mod:`~replwatch.report.rules_topology`) that reads the nodes, the links and the
notable lines, and returns findings carrying a plain explanation, the setting to
look at and the lines that prove it. :data:`RULES` lists them in the order they
are run; :func:`find_all` runs them all and orders the findings by how likely each
caused the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from replwatch.report.backlog import BacklogGaps
from replwatch.report.context import Context, Rule
from replwatch.report.model import Failover, Finding, LinkReport, NodeInfo
from replwatch.report.notables import Notables
from replwatch.report.persistence import PersistenceScanner
from replwatch.report.ranking import ranked
from replwatch.report.rules_auth import auth_failures
from replwatch.report.rules_disk import replica_rdb, save_failures
from replwatch.report.rules_failover import failovers
from replwatch.report.rules_link import (
    backlog_too_small,
    never_connected,
    output_buffer,
    timeouts,
    transfer_failures,
)
from replwatch.report.rules_sentinel import sentinel_checks
from replwatch.report.rules_topology import outages, restarts, role_changes, unnamed_losses
from replwatch.report.sentinel_scan import SentinelScanner

RULES: tuple[Rule, ...] = (
    auth_failures,
    replica_rdb,
    save_failures,
    never_connected,
    backlog_too_small,
    output_buffer,
    timeouts,
    sentinel_checks,
    failovers,
    role_changes,
    restarts,
    outages,
    unnamed_losses,
    transfer_failures,
)


def find_all(
    *,
    nodes: Sequence[NodeInfo],
    links: Sequence[LinkReport],
    notables: Notables,
    failovers: Sequence[Failover] = (),
    persistence: PersistenceScanner | None = None,
    backlog: BacklogGaps | None = None,
    sentinels: SentinelScanner | None = None,
) -> list[Finding]:
    """Every rule's findings, the most likely cause first (see
    :mod:`~replwatch.report.ranking`)."""
    ctx = Context(
        nodes,
        links,
        notables,
        failovers,
        persistence or PersistenceScanner(),
        backlog or BacklogGaps(),
        sentinels or SentinelScanner(),
    )
    return ranked(finding for rule in RULES for finding in rule(ctx))
