"""Remembers the event processor's owner id across restarts, in the data volume.

The SDK gives each processor a random owner id and no way to set it, so a process restarted after
a crash would wait for its predecessor's claims to expire (a minute or more) before receiving.
Instead, each process takes a *slot* (a file, locked for the process's lifetime), reads the owner id
its predecessor in that slot wrote, releases that owner's claims, then writes its own. Replicas that
share a volume take different slots; a slot is freed when its process dies, whatever the cause.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path


class OwnerSlot:
    def __init__(self, directory: Path, scope: str) -> None:
        digest = hashlib.sha256(scope.encode()).hexdigest()[:20]
        self.directory = directory / digest
        self._file = None
        self.path: Path | None = None

    def acquire(self, first: int = 0, max_slots: int = 64) -> str | None:
        """Lock the first free slot from ``first`` on; return the owner id its previous process left,
        if any. Receiver process k starts at slot k: its predecessor there held stripe k
        (sibling_claims.py), the partitions it claims first, which it releases before claiming."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for number in [*range(first, max_slots), *range(first)]:
            path = self.directory / f"slot-{number}"
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open to keep the lock
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self._file, self.path = handle, path
            handle.seek(0)
            previous = handle.read().strip()
            return previous or None
        raise RuntimeError(f"no free owner slot in {self.directory}")

    def remember(self, owner_id: str) -> None:
        assert self._file is not None, "acquire() first"
        self._file.seek(0)
        self._file.truncate()
        self._file.write(owner_id)
        self._file.flush()
        os.fsync(self._file.fileno())

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
