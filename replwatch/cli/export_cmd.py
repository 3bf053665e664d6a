"""``replwatch export``: serve the poller's view and the logs' counts to Prometheus.

Thin: parses ``--listen`` and ``--logs``, builds an
:class:`~replwatch.export.app.Exporter` and serves until Ctrl-C or SIGTERM.
prometheus-client is imported only when this command runs.
"""

from __future__ import annotations

import signal
import sys

import click

from replwatch.cli.connection_options import ConnectionConfig, connection_options, interval_option
from replwatch.cli.errors import Command, ExitCode, fail

DEFAULT_LISTEN = "127.0.0.1:9121"


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[V6]:PORT`` -> (host, port); a bare ``:PORT`` means 127.0.0.1."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint="--listen")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise click.BadParameter(
            f"write an IPv6 address as [{host}]:{port_text}", param_hint="--listen"
        )
    return host or "127.0.0.1", int(port_text)


@click.command(cls=Command)
@connection_options
@interval_option
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    metavar="HOST:PORT",
    help="Address to serve /metrics on (only this one; [::1]:PORT for IPv6).",
)
@click.option(
    "--logs",
    "logs",
    multiple=True,
    metavar="auto|none|[HOST:PORT=]PATH",
    help="auto (default): follow the logs local servers report; none: poll only; "
    "a PATH adds a log file (repeatable).",
)
def export(
    *, connection: ConnectionConfig, interval: float, listen: str, logs: tuple[str, ...]
) -> None:
    """Serve Prometheus metrics: nodes, links, lag, headroom, flaps and syncs.

    Polls the nodes every --interval seconds in the background and serves the
    latest round on http://HOST:PORT/metrics (a scrape never waits on a node),
    with counters from the nodes' logs: log events by kind, link flaps, full and
    partial syncs.

    \b
    Exit codes:
      0  stopped with SIGTERM
      1  the --listen address cannot be bound (in use, not this machine's)
      3  usage error
    """
    from replwatch.export.app import Exporter, ExportSettings
    from replwatch.follow.sources import parse_log_option

    host, port = parse_listen(listen)
    words = {value.lower() for value in logs}
    if "none" in words and len(logs) > 1:
        raise click.UsageError("--logs none goes alone")
    files = tuple(parse_log_option(v) for v in logs if v.lower() not in ("auto", "none"))
    settings = ExportSettings(
        targets=connection.targets,
        credentials=connection.credentials,
        tls=connection.tls,
        poll=connection.poll_settings(),
        host=host,
        port=port,
        interval=interval,
        logs="none" not in words,
        discover_logs="auto" in words or not logs,
        log_files=files,
        follow=connection.follow,
        sentinels=connection.sentinels,
        sentinel_credentials=connection.sentinel_credentials,
        master_name=connection.master_name,
    )
    try:
        exporter = Exporter(settings)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"cannot listen on {listen}: {reason}", ExitCode.FAILURE)
        return

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(ExitCode.OK)

    signal.signal(signal.SIGTERM, leave)
    exporter.start(serve_in_thread=False)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"replwatch export: serving http://{shown}:{exporter.port}/metrics", err=True)
    try:
        exporter.serve_forever()
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    finally:
        exporter.server.server_close()
