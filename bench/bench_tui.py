"""Dashboard speed: first frame, refresh pace and idle CPU with 30 nodes.

Run: ``.venv/bin/python bench/bench_tui.py`` (headless; about 15 s). Prints:

* import time of the dashboard modules, and time to the first frame showing data
  (app start -> first snapshot drawn; target under 1 s);
* with a 30-node topology (a master and 29 replicas, played from a recording at
  a 1 s poll interval): how often the screen took a new snapshot, and the process
  CPU used over ~10 s while nothing changes (target under 3 % of one core);
* with ``--lab``, the same on 30 real servers started by the lab: the live app,
  poller and log tailer included (the servers' own CPU is not counted).

``--replicas N`` sets the fan-out of the recorded topology (default 29; the fleet goal
is 300 nodes, and a master listing 1,000 replicas must not take a core).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from replwatch.poll.info import parse_info, parse_replication, parse_server
from replwatch.recording import RecordingHeader, RecordingWriter, load_recording
from replwatch.topology.snapshot import NODE_OK, NodeState, Snapshot, build_snapshot

N_REPLICAS = 29
SECONDS = 12
INTERVAL = 1.0


def node(address: str, info: str) -> NodeState:
    port = address.rpartition(":")[2]
    return NodeState(
        address=address,
        status=NODE_OK,
        replication=parse_replication(parse_info(info)),
        server=parse_server(f"redis_version:7.0.15\r\ntcp_port:{port}\r\n"),
        info=parse_info(info),
    )


def steady_snapshots(count: int) -> list[Snapshot]:
    """A master on 20000 and replicas 20001..; every offset equal: nothing changes."""
    master = "127.0.0.1:20000"
    slaves = "\n".join(
        f"slave{i}:ip=127.0.0.1,port={20001 + i},state=online,offset=1000,lag=0"
        for i in range(N_REPLICAS)
    )
    master_info = (
        f"role:master\nconnected_slaves:{N_REPLICAS}\n{slaves}\nmaster_repl_offset:1000\n"
        "repl_backlog_active:1\nrepl_backlog_size:1048576\nrepl_backlog_first_byte_offset:1\n"
        "repl_backlog_histlen:1000\n"
    )
    replica_info = (
        "role:slave\nmaster_host:127.0.0.1\nmaster_port:20000\nmaster_link_status:up\n"
        "master_last_io_seconds_ago:0\nmaster_sync_in_progress:0\nslave_repl_offset:1000\n"
        "master_repl_offset:1000\n"
    )
    nodes = [node(master, master_info)] + [
        node(f"127.0.0.1:{20001 + i}", replica_info) for i in range(N_REPLICAS)
    ]
    snapshots: list[Snapshot] = []
    prev = None
    for i in range(count):
        prev = build_snapshot(f"2026-11-25T10:00:{i:02d}.000", nodes, prev=prev)
        snapshots.append(prev)
    return snapshots


def write_recording(path: Path) -> Path:
    header = RecordingHeader(started="2026-11-25T10:00:00", interval=INTERVAL)
    with RecordingWriter.create(path, header) as writer:
        for i, snapshot in enumerate(steady_snapshots(SECONDS + 3)):
            writer.write_snapshot(i * INTERVAL, snapshot.to_dict())
    return path


def import_time() -> float:
    code = (
        "import time; t = time.perf_counter(); import replwatch.tui.replay; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


async def first_frame(recording_path: Path) -> float:
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.replay import ReplaySource

    started = time.perf_counter()
    app = DashboardApp(ReplaySource(load_recording(recording_path), paused=True))
    async with app.run_test(size=(120, 40)) as pilot:
        app.source.action_step()  # type: ignore[attr-defined]  # the first poll of the recording
        await pilot.pause()
        return time.perf_counter() - started


async def steady_run(recording_path: Path) -> tuple[list[float], float, float]:
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.replay import ReplaySource

    shown: list[float] = []
    app = DashboardApp(ReplaySource(load_recording(recording_path)))
    _count_frames(app, shown)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(2.0)  # settle: the 30 rows are built
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(SECONDS - 2)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return shown, cpu, wall


async def live_run() -> tuple[list[float], float, float]:
    """The live dashboard on a 30-node lab: poller, tailer and screen in this process."""
    from replwatch.lab import Lab, free_ports
    from replwatch.poll.addresses import Address
    from replwatch.tui.app import DashboardApp
    from replwatch.tui.live import LiveSettings, LiveSource

    shown: list[float] = []

    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(Path(tmp) / "lab", free_ports(N_REPLICAS + 1))
        lab.up(timeout=60)
        try:
            targets = [Address("127.0.0.1", port) for port in lab.ports]
            settings = LiveSettings(targets=targets, interval=INTERVAL, start="end")
            app = DashboardApp(LiveSource(settings))
            _count_frames(app, shown)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(3.0)  # settle: first polls, log discovery, rows built
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await asyncio.sleep(SECONDS - 2)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        finally:
            lab.down(purge=True)
    return shown, cpu, wall


def _count_frames(app: Any, shown: list[float]) -> None:
    """Note the time of every snapshot the dashboard screen draws."""
    screen = app.dashboard
    draw = screen.show_snapshot

    def counted(snapshot: Snapshot) -> None:
        draw(snapshot)
        shown.append(time.perf_counter())

    screen.show_snapshot = counted


def report(label: str, shown: list[float], cpu: float, wall: float) -> None:
    gaps = [b - a for a, b in itertools.pairwise(shown)][2:]
    pace = statistics.mean(gaps) if gaps else float("nan")
    print(f"[{label}] snapshots drawn:            {len(shown):7d}")
    print(f"[{label}] mean time between refreshes:{pace:7.2f} s   (poll interval {INTERVAL} s)")
    print(
        f"[{label}] CPU while nothing changes:  {cpu / wall * 100:7.1f} %   of one core "
        f"over {wall:.1f} s (target < 3 %)"
    )


def main() -> None:
    global N_REPLICAS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=N_REPLICAS, help="replicas recorded")
    ap.add_argument("--lab", action="store_true", help="also 30 real servers, live")
    args = ap.parse_args()
    N_REPLICAS = args.replicas
    nodes = N_REPLICAS + 1
    with tempfile.TemporaryDirectory() as tmp:
        path = write_recording(Path(tmp) / "steady.jsonl")
        print(f"import replwatch.tui.replay:          {import_time() * 1000:7.0f} ms")
        frame = asyncio.run(first_frame(path))
        print(f"first frame with data ({nodes} nodes): {frame * 1000:7.0f} ms   (target < 1000 ms)")
        shown, cpu, wall = asyncio.run(steady_run(path))
    report(f"recording, {nodes} nodes", shown, cpu, wall)
    if args.lab:
        N_REPLICAS = 29
        report("30-node lab", *asyncio.run(live_run()))


if __name__ == "__main__":
    main()
