"""Findings about the RDB file of a sync: it could not be written, read or loaded.

On the replica, a full resync writes the master's RDB to a temp file in ``dir`` and
loads it: ``Opening the temp file needed for MASTER <-> REPLICA synchronization:
Permission denied``, ``Write error or short write writing to the DB dump file ...: No
space left on device`` (or ``...: short write``, what a disk filling up mid-write
usually gives), ``Failed trying to load the MASTER synchronization DB from
disk: No such file or directory``, and ``Can't handle RDB format version 10`` when
the master is newer than the replica. On the master, the background save that
produces the RDB fails to fork (``vm.overcommit_memory``) or to write, either for a
sync or for the ``save`` schedule (see :mod:`~replwatch.report.persistence`). Each
has its own fix; the error text says which.
"""

from __future__ import annotations

import re
from dataclasses import replace

from replwatch import kinds
from replwatch.report.context import INFO, WARNING, Context, group_finding
from replwatch.report.model import Finding
from replwatch.report.persistence import SaveFailure

_RDB_VERSION = re.compile(r"RDB format version (\d+)")
#: The first Redis release that writes each RDB format version (rdb.h ``RDB_VERSION``).
RDB_WRITERS = {6: "2.6", 7: "3.2", 8: "4.0", 9: "5.0", 10: "7.0", 11: "7.2", 12: "7.4"}
#: Which errno texts mean which problem of the replica's ``dir``.
_DISK_CAUSES = (
    ("No space left on device", "replica-disk-full"),
    ("Disk quota exceeded", "replica-disk-full"),
    ("Permission denied", "replica-dir-permission"),
    ("Read-only file system", "replica-dir-permission"),
    ("Operation not permitted", "replica-dir-permission"),
    ("No such file or directory", "replica-rdb-missing"),
)


#: What ``readSyncBulkPayload`` logs instead of an errno when ``write()`` to the sync's
#: temp file took fewer bytes than it was given (Redis and Valkey alike). The kernel
#: does that when the file system fills up in the middle of a write: the next write
#: would say ENOSPC, but the server gives up at the first short one.
SHORT_WRITE = "short write"


def disk_cause(error: str) -> str | None:
    """The finding code for a sync error about the replica's ``dir``, else None."""
    if error.strip() == SHORT_WRITE:
        return "replica-disk-full"
    return next((code for text, code in _DISK_CAUSES if text in error), None)


def is_disk_error(error: str) -> bool:
    """True when a sync's error is about the replica's disk (its own finding)."""
    return disk_cause(error) is not None


def replica_rdb(ctx: Context) -> list[Finding]:
    """The replica could not write, read or load the RDB its master sent."""
    findings = []
    for error, group in ctx.notables.variants(kinds.SYNC_FAILED):
        code = disk_cause(error)
        if code is None:
            continue
        node = ctx.node_of(group.source)
        if code == "replica-disk-full" and error.strip() == SHORT_WRITE:
            title = (
                f"{node} could not write the master's RDB into its dir (a short write: "
                "most likely out of disk space)"
            )
            why = (
                "The replica writes the RDB of each full resync into its `dir` before "
                "loading it, and a write to that temp file came up short ('short write': "
                "the system took fewer bytes than it was given, and the server logs no "
                "errno then). That is most likely the disk of `dir` filling up in the "
                "middle of the write (or a disk quota), so every full resync fails and "
                "starts over; check `df` on that disk. Free space there (the RDB is as "
                "large as the master's dataset, plus the replica's own dump.rdb), move "
                "`dir`, or load straight from the socket (`repl-diskless-load swapdb`)."
            )
            fix = "free disk space in the replica's `dir` (or `repl-diskless-load swapdb`)"
        elif code == "replica-disk-full":
            title = f"{node} ran out of disk space for the master's RDB (dir)"
            why = (
                f"The replica writes the RDB of each full resync into its `dir` before "
                f"loading it, and the disk is full ('{error}'), so every full resync "
                "fails and starts over. Free space on that disk (the RDB is as large "
                "as the master's dataset, plus the replica's own dump.rdb), move `dir`, "
                "or load straight from the socket (`repl-diskless-load swapdb`)."
            )
            fix = "free disk space in the replica's `dir` (or `repl-diskless-load swapdb`)"
        elif code == "replica-dir-permission":
            title = f"{node} may not write the master's RDB into its dir (permissions)"
            why = (
                "The replica writes the RDB of a full resync as a temp file in its `dir` "
                f"and renames it to `dbfilename`; the system refused ('{error}'). The "
                "user the server runs as needs write access to `dir` (check ownership, "
                "a read-only mount, SELinux/AppArmor)."
            )
            fix = "give the server's user write access to the replica's `dir`"
        else:
            title = f"{node} lost the RDB file it received (No such file or directory)"
            why = (
                "The replica received the master's RDB but the file was gone when it "
                f"loaded it ('{error}'): `dir` was removed or changed under the running "
                "server (a cleanup job, a volume remounted, two servers sharing one "
                "`dir` and `dbfilename`). Give each server its own `dir`."
            )
            fix = "give the replica its own `dir` that nothing else cleans or shares"
        finding = group_finding(group, code, title, why, "dir", node)
        findings.append(_fixed(finding, fix))
    for group in ctx.notables.of_kind(kinds.RDB_LOAD_FAILED):
        event = next((e for e in group.events if _RDB_VERSION.search(e.message)), None)
        if event is None:
            continue
        version = int(_RDB_VERSION.search(event.message).group(1))  # type: ignore[union-attr]
        node = ctx.node_of(group.source)
        info = ctx.node_info(node)
        writer = RDB_WRITERS.get(version)
        newer = f"Redis {writer} or later" if writer else "a newer server"
        mine = f" ({node} runs {info.version})" if info and info.version else ""
        findings.append(
            _fixed(
                group_finding(
                    group,
                    "rdb-version",
                    f"{node} is older than its master: it cannot load RDB version {version}",
                    f"The master sent an RDB in format version {version}, written by "
                    f"{newer}; this replica{mine} only reads older formats, so every "
                    "full resync fails at loading. A replica must run the same or a "
                    "newer version than its master: upgrade the replica first.",
                    "replicaof",
                    node,
                ),
                "upgrade the replica to its master's version (replicas first, then the master)",
            )
        )
    return findings


