"""Open-file limits: raise the soft limit when following many files, or say what to raise.

Each followed file holds one descriptor (so that a rotated file can still be read
to its end), so ``tail`` over 2,000 files needs more than the usual soft limit of
1,024. The hard limit is usually far higher and may be taken without privileges;
:func:`ensure_descriptors` does that. When even the hard limit is too low, the
followers report :func:`advice` instead of a bare ``Too many open files``.
"""

from __future__ import annotations

try:
    import resource
except ImportError:  # not on POSIX: nothing to raise
    resource = None  # type: ignore[assignment]

#: Descriptors kept free for everything else (inotify, grammars, sockets, stdout).
RESERVE = 64


def soft_limit() -> int | None:
    """The current soft ``RLIMIT_NOFILE``, or None when unknown or unlimited."""
    if resource is None:
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def ensure_descriptors(files: int) -> bool:
    """Make room for ``files`` open files plus :data:`RESERVE`; False if it cannot."""
    if resource is None:
        return True
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = files + RESERVE
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return True
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return False
    return target >= wanted


def advice() -> str:
    """What to tell the user when descriptors ran out."""
    limit = soft_limit()
    now = f" (ulimit -n is {limit})" if limit is not None else ""
    return (
        f"too many open files{now}: raise the limit, e.g. `ulimit -n 65536` in the shell "
        "that starts replwatch, or follow fewer files"
    )
