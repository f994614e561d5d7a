"""Work in flight in the forwarder, from its submission to its end (settled or abandoned), held chunks
included: the count ``drain`` waits for at stop, each partition's partial chunks in flight (a caught-up
partition sends its next partial chunk only once the one before is done: submitting.py), and the
records the intake accepted."""

from __future__ import annotations

import threading
import time

from azure_eventhub.delivery.claims import PartitionClaim


class InFlight:
    """Thread-safe: the receiving side adds, the forwarding threads (and holding.py) finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()
        self.records_forwarded = 0  # accepted by the intake since start (for the progress log)

    @property
    def count(self) -> int:
        return self._count

    def add(self, partition_claim: PartitionClaim, partial: bool) -> None:
        with self._idle:
            self._count += 1
            if partial:
                partition_claim.partials_in_flight += 1

    def finish(self, partition_claim: PartitionClaim, partial: bool) -> None:
        with self._idle:
            self._count -= 1
            if partial:
                partition_claim.partials_in_flight -= 1
            self._idle.notify_all()

    def partial(self, partition_claim: PartitionClaim) -> bool:
        """Whether a partial chunk of this partition is queued or being sent."""
        with self._idle:
            return partition_claim.partials_in_flight > 0

    def forwarded(self, records: int) -> None:
        # Under the lock: several forwarding threads add at once.
        with self._idle:
            self.records_forwarded += records

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is in flight; False if the deadline came first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True
