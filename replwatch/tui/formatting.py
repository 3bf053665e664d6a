"""Short human forms of the numbers the dashboard shows."""

from __future__ import annotations

#: Link/node state -> the style every widget colours it with.
STATE_STYLE: dict[str, str] = {
    "up": "green",
    "syncing": "yellow",
    "down": "red",
    "auth": "magenta",
    "unknown": "dim",
    # a replica anyone can read (no password while its master has one)
    "open": "bold magenta",
}

#: Event level -> feed colour.
LEVEL_STYLE: dict[str, str] = {
    "warning": "red",
    "notice": "",
    "verbose": "dim",
    "debug": "dim",
}


def human_bytes(value: int | float | None) -> str:
    """``1536`` -> ``1.5K``; ``None`` -> ``-``."""
    if value is None:
        return "-"
    size = float(value)
    for unit in ("", "K", "M", "G", "T"):
        if abs(size) < 1024 or unit == "T":
            return f"{size:.0f}{unit}" if unit == "" else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}T"


def human_seconds(value: float | None) -> str:
    """``75`` -> ``1m15s``; ``None`` -> ``-``."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.1f}s"
    whole = int(value)
    if whole < 60:
        return f"{whole}s"
    minutes, seconds = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def human_int(value: int | None) -> str:
    return "-" if value is None else str(value)


def compact_int(value: int | None) -> str:
    """``5600`` -> ``5600``, ``12345`` -> ``12.3k``, ``1234567`` -> ``1.2M``; ``None`` -> ``-``.

    Replication offsets grow to ten digits and more; in a narrow table the
    leading digits and the magnitude are what a reader compares.
    """
    if value is None:
        return "-"
    if abs(value) < 10_000:
        return str(value)
    scaled = float(value)
    for unit in ("k", "M", "G", "T", "P"):
        scaled /= 1000
        if abs(scaled) < 999.5 or unit == "P":
            return f"{scaled:.1f}{unit}" if abs(scaled) < 99.95 else f"{scaled:.0f}{unit}"
    return str(value)  # pragma: no cover - the loop always returns


def progress_bar(fraction: float, *, width: int = 10) -> str:
    """A text bar ``█████░░░░░ 50%`` for a fraction 0..1."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {fraction * 100:.0f}%"


def short_address(address: str) -> str:
    """``127.0.0.1:10001`` -> ``:10001``: on a narrow screen the loopback host is noise."""
    host, sep, port = address.rpartition(":")
    if sep and host in ("127.0.0.1", "localhost", "[::1]"):
        return ":" + port
    return address
