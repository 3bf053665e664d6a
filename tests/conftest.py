"""Shared fixtures: real Redis/Valkey servers started by ``replwatch.lab``.

How a test module uses them (no mocks: these are real servers on free loopback ports,
in ``tmp_path``, stopped and purged afterwards even when the test fails)::

    def test_sees_replicas(seed_lab):            # runs twice: [redis] and [valkey]
        assert seed_lab.status()[1].link == "up"  # master + 2 replicas, password "foobared"
        seed_lab.log_path(seed_lab.master_port)   # the master's real log file

    def test_two_nodes(lab_factory, server_kind):  # server_kind: "redis" / "valkey" params
        lab = lab_factory(2, password="pw", config={"repl-backlog-size": "16kb"})
        lab.kill(lab.master_port)

    def test_valkey_only(lab_factory):           # no server_kind requested: one run,
        lab = lab_factory(server_kind="valkey")  # bundled valkey unless told otherwise

``lab_factory(n_nodes=3, *, password=None, server_kind=None, up=True, **lab_kwargs)``
passes ``lab_kwargs`` to :class:`replwatch.lab.Lab` (``replica_password``, ``config``,
``node_config``) and, unless ``up=False``, starts the lab; ``server_binary`` gives the
:class:`~replwatch.lab.ServerBinary` of the current ``server_kind``.

A missing server skips the test with an install hint, unless ``REPLWATCH_REQUIRE_SERVERS``
(comma list, e.g. ``redis,valkey``) names it: then the test fails. Tests using these
fixtures get the ``server`` marker automatically (``pytest -m "not server"`` skips them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from replwatch.lab import Lab, LabError, ServerBinary, free_ports, server_of_kind
from replwatch.lab.sentinel import SentinelGroup

#: Tests against self-built old servers are collected only when asked for
#: (tests/old_servers/servers.py): the default suite neither runs nor skips them.
collect_ignore = [] if os.environ.get("REPLWATCH_OLD_SERVERS_DIR") else ["old_servers"]

SERVER_KINDS = ("redis", "valkey")
SERVER_FIXTURES = {"server_kind", "server_binary", "lab_factory", "seed_lab"}

LabFactory = Callable[..., Lab]


def required_servers() -> set[str]:
    """The server kinds named by ``REPLWATCH_REQUIRE_SERVERS`` (missing ones fail tests)."""
    names = os.environ.get("REPLWATCH_REQUIRE_SERVERS", "")
    return {name.strip().lower() for name in names.split(",") if name.strip()}


def require_server(kind: str) -> ServerBinary:
    """The server of ``kind``, or skip (fail when required) with the install hint."""
    try:
        return server_of_kind(kind)
    except LabError as exc:
        if kind in required_servers():
            pytest.fail(f"{exc} (required by REPLWATCH_REQUIRE_SERVERS)", pytrace=False)
        pytest.skip(str(exc))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(autouse=True)
def _no_user_grammars(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the user grammar directory at an empty one: a developer's own
    ``~/.config/replwatch/grammars`` must not change what the tests see."""
    monkeypatch.setenv("REPLWATCH_GRAMMAR_DIR", str(tmp_path_factory.mktemp("user-grammars")))


@pytest.fixture(params=SERVER_KINDS)
def server_kind(request: pytest.FixtureRequest) -> str:
    """ "redis" (Debian's redis-server on PATH) or "valkey" (the bundled valkey-server)."""
    return request.param


@pytest.fixture
def server_binary(server_kind: str) -> ServerBinary:
    """The binary of the current ``server_kind`` (skips or fails when it is missing)."""
    return require_server(server_kind)


@pytest.fixture
def lab_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabFactory]:
    """Make labs on free ports in ``tmp_path``; every one is torn down and purged."""
    labs: list[Lab] = []

    def make(
        n_nodes: int = 3,
        *,
        password: str | None = None,
        server_kind: str | None = None,
        up: bool = True,
        **lab_kwargs: object,
    ) -> Lab:
        if server_kind is None:
            wants_param = "server_kind" in request.fixturenames
            server_kind = request.getfixturevalue("server_kind") if wants_param else "valkey"
        server = require_server(server_kind)
        lab = Lab(
            tmp_path / f"lab{len(labs)}",
            free_ports(n_nodes),
            password=password,
            server=server,
            **lab_kwargs,  # type: ignore[arg-type]
        )
        labs.append(lab)
        if up:
            lab.up()
        return lab

    yield make
    errors = []
    for lab in labs:
        try:
            lab.down(purge=True)
        except Exception as exc:  # keep tearing the others down
            errors.append(exc)
    if errors:
        raise errors[0]


@pytest.fixture
def seed_lab(lab_factory: LabFactory, server_kind: str) -> Lab:
    """The seed's topology: a master and two replicas, password "foobared", both servers."""
    return lab_factory(3, password="foobared", server_kind=server_kind)


@pytest.fixture
def sentinels_for() -> Iterator[Callable[[Lab], SentinelGroup]]:
    """Make Sentinel groups for a lab; every one is stopped (and purged) afterwards."""
    groups: list[SentinelGroup] = []

    def make(lab: Lab) -> SentinelGroup:
        ports = [p for p in free_ports(3 + len(lab.ports)) if p not in lab.ports][:3]
        group = SentinelGroup(lab, ports)
        groups.append(group)
        group.up()
        return group

    yield make
    for group in groups:
        group.down(purge=True)
