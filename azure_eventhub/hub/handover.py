"""A bounded FIFO between two threads, in body bytes: a receiver process's outbox to its parent
(receiver_process.py).

The SDK's receiving loop serves every partition from one thread, and the time our callback takes is
time that loop does not read. So the callback only queues what it reports here and returns; another
thread sends it while the loop reads on. A FIFO keeps each partition's batches in the order
received. When the other side falls behind (the parent waits on its in-flight budget while the
intake is slow or down), ``put`` waits, and receiving pauses.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Handover(Generic[Item]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: deque[tuple[Item, int]] = deque()
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    def put(self, item: Item, size: int, cancelled: Callable[[], bool], on_wait: Callable[[], None]) -> bool:
        """Queue ``item`` of ``size`` bytes once there is room (always when the queue is empty, so one
        batch larger than the bound still passes). False, not queued, if closed or ``cancelled()``
        while waiting; ``on_wait`` runs every half second of waiting (a paused loop is still alive)."""
        with self._cond:
            while self._items and self._bytes + size > self.max_bytes:
                if self._closed or cancelled():
                    return False
                on_wait()
                self._cond.wait(0.5)
            if self._closed:
                return False
            self._items.append((item, size))
            self._bytes += size
            self._cond.notify_all()
            return True

    def get(self) -> Item | None:
        """The oldest item, waiting for one; None once closed (what is still queued is dropped)."""
        with self._cond:
            while not self._items:
                if self._closed:
                    return None
                self._cond.wait()
            if self._closed:
                return None
            item, size = self._items.popleft()
            self._bytes -= size
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._items.clear()
            self._bytes = 0
            self._cond.notify_all()

    def wake(self) -> None:
        """Make a waiting ``put`` re-check its cancellation now."""
        with self._cond:
            self._cond.notify_all()
