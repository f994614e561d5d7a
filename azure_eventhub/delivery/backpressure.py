"""A bound on the record text held between receiving and the intake.

Receiving waits for room instead of buffering without limit when the intake is slow or down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Budget:
    """Counts characters of records that were received but are not yet settled: from the moment
    they enter a partition's chunk (partial chunks included) to the end of their chunk's forwarding.
    Partial chunks count because there are as many as partitions, each up to a request's size: 32
    partitions could hold ~288 MiB outside a bound that did not count them."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._used = 0
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        return self._used

    def acquire(self, chars: int, cancelled: Callable[[], bool], on_wait: Callable[[], None] = lambda: None) -> bool:
        """Wait for room for ``chars`` (always granted when nothing else is held, so one huge batch
        cannot dead-lock). ``on_wait`` is called before each wait, outside the lock: it may release
        room or send what holds it. Returns False if ``cancelled()`` became true while waiting."""
        while True:
            with self._cond:
                if cancelled():
                    return False
                if self._fits(chars):
                    self._used += chars
                    return True
            on_wait()
            with self._cond:
                if cancelled():
                    return False
                if self._fits(chars):
                    self._used += chars
                    return True
                self._cond.wait(0.5)

    def _fits(self, chars: int) -> bool:
        return not self._used or self._used + chars <= self.max_chars

    def release(self, chars: int) -> None:
        if not chars:
            return
        with self._cond:
            self._used -= chars
            self._cond.notify_all()

    def wake(self) -> None:
        """Make waiters re-check their cancellation now (stop, partition lost)."""
        with self._cond:
            self._cond.notify_all()
