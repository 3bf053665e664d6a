#!/usr/bin/env python3
"""Record real Sentinel failovers: master + 2 replicas + 3 Sentinels.

Usage::

    python scripts/record_sentinel.py                  # both servers, both scenarios
    python scripts/record_sentinel.py --server valkey --only sentinel-failover

Writes ``OUT/<product>-<version>/<scenario>/``: ``<port>.log`` per data node,
``sentinel-<port>.log`` per Sentinel (copied byte for byte) and ``steps.txt`` (what
the script did, UTC). Scenarios:

- ``sentinel-failover``: the master is SIGKILLed; Sentinels agree it is down, elect a
  leader, promote a replica and repoint the other; then the old master is restarted
  and Sentinel converts it into a replica of the new master.
- ``sentinel-requested-failover``: ``SENTINEL FAILOVER mymaster`` on one Sentinel
  while the master is healthy: no +sdown/+odown, the old master is demoted at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from replwatch.lab import Lab, LabError, ServerBinary, free_ports, port_in_use, server_of_kind
from replwatch.lab.sentinel import SentinelGroup

PASSWORD = "foobared"  # the seed's password; servers never log it
DATA_PORTS = [10000, 10001, 10002]
SENTINEL_PORTS = [26379, 26380, 26381]
ROOT = Path(__file__).resolve().parent.parent


def _ports(wanted: list[int], avoid: list[int]) -> list[int]:
    if not any(map(port_in_use, wanted)):
        return wanted
    return [p for p in free_ports(len(wanted) + len(avoid)) if p not in avoid][: len(wanted)]


class Steps:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        now = dt.datetime.now(dt.UTC).strftime("%H:%M:%S.%f")[:-3]
        self.lines.append(f"{now}Z {text}")
        print(f"  {text}", flush=True)


def _wait_role(lab: Lab, port: int, role: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            info = lab.info_replication(port)
            if info.get("role") == role and (
                role == "master" or info.get("master_link_status") == "up"
            ):
                return
        except LabError:
            pass
        if time.monotonic() > deadline:
            raise LabError(f"{port} did not become a linked {role} in {timeout:g}s")
        time.sleep(0.05)


def _wait_switch(sentinels: SentinelGroup, old: int) -> int:
    deadline = time.monotonic() + 60
    new: int | None = None
    while new is None or new == old:
        new = sentinels.master_port_seen(sentinels.ports[0])
        if time.monotonic() > deadline:
            raise LabError("Sentinels did not switch the master in 60 s")
        time.sleep(0.05)
    sentinels.wait_master(new)
    return new


def _up_with_data(lab: Lab, step: Steps) -> None:
    """The start both scenarios share: the topology up, then 100 writes to replicate."""
    lab.up()
    step(f"up: master {lab.master_port} + replicas {lab.replica_ports} linked")
    for index in range(100):
        lab.write(f"key:{index}", "x" * 100)
    step("100 writes on the master")


def requested_failover(lab: Lab, sentinels: SentinelGroup, step: Steps) -> None:
    _up_with_data(lab, step)
    sentinels.up()
    step(f"Sentinels {sentinels.ports} up (quorum {sentinels.quorum}); discovery complete")
    client = sentinels.client(sentinels.ports[0])
    try:
        client.execute_command("SENTINEL", "FAILOVER", sentinels.master_name)
    finally:
        client.close()
    step(f"SENTINEL FAILOVER {sentinels.master_name} on {sentinels.ports[0]}")
    old = lab.master_port
    new = _wait_switch(sentinels, old)
    step(f"every Sentinel names {new} as master")
    sentinels.wait_log("+failover-end")
    _wait_role(lab, old, "slave", timeout=60)
    other = next(p for p in lab.replica_ports if p != new)
    _wait_role(lab, other, "slave")
    step(f"{old} and {other} linked to the new master (+failover-end logged)")
    time.sleep(1)


def killed_master(lab: Lab, sentinels: SentinelGroup, step: Steps) -> None:
    _up_with_data(lab, step)
    sentinels.up()
    step(
        f"Sentinels {sentinels.ports} up (quorum {sentinels.quorum}, down-after "
        f"{sentinels.down_after_ms} ms, failover-timeout {sentinels.failover_timeout_ms} ms); "
        "each sees both replicas and the other Sentinels"
    )
    old = lab.master_port
    lab.kill(old)
    step(f"SIGKILL master {old}")
    new = _wait_switch(sentinels, old)
    step(f"every Sentinel names {new} as master")
    sentinels.wait_log("+failover-end")
    other = next(p for p in lab.replica_ports if p != new)
    _wait_role(lab, other, "slave")
    step(f"{other} linked to the new master (+failover-end logged)")
    for index in range(50):
        lab.write(f"after:{index}", "y" * 100, port=new)
    step(f"50 writes on the new master {new}")
    lab.start(old, wait_link=False)
    step(f"restart old master {old} (its config still says master)")
    sentinels.wait_log("+convert-to-slave", timeout=60)
    _wait_role(lab, old, "slave", timeout=60)
    step(f"Sentinel converted {old} into a replica of {new}; its link is up")
    time.sleep(1)


Scenario = Callable[[Lab, SentinelGroup, Steps], None]
SCENARIOS: dict[str, Scenario] = {
    "sentinel-failover": killed_master,
    "sentinel-requested-failover": requested_failover,
}


def record(server: ServerBinary, name: str, out: Path) -> None:
    target = out / server.kind_label / name
    print(f"{server.kind_label} {name}", flush=True)
    body = SCENARIOS[name]
    step = Steps()
    with tempfile.TemporaryDirectory(prefix="replwatch-sentinel-") as tmp:
        data_ports = _ports(DATA_PORTS, [])
        # requirepass on every node: the replica Sentinel promotes must accept the
        # masterauth of the others, or the failover leaves them unable to attach.
        lab = Lab(Path(tmp), data_ports, password=PASSWORD, server=server, protect_replicas=True)
        sentinels = SentinelGroup(lab, _ports(SENTINEL_PORTS, data_ports))
        step(f"start {server.product} {server.version}, ports {lab.ports}")
        try:
            body(lab, sentinels, step)
        finally:
            sentinels.down()
            lab.down()
        step("down (SIGTERM to every Sentinel and node)")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for port in lab.ports:
            shutil.copyfile(lab.log_path(port), target / f"{port}.log")
        for port in sentinels.ports:
            shutil.copyfile(sentinels.log_path(port), target / f"sentinel-{port}.log")
    roles = [f"{lab.master_port} master"] + [f"{p} replica" for p in lab.replica_ports]
    roles += [f"{p} sentinel" for p in sentinels.ports]
    header = [
        f"server: {server.product} {server.version} ({server.path.name})",
        f"recorded: {dt.datetime.now(dt.UTC):%Y-%m-%d}",
        "initial roles: " + ", ".join(roles),
        "",
    ]
    (target / "steps.txt").write_text("\n".join(header + step.lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", choices=["redis", "valkey"])
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--out", type=Path, default=ROOT / "sample_logs")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        for kind in args.server or ["redis", "valkey"]:
            for name in args.only or sorted(SCENARIOS):
                record(server_of_kind(kind), name, args.out)
    except LabError as exc:
        print(f"record_sentinel: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
