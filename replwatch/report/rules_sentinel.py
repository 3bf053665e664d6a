"""Findings about Sentinel itself: a group that cannot agree, cannot see each other,
hands out a loopback address, flaps, or names two masters at once.

Each claim rests on its line: "the quorum was not reached" needs a master that
Sentinels saw down (``+sdown``) and no ``+odown`` after it; "duplicate Sentinel
ID" needs two logs with the same ``Sentinel ID is ...`` (or a ``-dup-sentinel``);
"loopback" needs a master address on 127.0.0.1 while other addresses in the logs
are not; "flapping" three ``+switch-master`` of one master within
:data:`FLAP_WINDOW`; "split brain" Sentinels whose last ``+switch-master`` of one
master name different addresses.
"""

from __future__ import annotations

from replwatch.events import seconds_between
from replwatch.report.context import WARNING, Context
from replwatch.report.model import Finding

#: Three switches of one master within this many seconds is flapping.
FLAP_WINDOW = 600.0
FLAP_COUNT = 3


def sentinel_checks(ctx: Context) -> list[Finding]:
    return [
        *_no_odown(ctx),
        *_duplicate_ids(ctx),
        *_loopback(ctx),
        *_flapping(ctx),
        *_split_brain(ctx),
    ]


def _no_odown(ctx: Context) -> list[Finding]:
    scan = ctx.sentinels
    findings = []
    for episode in scan.episodes:
        if episode.odown or episode.switch or episode.requested or not episode.sdown:
            continue
        if episode.recovered is not None:
            continue  # it answered again: nothing to agree on
        first = episode.first_sdown
        assert first is not None
        quorum = episode.quorum or scan.monitor_quorum.get(episode.master_name)
        down = len(episode.sdown)
        logs = len(scan.own_ids) or down
        seen = sum(scan.peers_seen.get(source, 0) for source in episode.sdown)
        if not seen:
            alone = (
                " These Sentinels never logged another one (+sentinel): they did not "
                "discover each other (the hello messages on `__sentinel__:hello` did not "
                "reach them: a firewall on the Sentinel port, a wrong `sentinel "
                "announce-ip`, or the same Sentinel ID on several of them)."
            )
        else:
            alone = ""
        findings.append(
            Finding(
                "sentinel-quorum",
                WARNING,
                f"Sentinel never agreed that {episode.master_name} ({episode.old}) was down: "
                f"no +odown, quorum {quorum or '?'} not reached",
                f"{down} of the {logs} Sentinel log(s) here saw the master down (+sdown) "
                f"but no +odown followed, so no failover started. A failover needs "
                f"`quorum` ({quorum or '?'}) Sentinels to agree and a majority to elect a "
                "leader: run at least three Sentinels on separate hosts, with a quorum "
                "they can reach." + alone,
                "sentinel monitor <name> <ip> <port> <quorum>",
                episode.old,
                first[0],
                tuple(f[2] for f in episode.sdown.values()),
                fix="make the Sentinels see each other and set a quorum a majority can reach",
            )
        )
    return findings


def _duplicate_ids(ctx: Context) -> list[Finding]:
    scan = ctx.sentinels
    by_id: dict[str, list[tuple[str, tuple[str, int]]]] = {}
    for source, (run_id, where) in scan.own_ids.items():
        by_id.setdefault(run_id, []).append((source, where))
    findings = []
    for run_id, owners in sorted(by_id.items()):
        if len(owners) < 2:
            continue
        findings.append(
            Finding(
                "sentinel-duplicate-id",
                WARNING,
                f"{len(owners)} Sentinels share the Sentinel ID {run_id[:8]}...",
                "Sentinels tell each other apart by this id: with the same one they "
                "count as one Sentinel, never reach the quorum and cannot elect a "
                "leader. This happens when one sentinel.conf (with its `sentinel myid` "
                "line) was copied to several hosts or images. Delete the `sentinel myid` "
                "line on all but one and restart them: each writes a new id.",
                "sentinel myid",
                None,
                None,
                tuple(where for _s, where in owners),
                len(owners),
                fix="remove the copied `sentinel myid` line so each Sentinel gets its own id",
            )
        )
    if scan.duplicates and not findings:
        first = scan.duplicates[0]
        findings.append(
            Finding(
                "sentinel-duplicate-id",
                WARNING,
                "Sentinel removed another Sentinel with the same address or id (-dup-sentinel)",
                "Two Sentinels announced the same address or run id, so the others kept "
                "only one of them: the group is smaller than it looks and may not reach "
                "the quorum. Give each Sentinel its own `sentinel myid` (do not copy "
                "sentinel.conf) and its own `sentinel announce-ip`/port.",
                "sentinel myid",
                None,
                first[0],
                tuple(f[2] for f in scan.duplicates[:6]),
                len(scan.duplicates),
                fix="give each Sentinel its own id and announced address",
            )
        )
    return findings


