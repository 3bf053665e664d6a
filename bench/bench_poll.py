"""How long does one poll round of 30 nodes take, and what does polling cost?

Starts 3 masters with 9 replicas each (30 real servers, through ``replwatch.lab`` on
free loopback ports, password-protected) and prints:

* round time: the wall time of one full round (INFO replication + ROLE of every
  node, concurrently; INFO server every 10th round) over ``--rounds`` rounds after a
  warm-up round, as median and p95. Target: < 150 ms.
* CPU: the process CPU time (user+system) while ``Poller.watch`` polls every
  ``--interval`` seconds for ``--seconds`` seconds, as a percentage of one core.
  Target: < 10 %.
* pace with a hung node: one replica SIGSTOP'd for ``--hung-seconds`` while
  ``Poller.watch`` polls every ``--interval`` s: snapshots received and the mean
  gap between them (target: the interval; a round waiting for the hung node's
  whole deadline would give one per 2-3 s), and how many of them had every other
  node ``ok``.

Everything is torn down at the end, also on Ctrl-C.

Usage: python bench/bench_poll.py [--server redis|valkey|PATH] [--rounds 20] [--seconds 15]
       [--interval 1] [--hung-seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from replwatch.lab import Lab, find_server, free_ports, server_of_kind
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.poll.rounds import Poller

PASSWORD = "bench-password"


def _server(spec: str | None):
    if spec in ("redis", "valkey"):
        return server_of_kind(spec)
    return find_server(spec)


def start_labs(root: Path, *, masters: int, replicas: int, server_spec: str | None) -> list[Lab]:
    server = _server(server_spec)
    print(f"server: {server.product} {server.version} ({server.path})")
    labs = []
    ports = free_ports(masters * (replicas + 1))
    for index in range(masters):
        chunk = ports[index * (replicas + 1) : (index + 1) * (replicas + 1)]
        lab = Lab(root / f"lab{index}", chunk, password=PASSWORD, server=server)
        labs.append(lab)
        lab.up(timeout=60)
    return labs


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure_hung(
    targets: list[Address], *, hung_pid: int, hung: Address, seconds: float, interval: float
) -> None:
    creds = Credentials(password=PASSWORD, source="environment")
    async with Poller(targets, credentials=creds) as poller:
        await poller.poll()
        arrivals: list[float] = []
        others_ok = 0
        os.kill(hung_pid, signal.SIGSTOP)
        try:
            started = time.perf_counter()
            async for snapshot in poller.watch(interval):
                arrivals.append(time.perf_counter())
                others = [node for node in snapshot.nodes if node.address != hung.key]
                others_ok += all(node.ok for node in others)
                if arrivals[-1] - started >= seconds:
                    break
        finally:
            os.kill(hung_pid, signal.SIGCONT)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    mean_gap = statistics.mean(gaps) if gaps else float("nan")
    print(
        f"with one node SIGSTOP'd for {seconds:g} s: {len(arrivals)} snapshots, "
        f"mean gap {mean_gap:.2f} s (interval {interval:g} s), "
        f"{others_ok} with every other node ok"
    )


async def measure(targets: list[Address], *, rounds: int, seconds: float, interval: float) -> None:
    creds = Credentials(password=PASSWORD, source="environment")
    async with Poller(targets, credentials=creds) as poller:
        first = await poller.poll()
        ok = sum(node.ok for node in first.nodes)
        up = sum(link.state == "up" for link in first.links)
        print(f"nodes: {len(first.nodes)} ({ok} ok), links: {len(first.links)} ({up} up)")
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            await poller.poll()
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"round time over {rounds} rounds: median {statistics.median(times):.1f} ms, "
            f"p95 {_percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms  (target < 150 ms)"
        )

        cpu_start, wall_start = time.process_time(), time.perf_counter()
        polled = 0
        async for _snapshot in poller.watch(interval):
            polled += 1
            if time.perf_counter() - wall_start >= seconds:
                break
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - wall_start
        print(
            f"CPU while polling every {interval:g} s for {wall:.1f} s ({polled} rounds): "
            f"{cpu * 1000:.0f} ms = {100 * cpu / wall:.2f} % of one core  (target < 10 %)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="redis, valkey, or a server binary path")
    parser.add_argument("--masters", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=9, help="replicas per master")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--hung-seconds", type=float, default=6.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="replwatch-bench-poll-") as tmp:
        labs: list[Lab] = []
        try:
            started = time.perf_counter()
            labs = start_labs(
                Path(tmp), masters=args.masters, replicas=args.replicas, server_spec=args.server
            )
            print(
                f"started {sum(len(lab.ports) for lab in labs)} servers in "
                f"{time.perf_counter() - started:.1f} s"
            )
            targets = [Address("127.0.0.1", port) for lab in labs for port in lab.ports]
            asyncio.run(
                measure(targets, rounds=args.rounds, seconds=args.seconds, interval=args.interval)
            )
            if args.hung_seconds > 0:
                hung_port = labs[0].replica_ports[0]
                hung_pid = labs[0].pid(hung_port)
                assert hung_pid is not None
                asyncio.run(
                    measure_hung(
                        targets,
                        hung_pid=hung_pid,
                        hung=Address("127.0.0.1", hung_port),
                        seconds=args.hung_seconds,
                        interval=args.interval,
                    )
                )
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
        finally:
            for lab in labs:
                with contextlib.suppress(Exception):
                    lab.down(purge=True)


if __name__ == "__main__":
    main()
