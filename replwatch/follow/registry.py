"""Which file (device, inode) is read by whom, and how far: nothing is read twice.

A file can reach the tailer under more than one name: a date-named rotation renames
``10001.log`` to ``10001-20261202.log`` and both match ``*.log``; a symlink swapped
A→B→A points at A again; two PATH arguments name the same file. Followers are keyed
by name, so without a shared memory each name would start the file over and print
it again. The :class:`FileRegistry` is that memory, keyed by identity:

* an **open** file (some follower's current or retired file) is handed over whole
  to the follower that meets it under a new name: its descriptor, offset, line
  number and half-read line move, so it is read on from where it was, once;
* a **closed** file's position (offset, line number, the bytes that prove it is
  still the same file) is remembered, a bounded number of them, so a name that
  comes back to it resumes there instead of at byte 0.

All calls come from the tailer's one thread (followers are polled there), so there
is no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

#: (st_dev, st_ino): what a file is, whatever its name.
Identity = tuple[int, int]

#: How many closed files' positions are remembered.
REMEMBERED = 256


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading of a closed file stopped, and what it held, to resume there."""

    offset: int
    line_no: int
    head: bytes
    signature: bytes


class Owner(Protocol):
    """A follower, as the registry sees it."""

    def release(self, opened: Any) -> None:
        """Give up ``opened`` (another follower now reads it)."""


class FileRegistry:
    """Open files by identity and the last positions of closed ones."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._open: dict[Identity, tuple[Owner, Any]] = {}
        self._closed: OrderedDict[Identity, Position] = OrderedDict()
        self._remembered = remembered
        #: descriptors the followers hold, and how many they may (None: no cap),
        #: so that following many files never starves the rest of the process
        #: (grammars, sockets, stdout) of descriptors.
        self.descriptors = 0
        self.max_descriptors: int | None = None

    def may_open(self) -> bool:
        """True while one more descriptor fits under :attr:`max_descriptors`."""
        return self.max_descriptors is None or self.descriptors < self.max_descriptors

    def opened(self, identity: Identity, owner: Owner, opened: Any) -> None:
        """``owner`` now reads ``opened`` (a follower's open file)."""
        self._open[identity] = (owner, opened)
        self._closed.pop(identity, None)

    def closed(self, identity: Identity, opened: Any, position: Position | None) -> None:
        """``opened`` was closed at ``position`` (None: do not resume it)."""
        entry = self._open.get(identity)
        if entry is not None and entry[1] is opened:
            del self._open[identity]
        if position is not None:
            self._closed[identity] = position
            self._closed.move_to_end(identity)
            while len(self._closed) > self._remembered:
                self._closed.popitem(last=False)

    def remember(self, identity: Identity, position: Position) -> None:
        """Record a file read elsewhere (a rotated copy) as read up to ``position``."""
        if identity not in self._open:
            self.closed(identity, None, position)

    def is_open(self, identity: Identity) -> bool:
        return identity in self._open

    def claim(self, identity: Identity, claimant: Owner) -> Any | Position | None:
        """The open file or the remembered position of ``identity``, for ``claimant``.

        An open file is taken from its owner (which forgets it) and returned; the
        caller now owns it. A remembered position is returned and forgotten.
        """
        entry = self._open.pop(identity, None)
        if entry is not None:
            owner, opened = entry
            owner.release(opened)
            return opened
        return self._closed.pop(identity, None)