def save_failures(ctx: Context) -> list[Finding]:
    """The master's background save failed: for whom, and why."""
    findings = []
    for failure in ctx.persistence.failures:
        finding = _save_finding(ctx, failure)
        if finding is not None:
            findings.append(finding)
    return findings


def _save_finding(ctx: Context, f: SaveFailure) -> Finding | None:
    node = ctx.node_of(f.source)
    what = {
        "sync": "the BGSAVE for a replica's full resync",
        "schedule": "the scheduled BGSAVE (`save` points)",
        "aof": "the AOF rewrite after its full resync",
    }.get(f.trigger, "a BGSAVE")
    evidence = tuple(f.evidence)
    consequence = (
        " The replica waiting for it cannot sync until a save succeeds."
        if f.trigger == "sync"
        else (
            " A replica with `appendonly yes` must rewrite its AOF after each full resync; "
            + (
                "it could not, and exited (FATAL: the AOF can't be turned on)."
                if f.fatal
                else "until it can, its AOF stays off."
            )
        )
        if f.trigger == "aof"
        else (
            " With `stop-writes-on-bgsave-error yes` (the default) the master then refuses "
            "writes (MISCONF); replicas are not the cause."
            if f.trigger == "schedule"
            else ""
        )
    )
    if f.cause == "fork":
        warned = ctx.persistence.overcommit_warnings.get(f.source)
        if warned is not None:
            evidence = (warned, *evidence)
        return Finding(
            "fork-failed",
            WARNING,
            f"{node} could not fork for {what}: {f.error} (vm.overcommit_memory)",
            f"The kernel refused to fork the save child ('{f.error}'): forking needs "
            "the address space of the whole dataset to be committable. Set "
            "`vm.overcommit_memory = 1` (sysctl), leave memory headroom (`maxmemory`), "
            "or lower the number of processes if it is `Resource temporarily "
            "unavailable` (ulimit -u)."
            + (" The server warned at start-up (overcommit_memory is 0)." if warned else "")
            + consequence,
            "vm.overcommit_memory",
            node,
            f.first_ts,
            evidence,
            f.count,
            fix="set `vm.overcommit_memory = 1` on the master's host",
        )
    if f.cause == "disk":
        return Finding(
            "master-disk",
            WARNING,
            f"{node} could not write its RDB for {what}: {f.error} (dir)",
            f"The save child could not write the RDB file in `dir` ('{f.error}'). Free "
            "disk space or fix the permissions of `dir`; for syncs, diskless "
            "replication (`repl-diskless-sync yes`) does not write the file at all." + consequence,
            "dir",
            node,
            f.first_ts,
            evidence,
            f.count,
            fix="free space in / fix permissions of the master's `dir`",
        )
    if f.cause == "killed":
        return Finding(
            "bgsave-child-killed",
            INFO,
            f"{node} stopped its own save child (signal 10) after the replica left",
            "`terminated by signal 10` (SIGUSR1) is how the master ends its own save "
            "child, here because the replica it was sending a diskless RDB to went "
            "away (or a new SAVE/FLUSHALL replaced it). It is not a disk problem: look "
            "at why the replica dropped (the findings above).",
            None,
            node,
            f.first_ts,
            evidence,
            f.count,
        )
    if f.trigger == "schedule":
        return Finding(
            "periodic-bgsave",
            WARNING,
            f"{node}: the scheduled BGSAVE (`save` points) failed",
            f"A save started by the `save` schedule failed ({f.error or 'no reason in the log'})."
            + consequence
            + " Look at the disk of `dir` and the memory for the fork.",
            "save",
            node,
            f.first_ts,
            evidence,
            f.count,
        )
    return Finding(
        "sync-transfer",
        WARNING,
        f"{node}: {what} failed" + (f" ({f.error})" if f.error else ""),
        "The RDB for a full resync could not be produced. Look at disk space and "
        "permissions of `dir`, memory for the fork (`vm.overcommit_memory`), and "
        "consider `repl-diskless-sync yes`." + consequence,
        "repl-diskless-sync",
        node,
        f.first_ts,
        evidence,
        f.count,
    )


def _fixed(finding: Finding, fix: str) -> Finding:
    return replace(finding, fix=fix)
