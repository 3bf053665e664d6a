"""Which log file belongs to which node.

The dashboard tails each node's log so that link flaps the poller misses still
show. For a node on this machine the server itself says where its log is:
``CONFIG GET logfile`` and ``CONFIG GET dir`` (a relative logfile is relative to
the server's working directory, which ``dir`` reports). ``--logs`` adds files or
overrides what the servers said, as ``PATH`` or ``HOST:PORT=PATH``.

Everything here is pure: the CONFIG GET replies are passed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Hosts whose files we can open: the server runs on this machine.
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost", "[::1]"})


@dataclass(frozen=True, slots=True)
class LogSource:
    """One log file to tail, and the node (``host:port``) that writes it, if known."""

    path: Path
    node: str | None = None


def is_local(host: str) -> bool:
    """True when ``host`` names this machine, so a log path it reports can be opened."""
    return host.lower() in LOCAL_HOSTS


def log_path_from_config(logfile: str | None, directory: str | None) -> Path | None:
    """The log file a server writes, from its ``logfile`` and ``dir`` settings.

    Returns ``None`` when the server logs to stdout (``logfile ""``), which no
    one can tail from here.
    """
    if not logfile:
        return None
    path = Path(logfile)
    if not path.is_absolute() and directory:
        path = Path(directory) / path
    return path


def parse_log_option(value: str) -> LogSource:
    """``--logs`` value: ``PATH`` or ``HOST:PORT=PATH`` (the node that writes it).

    A plain path whose ``=`` is part of the file name is kept whole unless the
    part before it looks like ``host:port``.
    """
    node, sep, path = value.partition("=")
    if sep and re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d+", node):
        return LogSource(Path(path), node)
    return LogSource(Path(value), None)


def guess_node(path: str | Path, nodes: Iterable[str]) -> str | None:
    """The node whose port appears (as a whole number) in the file name, if just one does.

    Lets ``--logs redis-10001.log`` find its node without ``HOST:PORT=``.
    """
    name = path.name if isinstance(path, Path) else str(path).rsplit("/", 1)[-1]
    numbers = set(re.findall(r"\d+", name))
    matches = [node for node in nodes if node.rpartition(":")[2] in numbers]
    return matches[0] if len(matches) == 1 else None


def resolve_sources(
    discovered: Mapping[str, Path],
    overrides: Iterable[LogSource],
    nodes: Iterable[str],
) -> list[LogSource]:
    """The final list of files to tail.

    Args:
        discovered: node -> path reported by the server itself.
        overrides: ``--logs`` values; one naming a node (or whose name holds just
            one node's port) replaces what that node reported.
        nodes: every node watched, ``host:port``.
    """
    nodes = list(nodes)
    by_node: dict[str, Path] = dict(discovered)
    extra: list[LogSource] = []
    for source in overrides:
        node = source.node or guess_node(source.path, nodes)
        if node is None:
            extra.append(source)
        else:
            by_node[node] = source.path
    result = [LogSource(path, node) for node, path in by_node.items()]
    seen = {source.path for source in result}
    result.extend(source for source in extra if source.path not in seen)
    return result
