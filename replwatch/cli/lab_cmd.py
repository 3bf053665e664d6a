"""``replwatch lab``: start, break and inspect a local master with replicas.

A thin layer over :class:`replwatch.lab.Lab`. Each invocation is stateless: ``up``
records the lab in ``DIR/lab.json`` and the other subcommands re-open it with the
same ``--dir``. The password reaches the servers through their 0600 config files and
is never printed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from replwatch.cli.errors import Command, Group, fail
from replwatch.lab import Lab, LabError, NodeStatus, find_server

DEFAULT_DIR = ".replwatch-lab"
F = TypeVar("F", bound=Callable[..., object])


def dir_option(func: F) -> F:
    """The ``--dir`` option every lab subcommand shares."""
    return click.option(
        "--dir",
        "lab_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get("REPLWATCH_LAB_DIR", DEFAULT_DIR),
        show_default=f"$REPLWATCH_LAB_DIR or ./{DEFAULT_DIR}",
        help="Directory holding the lab's configs, logs, pid files and data.",
    )(func)


def parse_ports(text: str) -> list[int]:
    """``10000-10002`` or ``10000,10001,10002`` -> ports; master first."""
    ports: list[int] = []
    try:
        for part in text.split(","):
            low, sep, high = part.strip().partition("-")
            first = int(low)
            ports.extend(range(first, int(high) + 1) if sep else [first])
    except ValueError:
        raise click.BadParameter(f"{text!r} is not like 10000-10002 or 10000,10001") from None
    if not ports or any(not 1 <= port <= 65535 for port in ports):
        raise click.BadParameter(f"{text!r} must name ports between 1 and 65535")
    if len(set(ports)) != len(ports):
        raise click.BadParameter(f"{text!r} names a port twice")
    return ports


def _load(lab_dir: Path) -> Lab:
    try:
        return Lab.load(lab_dir)
    except LabError as exc:
        fail(str(exc))  # exits
        raise


def _run(action: Callable[[], object]) -> None:
    try:
        action()
    except LabError as exc:
        fail(str(exc))


@click.group(cls=Group)
def lab() -> None:
    """A local master and replicas on 127.0.0.1, to watch replication happen."""


@lab.command(cls=Command)
@click.option("--ports", default="10000-10002", show_default=True, help="Master first.")
@click.option(
    "--password",
    envvar="REPLWATCH_LAB_PASSWORD",
    default=None,
    help=(
        "requirepass on the master, masterauth on every node, as in the seed: the "
        "replicas answer without a password (or $REPLWATCH_LAB_PASSWORD)."
    ),
)
@click.option(
    "--protect-replicas",
    is_flag=True,
    help="Put requirepass on the replicas too, so every node asks for the password.",
)
@click.option(
    "--server",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="redis-server or valkey-server binary [default: PATH, then the bundled valkey].",
)
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds.")
@dir_option
def up(
    ports: str,
    password: str | None,
    protect_replicas: bool,
    server: Path | None,
    timeout: float,
    lab_dir: Path,
) -> None:
    """Start a master on the first port and replicas of it on the others.

    With --password only the master asks for it (the seed's layout: replicas have
    masterauth but no requirepass, so `redis-cli -p 10001 get k` works without one);
    --protect-replicas makes the replicas ask too.
    """
    port_list = parse_ports(ports)
    try:
        the_lab = Lab(
            lab_dir,
            port_list,
            password=password,
            server=find_server(server),
            protect_replicas=protect_replicas,
        )
        the_lab.up(timeout)
    except LabError as exc:
        fail(str(exc))
        return
    binary = the_lab.server
    replicas = ", ".join(map(str, the_lab.replica_ports)) or "none"
    click.echo(
        f"{binary.product} {binary.version}: master 127.0.0.1:{the_lab.master_port}, "
        f"replicas {replicas}; logs in {the_lab.dir}"
    )


@lab.command(cls=Command)
@dir_option
def status(lab_dir: Path) -> None:
    """One line per node: port, role, pid, link status, replication offset."""
    the_lab = _load(lab_dir)
    click.echo(f"{'PORT':<7}{'ROLE':<9}{'PID':<9}{'LINK':<16}OFFSET")
    for row in the_lab.status():
        click.echo(format_row(row))


def format_row(row: NodeStatus) -> str:
    """A status table line; a stopped node says why it has no figures."""
    pid = str(row.pid) if row.pid is not None else "-"
    if not row.running:
        note = "stopped (stale pid file)" if row.stale_pidfile else "stopped"
        return f"{row.port:<7}{'-':<9}{pid:<9}{note}"
    if row.error is not None:
        return f"{row.port:<7}{'?':<9}{pid:<9}{row.error}"
    role = "replica" if row.role == "slave" else (row.role or "?")
    replicas = f"{row.connected_replicas or 0} replica(s)"
    link = replicas if row.role == "master" else (row.link or "-")
    offset = str(row.offset) if row.offset is not None else "-"
    return f"{row.port:<7}{role:<9}{pid:<9}{link:<16}{offset}"


@lab.command(cls=Command)
@click.argument("port", type=int)
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds.")
@dir_option
def stop(port: int, timeout: float, lab_dir: Path) -> None:
    """Stop one node cleanly (SIGTERM) and wait until it has exited."""
    the_lab = _load(lab_dir)
    _run(lambda: the_lab.stop(port, timeout=timeout))
    click.echo(f"stopped {port}")


@lab.command(cls=Command)
@click.argument("port", type=int)
@dir_option
def kill(port: int, lab_dir: Path) -> None:
    """SIGKILL one node, like a crash: no shutdown, no save."""
    the_lab = _load(lab_dir)
    _run(lambda: the_lab.kill(port))
    click.echo(f"killed {port}")


@lab.command(cls=Command)
@click.argument("port", type=int)
@click.option("--timeout", type=float, default=15.0, show_default=True, help="Seconds.")
@click.option(
    "--wait-link/--no-wait-link",
    default=True,
    show_default=True,
    help="For a replica, wait until its master link is up.",
)
@dir_option
def start(port: int, timeout: float, wait_link: bool, lab_dir: Path) -> None:
    """Start one stopped node again with its config."""
    the_lab = _load(lab_dir)
    _run(lambda: the_lab.start(port, timeout=timeout, wait_link=wait_link))
    click.echo(f"started {port}")


@lab.command(cls=Command)
@click.argument("key")
@click.argument("value")
@dir_option
def write(key: str, value: str, lab_dir: Path) -> None:
    """SET KEY VALUE on the master (with the lab's password)."""
    the_lab = _load(lab_dir)
    _run(lambda: the_lab.write(key, value))
    click.echo(f"wrote {key} on {the_lab.master_port}")


@lab.command(cls=Command)
@click.option("--purge", is_flag=True, help="Also delete the lab's configs, logs and data.")
@dir_option
def down(purge: bool, lab_dir: Path) -> None:
    """Stop every node of the lab."""
    the_lab = _load(lab_dir)
    _run(lambda: the_lab.down(purge=purge))
    click.echo("lab down" + (" and purged" if purge else ""))