def _loopback(ctx: Context) -> list[Finding]:
    scan = ctx.sentinels
    if not scan.loopback or not scan.remote:
        return []  # all on one host (a lab): loopback is right there
    address, first = scan.loopback[0]
    others = ", ".join(sorted(scan.remote)[:3])
    return [
        Finding(
            "sentinel-announce-ip",
            WARNING,
            f"Sentinel hands out a loopback master address ({address}) to a group on "
            "other hosts: set announce-ip",
            f"Sentinel names the master {address} while the other nodes in these logs "
            f"are on {others}: replicas and clients on other hosts that are told to "
            "connect to 127.0.0.1 reach themselves, not the master. The master was "
            "registered by its loopback address (`sentinel monitor` with 127.0.0.1, or "
            "a replica that announced it): monitor it by a routable address, and set "
            "`replica-announce-ip` on the data nodes and `sentinel announce-ip` behind "
            "NAT or in containers.",
            "sentinel announce-ip / replica-announce-ip",
            None,
            first[0],
            tuple(f[2] for _a, f in scan.loopback[:6]),
            len(scan.loopback),
            fix="monitor the master by a routable address; set `replica-announce-ip`",
        )
    ]


def _flapping(ctx: Context) -> list[Finding]:
    findings = []
    for name, facts in sorted(ctx.sentinels.switches.items()):
        # one switch is logged by every Sentinel: count distinct moments (1 s apart)
        moments: list[tuple[str | None, str, tuple[str, int]]] = []
        for fact in sorted(facts, key=lambda f: f[0] or ""):
            gap = seconds_between(moments[-1][0], fact[0]) if moments else None
            if not moments or (gap is not None and gap > 1.0):
                moments.append(fact)
        for start in range(len(moments) - FLAP_COUNT + 1):
            window = moments[start : start + FLAP_COUNT]
            span = seconds_between(window[0][0], window[-1][0])
            if span is None or span > FLAP_WINDOW:
                continue
            findings.append(
                Finding(
                    "sentinel-flapping",
                    WARNING,
                    f"{name} switched master {len(moments)} times, {FLAP_COUNT} within "
                    f"{span:.0f} s (flapping)",
                    "Sentinel failed the master over again and again: each node it "
                    "promotes is soon seen down too. Usually `down-after-milliseconds` is "
                    "shorter than the pauses the nodes or the network have (a slow fork, "
                    "a busy host, packet loss), or the promoted node cannot be reached by "
                    "the Sentinels. Raise `down-after-milliseconds` and `failover-timeout`, "
                    "and look at what stalls the nodes.",
                    "sentinel down-after-milliseconds",
                    None,
                    window[0][0],
                    tuple(f[2] for f in moments[:6]),
                    len(moments),
                    fix="raise `sentinel down-after-milliseconds` above the nodes' pauses",
                )
            )
            break
    return findings


def _split_brain(ctx: Context) -> list[Finding]:
    by_name: dict[str, dict[str, list[tuple[str, int]]]] = {}
    first_ts: dict[str, str | None] = {}
    for (_source, name), (peer, fact) in sorted(ctx.sentinels.last_switch.items()):
        by_name.setdefault(name, {}).setdefault(peer, []).append(fact[2])
        ts = first_ts.get(name)
        first_ts[name] = min(ts or fact[0] or "", fact[0] or "") or None
    findings = []
    for name, masters in sorted(by_name.items()):
        if len(masters) < 2:
            continue
        told = "; ".join(f"{peer} by {len(w)} Sentinel(s)" for peer, w in sorted(masters.items()))
        findings.append(
            Finding(
                "split-brain",
                WARNING,
                f"Two masters for {name} at once (split brain): {', '.join(sorted(masters))}",
                f"The Sentinels' last +switch-master named different masters ({told}): "
                "each part of a partitioned group failed over on its own, and clients "
                "write to both; the writes of one side are lost when they rejoin. Run an "
                "odd number of Sentinels (3+) across failure zones with a majority "
                "quorum, and set `min-replicas-to-write` on masters so that an isolated "
                "master stops taking writes.",
                "min-replicas-to-write",
                None,
                first_ts.get(name),
                tuple(w for ws in masters.values() for w in ws[:3]),
                len(masters),
                fix="use a majority quorum and `min-replicas-to-write 1` on the masters",
            )
        )
    return findings
