"""One running exporter: state, collector, registry, workers and HTTP server together.

Used by ``replwatch export`` and, in-process, by the tests and the bench, so that
both exercise exactly the same assembly.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.process_collector import ProcessCollector

from replwatch.export.collector import ExportCollector
from replwatch.export.counters import ExportState
from replwatch.export.http import make_server
from replwatch.export.workers import LogWorker, PollWorker
from replwatch.follow.sources import LogSource
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions
from replwatch.poll.rounds import PollSettings


@dataclass(frozen=True, slots=True)
class ExportSettings:
    """What to poll and where to listen."""

    targets: tuple[Address, ...]
    credentials: Credentials
    tls: TlsOptions
    poll: PollSettings
    host: str = "127.0.0.1"
    port: int = 9121
    interval: float = 1.0
    logs: bool = True  # follow log files at all
    discover_logs: bool = True  # ask local servers where they log
    log_files: Sequence[LogSource] = ()
    #: discovery, as for ``status`` (see :class:`replwatch.poll.rounds.Poller`)
    follow: bool = False
    sentinels: tuple[Address, ...] = ()
    sentinel_credentials: Credentials | None = None
    master_name: str | None = None


class Exporter:
    """Binds the port at construction (``OSError`` when taken), then :meth:`start`."""

    def __init__(self, settings: ExportSettings) -> None:
        self.settings = settings
        self.state = ExportState()
        nodes = [target.key for target in settings.targets]
        pending = [target.key for target in settings.sentinels] + nodes
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ExportCollector(self.state, pending))
        ProcessCollector(registry=self.registry)  # process_resident_memory_bytes & co.
        self.server = make_server(settings.host, settings.port, self.registry)
        self.log_worker = (
            LogWorker(
                self.state, nodes, overrides=settings.log_files, discover=settings.discover_logs
            )
            if settings.logs
            else None
        )
        self.poll_worker = PollWorker(
            self.state,
            settings.targets,
            credentials=settings.credentials,
            tls=settings.tls,
            settings=settings.poll,
            interval=settings.interval,
            follow=settings.follow,
            sentinels=settings.sentinels,
            sentinel_credentials=settings.sentinel_credentials,
            master_name=settings.master_name,
            on_snapshot=self.log_worker.on_snapshot if self.log_worker else None,
        )
        self._http_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self, *, serve_in_thread: bool = True) -> None:
        if self.log_worker is not None:
            self.log_worker.start()
        self.poll_worker.start()
        if serve_in_thread:
            self._http_thread = threading.Thread(
                target=self.server.serve_forever, name="replwatch-http", daemon=True
            )
            self._http_thread.start()

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        if self._http_thread is not None:
            self.server.shutdown()
        self.server.server_close()
        self.poll_worker.stop()
        if self.log_worker is not None:
            self.log_worker.stop()
