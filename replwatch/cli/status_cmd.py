"""``replwatch status``: one poll of the topology, as a table or JSON, for scripts and cron.

With ``--watch`` it keeps polling and prints the poll events as they happen.
The exit code says how healthy the topology is (see :class:`~replwatch.cli.errors.ExitCode`).
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import stat
import sys
from collections.abc import Iterable
from typing import Any

import click

from replwatch.cli.connection_options import ConnectionConfig, connection_options, interval_option
from replwatch.cli.errors import Command, ExitCode, fail, warn
from replwatch.events import Event
from replwatch.poll.cluster_reply import ClusterShard
from replwatch.poll.sentinel_reply import SentinelMaster
from replwatch.topology.diff import Problem, Thresholds, assess, diff, password_warnings
from replwatch.topology.snapshot import LinkState, NodeState, Snapshot


def exit_code(problems: Iterable[Problem]) -> ExitCode:
    """The worst problem decides: a node problem is 2, a link problem 1; a warning
    changes nothing."""
    severities = {problem.severity for problem in problems}
    if "node" in severities:
        return ExitCode.UNREACHABLE
    return ExitCode.DEGRADED if "link" in severities else ExitCode.OK


#: Authentication problem -> what to tell the user, in the order the hints are given.
_AUTH_HINTS: dict[str, str] = {
    "noauth": (
        "a password is required (NOAUTH); give it with the REDISCLI_AUTH "
        "environment variable, --askpass or -a PASSWORD"
    ),
    "wrongpass": (
        "the password was refused (WRONGPASS); check REDISCLI_AUTH, "
        "--askpass or -a, and --user for an ACL user"
    ),
    "noperm": (
        "the ACL user may not run INFO or ROLE (NOPERM); grant it +info +role +ping +config|get"
    ),
}


def auth_hints(snapshot: Snapshot) -> list[str]:
    """One line per kind of authentication trouble, naming the option to use."""
    by_problem: dict[str, list[str]] = {}
    for node in snapshot.nodes:
        if node.auth_problem is not None:
            by_problem.setdefault(node.auth_problem, []).append(node.address)
    return [
        f"{', '.join(by_problem[problem])}: {hint}"
        for problem, hint in _AUTH_HINTS.items()
        if problem in by_problem
    ]


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    if abs(value) < 1024:
        return f"{value} B"
    size = float(value)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if abs(size) < 1024 or unit == "TiB":
            break
    return f"{size:.1f} {unit}"


def _duration(seconds: float | None) -> str:
    """``42s``, ``5m3s``, ``2h5m``, ``3d4h``: two units are enough for an uptime."""
    if seconds is None:
        return "-"
    left = int(seconds)
    days, left = divmod(left, 86400)
    hours, left = divmod(left, 3600)
    minutes, secs = divmod(left, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return lines


def _node_row(node: NodeState) -> list[str]:
    server = node.server.product if node.server else "-"
    return [
        node.address,
        node.role or "-",
        node.status_text,
        server,
        _dash(node.offset),
        (node.replid or "-")[:8],
        _duration(node.uptime_seconds),
        _dash(node.failover_state if node.failover_state != "no-failover" else None),
    ]


def _link_detail(link: LinkState) -> str:
    if link.state == "syncing":
        if link.sync_total_bytes:
            done = link.sync_read_bytes or 0
            return f"{_size(done)} of {_size(link.sync_total_bytes)}"
        if link.sync_left_bytes == 0:  # before 6.2: all received, the RDB is loading
            return "loading"
        return f"{_size(link.sync_left_bytes)} left" if link.sync_left_bytes else "starting"
    if link.state == "down" and link.down_seconds is not None:
        return f"down for {_duration(link.down_seconds)}"
    return ""


def _link_row(link: LinkState) -> list[str]:
    rate = "-" if link.catch_up_rate is None else f"{link.catch_up_rate:+.0f} B/s"
    return [
        f"{link.master} -> {link.replica}",
        link.state,
        _dash(link.lag_bytes),
        _dash(None if link.lag_seconds is None else f"{link.lag_seconds:g}"),
        _size(link.backlog_headroom),
        rate,
        link.seen_from,
        _link_detail(link),
    ]


def render_table(snapshot: Snapshot) -> str:
    """The human view of one snapshot: nodes, then links, then node errors."""
    lines = _table(
        ["NODE", "ROLE", "STATUS", "SERVER", "OFFSET", "REPLID", "UPTIME", "FAILOVER"],
        [_node_row(node) for node in snapshot.nodes],
    )
    lines.append("")
    if snapshot.links:
        lines += _table(
            ["LINK", "STATE", "LAG_B", "LAG_S", "HEADROOM", "CATCH_UP", "SEEN_FROM", "DETAIL"],
            [_link_row(link) for link in snapshot.links],
        )
    else:
        lines.append("no replication links")
    cluster = next((n.cluster for n in snapshot.nodes if n.cluster is not None), None)
    if cluster is not None:
        lines.append("")
        lines.append(f"cluster state: {cluster.state or '-'} ({len(cluster.nodes)} nodes)")
        lines += _table(
            ["SHARD_MASTER", "NODE_ID", "SLOTS", "REPLICAS", "STATE"],
            [_shard_row(shard) for shard in cluster.shards()],
        )
    sentinel_rows = [
        _sentinel_row(node.address, master)
        for node in snapshot.nodes
        if node.sentinel is not None
        for master in node.sentinel.masters
    ]
    if sentinel_rows:
        lines.append("")
        lines += _table(
            [
                "SENTINEL",
                "MASTER_NAME",
                "BELIEVES_MASTER_AT",
                "SEES",
                "QUORUM",
                "SENTINELS",
                "REPLICAS",
            ],
            sentinel_rows,
        )
    return "\n".join(lines)


def _shard_row(shard: ClusterShard) -> list[str]:
    """One shard: its master, slot ranges (and how many), replicas, and who is failing."""
    master = shard.master
    ranges = " ".join(s for s in master.slots if not s.startswith("[")) or "no slots"
    failing = [n.address + " " + (n.failing or "") for n in (master, *shard.replicas) if n.failing]
    return [
        master.address or "(no address)",
        master.node_id[:8],
        f"{ranges} ({master.slot_count})",
        ", ".join(r.address for r in shard.replicas) or "none",
        "; ".join(failing) or "ok",
    ]


def _sentinel_row(sentinel: str, master: SentinelMaster) -> list[str]:
    """One Sentinel's view of one master: where it is, and whether it is seen down."""
    down = sum(replica.down for replica in master.replicas)
    replicas = f"{len(master.replicas)}" + (f" ({down} down)" if down else "")
    group = "-" if master.other_sentinels is None else str(master.other_sentinels + 1)
    return [
        sentinel,
        master.name,
        master.address,
        master.status,
        _dash(master.quorum),
        group,
        replicas,
    ]


