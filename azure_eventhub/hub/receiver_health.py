"""Whether receiving keeps failing: receiver processes that exit and never stay up.

A receiver process that exits is restarted (with the trigger's backoff). Once one stays up for
``stayed_up_seconds`` receiving works again, whatever it meets afterwards: errors a live receiver
reports (a refused credential, a missing role, the network) are logged and retried by the SDK, and a
standby replica's receiver that owns nothing is healthy. But while processes keep exiting, nothing is
collected, and past ``bound_seconds`` without one that stayed up the trigger must look unhealthy so
that the platform restarts it: that is a defect or a broken environment, not a setting to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BOUND_SECONDS = 300.0
STAYED_UP_SECONDS = 60.0
CRITICAL_AFTER_EXITS = 3  # exits in a row, with no process staying up in between


class ReceiverHealth:
    def __init__(
        self,
        bound_seconds: float = BOUND_SECONDS,
        stayed_up_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bound_seconds = bound_seconds
        # Shorter than the bound, or a single exit followed by a good start would still turn red.
        self.stayed_up_seconds = stayed_up_seconds if stayed_up_seconds is not None else min(STAYED_UP_SECONDS, bound_seconds / 5)
        self._clock = clock
        self._started: float | None = None
        self._failing_since: float | None = None
        self.exits_in_a_row = 0

    def started(self) -> None:
        """Receiver processes were (re)started."""
        self._started = self._clock()

    def running(self) -> None:
        """Every receiver process is still running: once for long enough, receiving works again."""
        if self._started is not None and self._clock() - self._started >= self.stayed_up_seconds:
            self._failing_since = None
            self.exits_in_a_row = 0

    def exited(self) -> int:
        """A receiver process exited (whatever the reason): returns the exits in a row."""
        self.running()  # one that ran long enough before it exited counts as having stayed up
        if self._failing_since is None:
            self._failing_since = self._clock()
        self._started = None
        self.exits_in_a_row += 1
        return self.exits_in_a_row

    def not_receiving_by_choice(self) -> None:
        """Receiving is not being tried (a setting to fix, a stop): the clock does not run."""
        self._failing_since = None
        self._started = None
        self.exits_in_a_row = 0

    @property
    def critical(self) -> bool:
        return self.exits_in_a_row >= CRITICAL_AFTER_EXITS

    def healthy(self) -> bool:
        return self._failing_since is None or self._clock() - self._failing_since < self.bound_seconds

    def failing_for(self) -> float:
        return 0.0 if self._failing_since is None else self._clock() - self._failing_since
