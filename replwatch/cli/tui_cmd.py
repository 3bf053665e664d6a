"""``replwatch tui``, ``replwatch demo`` and ``replwatch replay``: the live dashboard.

Thin click commands: each builds its data source (the poller and tailer, a lab,
or a recording) and runs the Textual app from :mod:`replwatch.tui`, which is only
imported here, when one of these commands runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click

from replwatch.cli.connection_options import ConnectionConfig, connection_options, interval_option
from replwatch.cli.errors import Command, ExitCode, fail, warn
from replwatch.cli.source_options import source_options
from replwatch.follow.command import CommandSpec


def _require_terminal(command: str) -> None:
    """Refuse to start the dashboard without a terminal to draw on and read keys from.

    Without one Textual cannot be quit and spins; a script wants ``status --watch``
    or ``tail`` instead. ``TEXTUAL_DRIVER`` (headless, web) is an explicit choice of
    another driver and is respected.
    """
    if "TEXTUAL_DRIVER" in os.environ:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(
            f"`replwatch {command}` draws a dashboard and needs a terminal (standard input "
            "and output are not one); in scripts use `replwatch status --watch` or "
            "`replwatch tail`"
        )


#: The seed's ports: master 10000, replicas 10001 and 10002.
DEMO_PORTS = (10000, 10001, 10002)
DEMO_PASSWORD = "foobared"


@click.command(cls=Command)
@connection_options
@interval_option
@click.option(
    "--logs",
    "logs",
    multiple=True,
    metavar="[HOST:PORT=]PATH",
    help="A log file to tail (repeatable); HOST:PORT= says whose it is and overrides the "
    "path the server reports. Local servers' logs are found by themselves.",
)
@click.option(
    "--no-discover",
    is_flag=True,
    help="Do not ask local servers where their log is (CONFIG GET logfile/dir).",
)
@click.option(
    "--record",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every poll snapshot and log event of the session to FILE (JSON Lines).",
)
@source_options
def tui(
    *,
    connection: ConnectionConfig,
    commands: tuple[CommandSpec, ...],
    interval: float,
    logs: tuple[str, ...],
    no_discover: bool,
    record: Path | None,
) -> None:
    """The live dashboard: topology, links, lag history and merged events.

    Polls INFO replication of the nodes given (as `status` does) and tails their
    logs (found by the servers themselves, --logs files, and --exec/--docker/
    --kubectl/--journal commands). Keys: enter node details, f filter, / search,
    p pause the feed, ? help, q quit.
    """
    _require_terminal("tui")
    from replwatch.follow.sources import parse_log_option
    from replwatch.recording import RecordingHeader, RecordingWriter
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.live import LiveSettings, LiveSource

    settings = LiveSettings(
        targets=connection.targets,
        credentials=connection.credentials,
        tls=connection.tls,
        poll=connection.poll_settings(),
        interval=interval,
        logs=tuple(parse_log_option(value) for value in logs),
        discover_logs=not no_discover,
        commands=commands,
        follow=connection.follow,
        sentinels=connection.sentinels,
        sentinel_credentials=connection.sentinel_credentials,
        master_name=connection.master_name,
    )
    recorder = None
    if record is not None:
        header = RecordingHeader(
            started=datetime.now().isoformat(timespec="milliseconds"),
            interval=interval,
            nodes=tuple(target.key for target in connection.targets),
        )
        try:
            recorder = RecordingWriter.create(record, header)
        except OSError as exc:
            fail(f"cannot write {record}: {exc.strerror or exc}")
    try:
        DashboardApp(LiveSource(settings, recorder=recorder)).run()
    finally:
        if recorder is not None:
            recorder.close()


@click.command(cls=Command)
@click.option(
    "--dir",
    "lab_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Lab directory (default: a temporary one, removed on exit).",
)
@click.option("--server", metavar="PATH", help="redis-server / valkey-server to run.")
@click.option(
    "--protect-replicas",
    is_flag=True,
    help="Give the replicas the master's password too (requirepass on every node).",
)
@click.option(
    "--ports",
    "ports_text",
    metavar="PORTS",
    help="Master first, like `lab up` (default 10000-10002, or free ports if taken).",
)
@click.option(
    "--data",
    "data_text",
    default="100MB",
    show_default=True,
    metavar="SIZE",
    help="Written into the master before the replicas join; its saves are slowed "
    "to about 3 s, so that a full sync can be watched (0: none, full speed).",
)
@click.option(
    "--diskless",
    is_flag=True,
    help="Diskless sync (the RDB streamed to the socket); the default is disk-based, "
    "whose progress bar shows bytes.",
)
@interval_option
def demo(
    *,
    lab_dir: Path | None,
    server: str | None,
    protect_replicas: bool,
    ports_text: str | None,
    data_text: str,
    diskless: bool,
    interval: float,
) -> None:
    """A master and two replicas of your own, live on the dashboard.

    Starts the seed's topology with the lab (master 10000 with a password,
    replicas 10001 and 10002 with masterauth but no password of their own, so
    the dashboard marks them "no password"; other free ports when those are
    taken) and opens the dashboard on it with its logs. The master gets --data
    first and the replicas join once the dashboard is up, so their initial full
    sync plays on screen. Keys: 1/2/3 stop or start a node, k kill the master, w
    write on the master, plus the dashboard's keys. Every server it started is
    stopped on exit.
    """
    from replwatch.cli.lab_cmd import parse_ports
    from replwatch.lab.populate import parse_size, save_delay_us

    try:
        data = parse_size(data_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--data") from None
    chosen = parse_ports(ports_text) if ports_text is not None else None
    if chosen is not None and len(chosen) < 2:
        raise click.BadParameter("a master and at least one replica", param_hint="--ports")
    _require_terminal("demo")
    from replwatch.lab import Lab, LabError, find_server, free_ports, port_in_use
    from replwatch.lab.populate import fill
    from replwatch.poll.addresses import Address
    from replwatch.poll.auth import Credentials
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.demo import DemoSource
    from replwatch.tui.live import LiveSettings

    try:
        binary = find_server(server)
    except LabError as exc:
        fail(str(exc))
    if chosen is not None:
        ports = chosen
        busy = [port for port in ports if port_in_use(port)]
        if busy:
            fail(f"port(s) {', '.join(map(str, busy))} already in use on 127.0.0.1")
    else:
        ports = list(DEMO_PORTS)
        if any(port_in_use(port) for port in ports):
            ports = free_ports(3)
    # The signal guard covers lab.up() too: a SIGTERM while the servers start must
    # still reach the `finally` that stops them.
    with tempfile.TemporaryDirectory(prefix="replwatch-demo-") as tmp, _exit_on_signals():
        lab = Lab(
            lab_dir or Path(tmp) / "lab",
            ports,
            password=DEMO_PASSWORD,
            server=binary,
            protect_replicas=protect_replicas,
            config={"repl-diskless-sync": "yes" if diskless else "no"},
            node_config={0: {"rdb-key-save-delay": str(save_delay_us(data))}} if data else None,
        )
        click.echo(f"starting {binary.product} {binary.version} on ports {ports} in {lab.dir} …")
        joining: list[int] = []
        try:
            try:
                # With data, the replicas start later: their first full sync is on screen.
                lab.up(only=[lab.master_port] if data else None)
                if data:
                    joining = list(lab.replica_ports)
                    mb = data / (1 << 20)
                    click.echo(f"writing {mb:.0f} MB into the master {lab.master_port} …")
                    fill(lab.client(lab.master_port, timeout=30), data)
            except LabError as exc:
                fail(str(exc))
            settings = LiveSettings(
                targets=[Address("127.0.0.1", port) for port in ports],
                credentials=Credentials(password=DEMO_PASSWORD, source="demo"),
                interval=interval,
                start="start",
            )
            DashboardApp(DemoSource(lab, settings, joining=joining)).run()
        finally:
            click.echo("stopping the demo servers …")
            lab.down(purge=lab_dir is None)
            click.echo("demo servers stopped")


@contextlib.contextmanager
def _exit_on_signals() -> Iterator[None]:
    """Turn SIGTERM / SIGHUP (a closed terminal) into an exit that runs ``finally``
    blocks, so the demo's servers are stopped however it ends. (Once the dashboard
    runs, it handles these signals itself and quits cleanly.)"""

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command(cls=Command)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--speed", type=float, default=1.0, show_default=True, help="Playback speed.")
@click.option("--paused", is_flag=True, help="Start paused (space plays, n steps).")
def replay(file: Path, *, speed: float, paused: bool) -> None:
    """Play back a recording made with `replwatch tui --record FILE`, no server needed.

    Keys: space play/pause, n next poll, + / - speed, g jump to a time, q quit.
    """
    from replwatch.recording import RecordingError, load_recording

    if speed <= 0:
        fail("--speed must be above 0", ExitCode.USAGE)
    try:
        recording = load_recording(file)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except RecordingError as exc:
        fail(f"{file}: {exc}")
    if recording.skipped:
        warn(f"{file}: skipped {recording.skipped} line(s) that are not records replay can show")
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.replay import ReplaySource

    _require_terminal("replay")
    DashboardApp(ReplaySource(recording, speed=speed, paused=paused)).run()
