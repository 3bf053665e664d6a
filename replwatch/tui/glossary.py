"""What every column and figure of the dashboard means: one text, two uses.

The help screen (``?``) shows it as a table and each links-table header shows its
line as a tooltip, so the words on hover and in the help never drift apart.
"""

from __future__ import annotations

from replwatch.tui.state import DIAGNOSIS_EVENTS_PER_LOG

#: links-table column key -> (header, what it means)
COLUMNS: dict[str, tuple[str, str]] = {
    "replica": ("replica", "the replica's address (:port when on this host)"),
    "master": ("master", "the master it replicates from"),
    "state": (
        "state",
        "up, syncing (with % or bytes left during a full sync; master-side wait_bgsave "
        "and send_bulk count as syncing) or down; a cause in words when not up",
    ),
    "lag_b": ("lag", "bytes the replica is behind: master_repl_offset minus its offset"),
    "ack": (
        "ack",
        "age of the last ACK: seconds since the master last heard the replica's ACK (INFO lag=); "
        "not how far behind it is",
    ),
    "io": (
        "io",
        "seconds since the replica last read from its master (master_last_io_seconds_ago)",
    ),
    "m_off": ("m.off", "the master's replication offset (master_repl_offset)"),
    "r_off": ("r.off", "the replica's offset; dim and ~ when stale (its last known one)"),
    "since": (
        "since",
        "how long the link has been in this state: the replica's "
        "master_link_down_since_seconds when down, else the log's last link change",
    ),
    "flaps": (
        "flaps",
        "⚡N/span: link losses the logs tell of (each loss once) over that span of log time",
    ),
}

#: figures shown outside the links table
FIGURES: dict[str, str] = {
    "catch-up": "bytes per second by which the lag shrinks (negative: falling behind), "
    "over the last few polls",
    "headroom": "how many more bytes the replica may fall behind and still resume with a "
    "partial resync (PSYNC) from the master's backlog",
    "lag history": "each replica's lag in bytes over the last 5 minutes of polls",
    "findings": "what `replwatch report`'s rules make of the log lines read so far (the "
    f"newest {DIAGNOSIS_EVENTS_PER_LOG:,} of each log), most likely cause first, each "
    "with the log line that shows it: why a sync was full or partial, refused passwords, "
    "output buffer loops, a backlog too small, timeouts, failovers; ▲ warning, ● information",
    "stale": "the replica does not answer: the figures are the last it gave",
    "● colours": "green up, amber syncing, red down, magenta needs a password",
    "sentinels": "each Sentinel's view of each master it watches: where it believes the "
    "master is (disagrees: elsewhere than the other Sentinels), ok, sdown (this Sentinel "
    "sees the master down), odown (a quorum does) or failover, the quorum, how many "
    "Sentinels it knows (itself included) and the replicas it lists; down: the Sentinel "
    "does not answer (its last answer, dim)",
    "split brain": "on the notes line: two polled masters that are one data set (a "
    "replica both claim, one Sentinel name, one replication history); both take writes",
    "rejoining": "on the notes line: an old master back up after a failover, still a "
    "master while the Sentinels already list it as a replica; they make it one within "
    "seconds, and writes it takes meanwhile are lost",
    "no password": "a replica that answers anyone without a password while its master "
    "has one (requirepass on the master only, as in the seed): whoever reaches it reads "
    "the data; give it requirepass too",
}


def glossary_markdown() -> str:
    """The glossary as Markdown, for the help screen."""
    lines = ["## What the columns and figures mean", "", "| column | means |", "|---|---|"]
    lines += [f"| `{header}` | {text} |" for header, text in COLUMNS.values()]
    lines += ["", "| figure | means |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in FIGURES.items()]
    return "\n".join(lines) + "\n"
