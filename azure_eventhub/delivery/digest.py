"""Dead letters told per partition, at most one line a minute, instead of one line each.

Why: every dead letter used to log its own line, each unique (its sequence number), so the SDK's
de-duplication never merged them and a bad producer flooded the user's log (and Sentry: warnings
go there one by one). A partition's first dead letter after a quiet minute is told at once; the next
ones are counted and told together a minute after that line, with counts and the first and last
positions.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from azure_eventhub.core.messages import PartitionRef

LogFunction = Callable[[str, str], None]


@dataclass
class _Pending:
    kinds: Counter = field(default_factory=Counter)
    # The lowest and highest positions (sequence number, record index): forwarding threads finish
    # in any order.
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    first_name: str = ""
    first_chars: int = 0
    reason: str = ""


class DeadLetterDigest:
    """Thread-safe: forwarding threads add; the pipeline's ticker calls ``flush`` (and at stop)."""

    def __init__(self, log: LogFunction, interval: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[PartitionRef, _Pending] = {}
        self._told: dict[PartitionRef, float] = {}

    def add(
        self, ref: PartitionRef, kind: str, sequence_number: int, index: int | None, chars: int, name: str, reason: str
    ) -> None:
        with self._lock:
            pending = self._pending.setdefault(ref, _Pending())
            pending.kinds[kind] += 1
            position = (sequence_number, -1 if index is None else index)  # a whole message before its records
            if pending.first is None or position < pending.first:
                pending.first, pending.first_name, pending.reason = position, name, reason
                pending.first_chars = chars
            if pending.last is None or position > pending.last:
                pending.last = position
        self.flush()

    def flush(self, force: bool = False) -> None:
        """Tell each partition whose last line is a minute old (every partition: ``force``)."""
        now = self._clock()
        lines = []
        with self._lock:
            for ref in list(self._pending):
                if force or now - self._told.get(ref, -self.interval) >= self.interval:
                    lines.append(_line(ref, self._pending.pop(ref)))
                    self._told[ref] = now
        for line in lines:
            self._log(line, "warning")


def _line(ref: PartitionRef, pending: _Pending) -> str:
    count = sum(pending.kinds.values())
    kinds = ", ".join(f"{kind}: {number}" for kind, number in sorted(pending.kinds.items()))

    def where(position: tuple[int, int]) -> str:
        number, index = position
        return f"sequence number {number}, record {index if index >= 0 else 'whole message'}"

    if count == 1:
        return (
            f"Dead-lettered a record of partition {ref} ({where(pending.first)}, {pending.first_chars} characters): "
            f"{pending.reason}. "
            f"It is kept in the storage container as {pending.first_name}"
        )
    return (
        f"Dead-lettered {count} records of partition {ref} ({kinds}), from ({where(pending.first)}) to "
        f"({where(pending.last)}); the first: {pending.reason}. They are kept in the storage container, "
        f"the first as {pending.first_name}"
    )