def status_document(snapshot: Snapshot, problems: list[Problem]) -> dict[str, Any]:
    """The ``--json`` document: the snapshot plus the verdict."""
    document = snapshot.to_dict()
    document["exit_code"] = int(exit_code(problems))
    document["problems"] = [problem.to_dict() for problem in problems]
    return document


_EVENT_COLORS = {"warning": "red", "notice": "green"}


def render_event(event: Event) -> str:
    fields = " ".join(f"{k}={v}" for k, v in event.fields.items() if k != "error" and v is not None)
    text = f"{event.ts} {event.source} {event.kind}: {event.message}"
    if fields:
        text += f" ({fields})"
    return click.style(text, fg=_EVENT_COLORS.get(event.level or ""))


def _report_errors(snapshot: Snapshot, *, warnings: bool = True) -> None:
    for line in auth_hints(snapshot):
        click.echo(f"replwatch: error: {line}", err=True)
    for node in snapshot.nodes:
        if not node.ok and node.auth_problem is None and node.error:
            click.echo(f"replwatch: error: {node.error}", err=True)
    if warnings:
        for problem in password_warnings(snapshot):
            warn(problem.message)


def _report_problems(problems: Iterable[Problem]) -> None:
    """What made the exit code non-zero besides unreadable nodes (said above): links
    down, syncing or lagging, Sentinel and Cluster verdicts. One line each, on stderr,
    so a script that reads the table still sees why it failed."""
    for problem in problems:
        if problem.severity not in ("node", "warning"):  # those are said above
            click.echo(f"replwatch: problem: {problem.message}", err=True)


