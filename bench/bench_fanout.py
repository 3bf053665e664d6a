"""A master listing 1,000 replicas: does the dashboard keep up, and stay honest?

Starts one real master (the lab) and attaches ``--replicas`` replica connections to
it the way a replica does (``REPLCONF listening-port N`` then ``PSYNC ? -1``), so
that its ``INFO replication`` lists them all (``slave0`` .. ``slave999``). Then runs
the live dashboard on the master (headless, following the replicas it lists, as by
default) for ``--seconds`` and prints:

* the process CPU while it runs, as a share of one core;
* the snapshots drawn and the mean time between them (target: the poll interval);
* how many snapshots showed the master as not answering (target: 0; it always
  answers, only its listed replicas have nothing behind their ports).

Issue 14 found 100 % of a core and answering nodes shown unreachable. Needs a file
descriptor limit above the replica count (``ulimit -n 4096``); the script raises its
own soft limit when it can.

    .venv/bin/python bench/bench_fanout.py [--replicas 1000] [--seconds 15] [--interval 1]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replwatch.lab import Lab, find_server, free_ports
from replwatch.poll.addresses import Address
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource


def attach(port: int, count: int, first_port: int = 30000) -> list[socket.socket]:
    """``count`` replica connections to the master on ``port`` (kept open)."""
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"REPLCONF listening-port {first_port + i}\r\n".encode())
        s.recv(16)
        s.sendall(b"PSYNC ? -1\r\n")
        socks.append(s)
    return socks


async def watch(
    port: int, seconds: float, interval: float, follow: bool = True
) -> tuple[list[float], int, float]:
    settings = LiveSettings(
        targets=[Address("127.0.0.1", port)], interval=interval, start="end", follow=follow
    )
    app = DashboardApp(LiveSource(settings))
    shown: list[float] = []
    master_down = 0
    master = f"127.0.0.1:{port}"
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.dashboard
        draw = screen.show_snapshot

        def counted(snapshot):  # type: ignore[no-untyped-def]
            nonlocal master_down
            draw(snapshot)
            shown.append(time.perf_counter())
            node = snapshot.node(master)
            master_down += node is None or not node.ok

        screen.show_snapshot = counted  # type: ignore[method-assign]
        await pilot.pause(2.0)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return shown, master_down, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--no-follow", action="store_true", help="poll the master only")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.replicas * 2 + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(Path(tmp) / "lab", free_ports(1), server=find_server(None),
                  config={"maxclients": str(args.replicas + 100)})  # fmt: skip
        lab.up()
        try:
            socks = attach(lab.master_port, args.replicas)
            time.sleep(2)
            listed = lab.client(lab.master_port).info("replication")["connected_slaves"]
            print(f"master {lab.master_port} lists {listed} replicas")
            shown, master_down, cpu = asyncio.run(
                watch(lab.master_port, args.seconds, args.interval, not args.no_follow)
            )
            for s in socks:
                s.close()
        finally:
            lab.down(purge=True)
    gaps = [b - a for a, b in itertools.pairwise(shown)][1:]
    pace = statistics.mean(gaps) if gaps else float("nan")
    print(f"snapshots drawn:                  {len(shown):7d}")
    print(f"mean time between refreshes:      {pace:7.2f} s   (poll interval {args.interval} s)")
    print(f"snapshots with the master down:   {master_down:7d}   (target 0)")
    print(f"CPU of the dashboard process:     {cpu * 100:7.1f} %   of one core")


if __name__ == "__main__":
    main()
