"""A small fixed session for the dashboard tests: three polls and a few log events.

Master 10000 with replicas 10001 (up, lagging a little) and 10002 (a full sync
under way, 40% read), plus log lines from 10002's file showing a link flap that
came and went between two polls (up, lost, syncing again). Built from INFO
text the way the poller reads it, so the snapshots are real model objects.
"""

from __future__ import annotations

from pathlib import Path

from replwatch.events import Event, poll_event
from replwatch.poll.info import parse_info, parse_replication, parse_server
from replwatch.recording import RecordingHeader, RecordingWriter
from replwatch.topology.snapshot import NODE_OK, NodeState, Snapshot, build_snapshot

MASTER, R1, R2 = "127.0.0.1:10000", "127.0.0.1:10001", "127.0.0.1:10002"
LOG_R2 = "/var/log/redis/redis-10002.log"

MASTER_INFO = """\
role:master
connected_slaves:2
slave0:ip=127.0.0.1,port=10001,state=online,offset={r1},lag=0
slave1:ip=127.0.0.1,port=10002,state=send_bulk,offset=0,lag=1
master_failover_state:no-failover
master_replid:73e0a903625d159fc352638ac3f5b2d1cc6df188
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:{master}
second_repl_offset:-1
repl_backlog_active:1
repl_backlog_size:1048576
repl_backlog_first_byte_offset:1
repl_backlog_histlen:{master}
"""

REPLICA_UP = """\
role:slave
master_host:127.0.0.1
master_port:10000
master_link_status:up
master_last_io_seconds_ago:0
master_sync_in_progress:0
slave_read_repl_offset:{offset}
slave_repl_offset:{offset}
slave_priority:100
slave_read_only:1
connected_slaves:0
master_replid:73e0a903625d159fc352638ac3f5b2d1cc6df188
master_repl_offset:{offset}
"""

REPLICA_SYNCING = """\
role:slave
master_host:127.0.0.1
master_port:10000
master_link_status:down
master_last_io_seconds_ago:-1
master_sync_in_progress:1
slave_read_repl_offset:0
slave_repl_offset:0
master_sync_total_bytes:1000000
master_sync_read_bytes:{read}
master_sync_left_bytes:{left}
master_sync_last_io_seconds_ago:0
master_link_down_since_seconds:3
slave_priority:100
slave_read_only:1
connected_slaves:0
master_replid:73e0a903625d159fc352638ac3f5b2d1cc6df188
master_repl_offset:0
"""


def node(address: str, info_text: str, version: str = "7.0.15") -> NodeState:
    fields = parse_info(info_text)
    port = address.rpartition(":")[2]
    server = parse_server(f"redis_version:{version}\r\nrun_id:{'a' * 40}\r\ntcp_port:{port}\r\n")
    return NodeState(
        address=address,
        status=NODE_OK,
        replication=parse_replication(fields),
        server=server,
        info=fields,
    )


def snapshots() -> list[Snapshot]:
    rounds = [
        ("2026-11-25T10:00:01.000", 5000, 4800, 200_000),
        ("2026-11-25T10:00:02.000", 5400, 5300, 400_000),
        ("2026-11-25T10:00:03.000", 5600, 5600, 400_000),
    ]
    result: list[Snapshot] = []
    prev = None
    for ts, master_off, r1_off, read in rounds:
        nodes = [
            node(MASTER, MASTER_INFO.format(master=master_off, r1=r1_off)),
            node(R1, REPLICA_UP.format(offset=r1_off)),
            node(R2, REPLICA_SYNCING.format(read=read, left=1_000_000 - read)),
        ]
        prev = build_snapshot(ts, nodes, prev=prev)
        result.append(prev)
    return result


def log_event(line: int, ts: str, kind: str, message: str, **fields: object) -> Event:
    return Event(
        ts=ts,
        source=LOG_R2,
        line=line,
        pid=4242,
        role="replica",
        level="notice" if kind != "master_link_lost" else "warning",
        kind=kind,
        message=message,
        fields=fields,
    )


def log_events() -> list[Event]:
    return [
        log_event(
            1,
            "2026-11-25T10:00:01.200",
            "master_connecting",
            "Connecting to MASTER 127.0.0.1:10000",
            peer="127.0.0.1:10000",
        ),
        log_event(2, "2026-11-25T10:00:01.210", "sync_started", "MASTER <-> REPLICA sync started"),
        log_event(
            3,
            "2026-11-25T10:00:01.400",
            "sync_finished",
            "MASTER <-> REPLICA sync: Finished with success",
        ),
        log_event(4, "2026-11-25T10:00:01.500", "master_link_lost", "Connection with master lost."),
        log_event(
            5,
            "2026-11-25T10:00:01.600",
            "master_connecting",
            "Connecting to MASTER 127.0.0.1:10000",
            peer="127.0.0.1:10000",
        ),
        log_event(6, "2026-11-25T10:00:01.610", "sync_started", "MASTER <-> REPLICA sync started"),
    ]


def poll_events() -> list[Event]:
    return [
        poll_event(
            R1,
            "link_up",
            "link 127.0.0.1:10000 -> 127.0.0.1:10001 up",
            ts="2026-11-25T10:00:01.000",
            role="replica",
            peer=MASTER,
        ),
    ]


def write_recording(path: Path) -> Path:
    """The session as a recording file: polls 0.5 s apart, events in between."""
    header = RecordingHeader(started="2026-11-25T10:00:00", interval=0.5, nodes=(MASTER, R1, R2))
    snaps = snapshots()
    events = log_events()
    with RecordingWriter.create(path, header) as writer:
        writer.write_snapshot(0.5, snaps[0].to_dict())
        writer.write_event(0.5, poll_events()[0])
        for i, event in enumerate(events):
            writer.write_event(0.6 + i * 0.05, event)
        writer.write_snapshot(1.0, snaps[1].to_dict())
        writer.write_snapshot(1.5, snaps[2].to_dict())
    return path