async def _status_once(connection: ConnectionConfig) -> Snapshot:
    async with connection.poller() as poller:
        return await poller.poll()


async def _watch(
    connection: ConnectionConfig,
    *,
    as_json: bool,
    interval: float,
    thresholds: Thresholds,
    count: int | None,
) -> Snapshot | None:
    prev: Snapshot | None = None
    warned: set[str] = set()
    async with connection.poller() as poller:
        rounds = 0
        async for snapshot in poller.watch(interval):
            heard = [announcement.to_event() for announcement in poller.take_announcements()]
            for event in heard + diff(prev, snapshot, thresholds=thresholds):
                click.echo(event.to_json() if as_json else render_event(event))
            sys.stdout.flush()
            for problem in password_warnings(snapshot):  # each once, when first seen
                if problem.message not in warned:
                    warned.add(problem.message)
                    warn(problem.message)
            if _reader_gone():  # `| head` exited: stop now, not at the next event
                raise BrokenPipeError
            prev = snapshot
            rounds += 1
            if count is not None and rounds >= count:
                break
    return prev


def _reader_gone() -> bool:
    """True when stdout is a pipe whose reading end has been closed."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, 0)  # POLLERR/POLLHUP are always reported
        return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _quiet_broken_pipe() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.command(cls=Command)
@connection_options
@interval_option
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON document (JSON Lines with --watch)."
)
@click.option("--watch", is_flag=True, help="Keep polling; print poll events as they happen.")
@click.option("--count", type=click.IntRange(min=1), help="With --watch: stop after N rounds.")
@click.option(
    "--max-lag-bytes",
    type=click.IntRange(min=0),
    help="A link lagging more bytes than this is a problem (exit 1).",
)
@click.option(
    "--max-lag-seconds",
    type=click.FloatRange(min=0),
    help="A link whose last ACK is older than this is a problem (exit 1).",
)
def status(
    connection: ConnectionConfig,
    interval: float,
    as_json: bool,
    watch: bool,
    count: int | None,
    max_lag_bytes: int | None,
    max_lag_seconds: float | None,
) -> None:
    """Poll INFO replication and ROLE of every node once and print nodes and links.

    \b
    Exit codes:
      0  every link is up (and within --max-lag-bytes / --max-lag-seconds)
      1  a link is down or syncing, or lags more than a limit; Sentinels see
         a master down; a split brain (two masters that are one data set)
      2  a node is unreachable, timed out, or refuses the password
      3  usage error
    With --watch the code is that of the last round (130 on Ctrl-C).
    Each problem behind a non-zero code is one line on stderr
    ("replwatch: error: ..." for nodes, "replwatch: problem: ..." for links,
    Sentinel and Cluster); --json lists them under "problems".

    \b
    Warnings change no exit code; they are printed on stderr ("replwatch:
    warning: ...", with --watch once, when first seen) and listed in --json
    "problems" with severity "warning":
      a replica has no password while its master has one (anyone who
      reaches it reads the data). The password given is then dropped for
      that replica, as redis-cli does, and it is polled without.

    \b
    Passwords, as in redis-cli: REDISCLI_AUTH=... (preferred), --askpass,
    or -a PASSWORD (visible in ps). --user for an ACL user.
    """
    thresholds = Thresholds(max_lag_bytes=max_lag_bytes, max_lag_seconds=max_lag_seconds)
    try:
        if watch:
            last = asyncio.run(
                _watch(
                    connection,
                    as_json=as_json,
                    interval=interval,
                    thresholds=thresholds,
                    count=count,
                )
            )
        else:
            last = asyncio.run(_status_once(connection))
            problems = assess(last, thresholds)
            if as_json:
                click.echo(json.dumps(status_document(last, problems), ensure_ascii=False))
            else:
                click.echo(render_table(last))
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(ExitCode.OK)
    if last is None:
        fail("no poll round completed", ExitCode.UNREACHABLE)
        return
    problems = assess(last, thresholds)
    _report_errors(last, warnings=not watch)  # --watch said its warnings as they came
    if not as_json:  # --json has them in its document
        _report_problems(problems)
    sys.exit(exit_code(problems))
