"""``replwatch status`` reads the old servers people still run (Redis 2.8-6.2, Valkey 7.2/8.0).

Opt-in: see :mod:`tests.old_servers.servers` (``REPLWATCH_OLD_SERVERS_DIR``).

Each build gets a real lab (master + 2 replicas, password, version-aware config), then
one ``status --json`` run in a subprocess with the password in ``REDISCLI_AUTH`` only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replwatch.lab import Lab, find_server, free_ports
from tests.old_servers.servers import old_server_binaries

BINARIES = old_server_binaries()
PASSWORD = "old-pw-7731"


@pytest.mark.parametrize("binary", BINARIES, ids=lambda p: p.parent.name)
def test_status_reads_an_old_server_lab(binary: Path, tmp_path: Path) -> None:
    server = find_server(binary)
    lab = Lab(tmp_path / "lab", free_ports(3), password=PASSWORD, server=server)
    try:
        lab.up()
        env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
        env["REDISCLI_AUTH"] = PASSWORD
        ports = ",".join(map(str, lab.ports))
        done = subprocess.run(
            [sys.executable, "-m", "replwatch", "status", "--ports", ports, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        lab.down(purge=True)
    assert PASSWORD not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    roles = {node["address"]: node["role"] for node in report["nodes"]}
    master = f"127.0.0.1:{lab.master_port}"
    assert roles == {master: "master"} | {f"127.0.0.1:{p}": "replica" for p in lab.replica_ports}
    assert {node["version"] for node in report["nodes"]} == {server.version}
    links = {(link["master"], link["replica"]): link["state"] for link in report["links"]}
    assert links == {(master, f"127.0.0.1:{p}"): "up" for p in lab.replica_ports}
