"""Render the latest poll round and the counters as Prometheus metric families.

A custom collector (prometheus-client calls :meth:`ExportCollector.collect` on each
scrape) rather than long-lived Gauge objects: the page is built from one
consistent :class:`~replwatch.export.counters.ExportView`, series of a node or link
that is gone simply stop appearing, and a scrape costs no I/O at all -- the
poller runs in its own thread.

Labels hold addresses, roles, products, versions and fixed words only: never an
error text (which could quote a server's reply) and never a credential.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from replwatch.export.counters import ExportState, ExportView
from replwatch.topology.snapshot import LINK_UP, NodeState
from replwatch.topology.split_brain import split_brains

#: ``replwatch_node_up``'s ``reason`` label: a fixed set, whatever a server says.
REASONS = ("", "pending", "unreachable", "timeout", "noauth", "wrongpass", "noperm", "other")

#: Every metric name ``/metrics`` serves (the dashboard test checks its exprs against it).
METRIC_NAMES = (
    "replwatch_node_up",
    "replwatch_node_info",
    "replwatch_link_up",
    "replwatch_link_lag_bytes",
    "replwatch_link_lag_seconds",
    "replwatch_link_backlog_headroom_bytes",
    "replwatch_link_down_seconds",
    "replwatch_link_flaps_total",
    "replwatch_split_brain",
    "replwatch_syncs_total",
    "replwatch_log_events_total",
    "replwatch_poll_duration_seconds",
    "replwatch_poll_rounds_total",
    "replwatch_scrape_errors_total",
)


def down_reason(node: NodeState) -> str:
    """Why ``node`` is not up, as one of :data:`REASONS` (``""`` when it is)."""
    if node.ok:
        return ""
    if node.auth_problem is not None:
        return node.auth_problem
    return node.status if node.status in ("unreachable", "timeout") else "other"


class ExportCollector(Collector):
    """Turns :class:`ExportState` into metric families at scrape time."""

    def __init__(self, state: ExportState, targets: Sequence[str]) -> None:
        self.state = state
        self.targets = tuple(targets)

    def collect(self) -> Iterator[Metric]:
        view = self.state.view()
        try:
            families = list(self._families(view))
        except Exception:  # a bug must cost one page's series, not the endpoint
            self.state.scrape_failed()
            view = self.state.view()
            families = []
        yield from families
        errors = CounterMetricFamily(
            "replwatch_scrape_errors",
            "Scrapes whose replwatch series could not be rendered (a bug: please report).",
        )
        errors.add_metric([], view.scrape_errors)
        yield errors

    def _families(self, view: ExportView) -> Iterator[Metric]:
        yield from self._node_families(view)
        yield from self._link_families(view)
        yield self._split_brain_family(view)
        yield from self._counter_families(view)

    def _node_families(self, view: ExportView) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "replwatch_node_up",
            "1 when the node answered the last poll round; reason says why not.",
            labels=["node", "reason"],
        )
        info = GaugeMetricFamily(
            "replwatch_node_info",
            "Always 1: the node's role, product and version as last polled.",
            labels=["node", "role", "product", "version"],
        )
        if view.snapshot is None:
            for target in self.targets:
                up.add_metric([target, "pending"], 0)
        else:
            for node in view.snapshot.nodes:
                up.add_metric([node.address, down_reason(node)], 1 if node.ok else 0)
                if node.ok:
                    product = node.server.server_name if node.server else ""
                    info.add_metric(
                        [node.address, node.role or "", product or "", node.version or ""], 1
                    )
        yield up
        yield info

    def _link_families(self, view: ExportView) -> Iterator[Metric]:
        labels = ["master", "replica"]
        up = GaugeMetricFamily(
            "replwatch_link_up",
            "1 when the master->replica link is up (0: down or syncing).",
            labels=labels,
        )
        lag_b = GaugeMetricFamily(
            "replwatch_link_lag_bytes", "Master offset minus replica offset.", labels=labels
        )
        lag_s = GaugeMetricFamily(
            "replwatch_link_lag_seconds",
            "Seconds since the replica's last ACK (or last I/O from its master).",
            labels=labels,
        )
        headroom = GaugeMetricFamily(
            "replwatch_link_backlog_headroom_bytes",
            "Bytes the replica may still fall behind and reconnect with a partial resync.",
            labels=labels,
        )
        down = GaugeMetricFamily(
            "replwatch_link_down_seconds",
            "How long the replica says its link is down (master_link_down_since_seconds).",
            labels=labels,
        )
        links = view.snapshot.links if view.snapshot is not None else ()
        for link in links:
            values = [link.master, link.replica]
            up.add_metric(values, 1 if link.state == LINK_UP else 0)
            if link.lag_bytes is not None:
                lag_b.add_metric(values, link.lag_bytes)
            if link.lag_seconds is not None:
                lag_s.add_metric(values, link.lag_seconds)
            if link.backlog_headroom is not None:
                headroom.add_metric(values, link.backlog_headroom)
            if link.down_seconds is not None:
                down.add_metric(values, link.down_seconds)
        yield from (up, lag_b, lag_s, headroom, down)

    def _split_brain_family(self, view: ExportView) -> Metric:
        """One series per master name the Sentinels give, and ``name=""`` for the
        masters no Sentinel names: 1 while polled masters there are one data set."""
        brain = GaugeMetricFamily(
            "replwatch_split_brain",
            "1 when two polled masters are one data set (a replica both claim, one "
            "Sentinel name, one replication history); name: the Sentinels' master name.",
            labels=["name"],
        )
        if view.snapshot is None:
            return brain
        names = {
            master.name
            for node in view.snapshot.nodes
            if node.sentinel is not None
            for master in node.sentinel.masters
        }
        split = {found.name or "" for found in split_brains(view.snapshot)}
        for name in sorted(names | {""}):
            brain.add_metric([name], 1 if name in split else 0)
        return brain

    def _counter_families(self, view: ExportView) -> Iterator[Metric]:
        flaps = CounterMetricFamily(
            "replwatch_link_flaps",
            "Times the link was lost (from the replica's log when followed, else the poller).",
            labels=["master", "replica"],
        )
        for (master, replica), count in sorted(view.flaps.items()):
            flaps.add_metric([master, replica], count)
        syncs = CounterMetricFamily(
            "replwatch_syncs",
            "Syncs the replica's log reports, by type (full/partial) and outcome (ok/failed).",
            labels=["replica", "type", "outcome"],
        )
        for (replica, kind, outcome), count in sorted(view.syncs.items()):
            syncs.add_metric([replica, kind, outcome], count)
        events = CounterMetricFamily(
            "replwatch_log_events",
            "Log lines read since export started, by node and event kind.",
            labels=["node", "kind"],
        )
        for (node, kind), count in sorted(view.log_events.items()):
            events.add_metric([node, kind], count)
        duration = GaugeMetricFamily(
            "replwatch_poll_duration_seconds", "Wall time of the last poll round."
        )
        if view.poll_duration is not None:
            duration.add_metric([], view.poll_duration)
        rounds = CounterMetricFamily("replwatch_poll_rounds", "Poll rounds completed.")
        rounds.add_metric([], view.rounds)
        yield from (flaps, syncs, events, duration, rounds)
