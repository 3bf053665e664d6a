"""Fixtures of the export tests: an in-process exporter on a free port, and Prometheus.

Debian's ``prometheus``/``promtool`` missing skips the tests that need them, with an
install hint, unless ``REPLWATCH_REQUIRE_PROMETHEUS=1`` (CI) makes that a failure,
as ``REPLWATCH_REQUIRE_SERVERS`` does for the servers (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from replwatch.export.app import Exporter, ExportSettings
from replwatch.lab import Lab
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials, TlsOptions
from replwatch.poll.rounds import PollSettings

ExporterFactory = Callable[..., Exporter]


def require_tool(name: str) -> str:
    """Path of ``name`` (prometheus / promtool), or skip (fail when required)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found (apt-get install prometheus)"
        if os.environ.get("REPLWATCH_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(f"{message} (required by REPLWATCH_REQUIRE_PROMETHEUS)", pytrace=False)
        pytest.skip(message)
    return path


def fetch(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def exporter_factory() -> Iterator[ExporterFactory]:
    """Start exporters on free ports for a lab; all are stopped afterwards."""
    started: list[Exporter] = []

    def make(
        lab: Lab, *, interval: float = 0.3, password: str | None = None, **kw: object
    ) -> Exporter:
        targets = kw.pop("targets", tuple(Address("127.0.0.1", port) for port in lab.ports))
        exporter = Exporter(
            ExportSettings(
                targets=targets,  # type: ignore[arg-type]
                credentials=Credentials(password=password, source="test")
                if password
                else Credentials(),
                tls=TlsOptions(),
                poll=PollSettings(connect_timeout=0.5, read_timeout=0.5),
                port=0,
                interval=interval,
                **kw,  # type: ignore[arg-type]
            )
        )
        started.append(exporter)
        exporter.start()
        return exporter

    yield make
    for exporter in started:
        exporter.stop()
