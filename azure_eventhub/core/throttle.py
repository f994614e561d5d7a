"""At most once per interval per key: for log lines and Sentry events that would otherwise repeat
at every retry, every record or every batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class Throttle:
    """Thread-safe. ``allow(key)`` is True at most once per ``interval`` seconds for each key."""

    def __init__(
        self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic, max_keys: int = 4096
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._max_keys = max_keys  # keys are problems, not records: this bound is never reached in practice
        self._last: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: Hashable = None) -> bool:
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                return False
            if len(self._last) >= self._max_keys:
                self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
            self._last[key] = now
            return True
