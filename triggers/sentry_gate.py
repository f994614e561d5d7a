"""At most one Sentry event per distinct problem per minute.

The SDK's ``log()`` sends every warning and error to Sentry before its own once-a-minute
de-duplication of the playbook log, so a problem met by every chunk or record became as many Sentry
events. A *problem* is the line with its numbers masked (sequence numbers, counts, sizes, ports), so
that the lines of one cause count as one.
"""

from __future__ import annotations

import re

from azure_eventhub.core.throttle import Throttle

SENTRY_LEVELS = ("warning", "error", "critical")
_NUMBERS = re.compile(r"\d+")


def problem_of(level: str, message: str) -> tuple[str, str]:
    return level.lower(), _NUMBERS.sub("#", message)


class SentryGate:
    def __init__(self, interval: float = 60.0) -> None:
        self._throttle = Throttle(interval)

    def allow(self, level: str, message: str) -> bool:
        """Whether this line goes to Sentry now (lines below warning never do)."""
        return level.lower() in SENTRY_LEVELS and self._throttle.allow(problem_of(level, message))
