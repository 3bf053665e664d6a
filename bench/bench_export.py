"""What does ``replwatch export`` cost per scrape, and does its memory stay flat?

Starts a lab (a master and ``--replicas`` replicas, real servers on free loopback
ports, password-protected), runs ``replwatch export`` as a subprocess polling every
``--interval`` seconds with its logs followed, and scrapes ``/metrics`` ``--rounds``
times, one scrape per poll interval. Prints the scrape time (median, p95, max) and
the exporter's RSS (``process_resident_memory_bytes`` from its own page) at the
first scrape, the middle and the end, plus the series count: flat memory and a
constant series count over the run is the target (issue 15: "holds its memory
flat over an hour of polling"; ``--rounds 3600 --interval 1`` is that hour).

Usage: python bench/bench_export.py [--server redis|valkey|PATH] [--replicas 5]
       [--rounds 300] [--interval 0.2]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from replwatch.lab import Lab, find_server, free_ports, server_of_kind

PASSWORD = "bench-password"


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def rss(page: str) -> float:
    match = re.search(r"^process_resident_memory_bytes (\S+)$", page, re.M)
    return float(match.group(1)) if match else float("nan")


def series_count(page: str) -> int:
    return sum(1 for line in page.splitlines() if line.startswith("replwatch_"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server")
    parser.add_argument("--replicas", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()
    server = (
        server_of_kind(args.server)
        if args.server in ("redis", "valkey")
        else find_server(args.server)
    )
    print(f"server: {server.product} {server.version}; 1 master + {args.replicas} replicas")
    with tempfile.TemporaryDirectory(prefix="replwatch-bench-export-") as tmp:
        ports = free_ports(args.replicas + 2)
        lab = Lab(Path(tmp) / "lab", ports[:-1], password=PASSWORD, server=server)
        lab.up()
        listen = ports[-1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "replwatch", "export", "--ports",
             ",".join(map(str, ports[:-1])), "--listen", f"127.0.0.1:{listen}",
             "--interval", str(args.interval)],
            env={**os.environ, "REDISCLI_AUTH": PASSWORD},
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{listen}/metrics"
            deadline = time.monotonic() + 20
            while True:
                try:
                    if "replwatch_link_up{" in fetch(url):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("export did not come up")
                time.sleep(0.2)
            times, samples = [], {}
            for index in range(args.rounds):
                if index % 10 == 0:
                    lab.write(f"bench:{index}", "x" * 100)
                started = time.perf_counter()
                page = fetch(url)
                times.append(time.perf_counter() - started)
                if index in (0, args.rounds // 2, args.rounds - 1):
                    samples[index] = (rss(page), series_count(page))
                time.sleep(args.interval)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1] if len(times) > 1 else times[0]
            median = statistics.median(times)
            print(
                f"scrape over {len(times)} rounds: median {median * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
            )
            for index, (memory, count) in samples.items():
                print(f"round {index:5d}: RSS {memory / 1e6:.1f} MB, {count} replwatch series")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            lab.down(purge=True)


if __name__ == "__main__":
    main()
