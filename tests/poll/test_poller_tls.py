"""Polling over TLS (redis-cli's --tls --cacert --insecure) against a real TLS server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from replwatch.lab import free_ports
from replwatch.poll.addresses import Address
from replwatch.poll.auth import TlsOptions
from replwatch.poll.rounds import Poller, PollSettings

FAST = PollSettings(connect_timeout=1.0, read_timeout=1.0)


def make_certificates(where: Path) -> dict[str, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 (EC keys: fast)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates: apt-get install openssl")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    files = {name: where / name for name in ("ca.crt", "ca.key", "server.crt", "server.key")}
    (where / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=where, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "1",
        "-subj",
        "/CN=replwatch test CA",
    )
    openssl(
        "req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "1",
        "-extfile",
        "san.ext",
    )
    return files


async def test_tls_polling(lab_factory, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    (tls_port,) = free_ports(1)
    lab_factory(
        1,
        server_kind="redis",  # Debian's redis-server is built with TLS
        config={
            "tls-port": str(tls_port),
            "tls-cert-file": str(certs["server.crt"]),
            "tls-key-file": str(certs["server.key"]),
            "tls-ca-cert-file": str(certs["ca.crt"]),
            "tls-auth-clients": "no",
        },
    )
    target = [Address("127.0.0.1", tls_port)]
    for tls in (
        TlsOptions(enabled=True, cacert=str(certs["ca.crt"])),
        TlsOptions(enabled=True, insecure=True),
    ):
        async with Poller(target, tls=tls, settings=FAST) as poller:
            (node,) = (await poller.poll()).nodes
        assert node.ok and node.role == "master", node.error
    # verification on: an unknown CA is refused, with the address in the message
    async with Poller(target, tls=TlsOptions(enabled=True), settings=FAST) as poller:
        (node,) = (await poller.poll()).nodes
    assert not node.ok and node.error.startswith(f"127.0.0.1:{tls_port}: ")
    assert "TLS certificate not trusted" in node.error and "--cacert" in node.error
    # plain text to a TLS port: an error value, not an exception or a hang
    async with Poller(target, settings=FAST) as poller:
        (node,) = (await poller.poll()).nodes
    assert not node.ok and node.error.startswith(f"127.0.0.1:{tls_port}: ")
    assert "try --tls" in node.error
