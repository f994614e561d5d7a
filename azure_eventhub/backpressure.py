"""A bound on the data in flight between receiving and the intake.

Receiving waits for room instead of buffering without limit when the intake is slow or down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Budget:
    """Counts characters of records that were received but are not yet settled."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._used = 0
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        return self._used

    def acquire(self, chars: int, cancelled: Callable[[], bool], on_wait: Callable[[], None] = lambda: None) -> bool:
        """Wait for room for ``chars`` (always granted when nothing else is in flight, so one huge
        chunk cannot dead-lock). Returns False if ``cancelled()`` became true while waiting."""
        with self._cond:
            while True:
                if cancelled():
                    return False
                if not self._used or self._used + chars <= self.max_chars:
                    break
                on_wait()
                self._cond.wait(0.5)
            self._used += chars
            return True

    def release(self, chars: int) -> None:
        with self._cond:
            self._used -= chars
            self._cond.notify_all()

    def wake(self) -> None:
        """Make waiters re-check their cancellation now (stop, partition lost)."""
        with self._cond:
            self._cond.notify_all()
