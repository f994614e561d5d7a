"""Tells bad data from an intake that refuses everything (issue 14, path 7: the count rule).

The intake answers 400 with its own JSON both to a record it cannot take (bad data: the chunk is
split and that record dead-lettered) and, in an outage, to every request. Splitting and
dead-lettering through an outage would turn every record into a dead letter, so a refusal is judged
by what the intake does next:

- **bad data**: the intake accepted a request sent after the record's first refusal. A refusal of
  that record on its own, in a request sent after that acceptance, is the record's: dead letter;
- **outage**: 3 chunks in a row were refused record by record with no such acceptance in between.
  The breaker opens: chunks are retried whole with backoff, nothing is dead-lettered; one chunk at a
  time (at most one per probe backoff) is still split, as a probe, so that a good record in it gets
  accepted and closes the breaker. Without probes, a burst of bad records followed by a chunk that
  mixes bad and good ones would hold the breaker open for ever: that chunk is never accepted whole.

Evidence is ordered by tickets, a counter taken as each request is sent: a refusal's *mark* is the
counter when the refusal came back, so a request whose ticket is above it was sent after it.

One breaker per intake (the Forwarder's), shared by the partitions: an outage is the intake's, and
any partition's accepted request proves that another partition's refused records are bad data
(per partition, a quiet partition's refusals would wait for its own traffic, and an outage would be
split record by record on every partition before each breaker opened).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from azure_eventhub.delivery.backoff import backoff_seconds

THRESHOLD = 3  # chunks refused record by record in a row: an outage, not bad data


class RefusalBreaker:
    """Thread-safe state: forwarding threads report what they send and what the intake answered."""

    def __init__(
        self,
        threshold: int = THRESHOLD,
        probe_backoff: Callable[[int], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        # Wait before the n-th probe of one outage: capped exponential with jitter, as intake retries.
        self._probe_backoff = probe_backoff or (lambda failures: backoff_seconds(failures, None))
        self._clock = clock
        self._lock = threading.Lock()
        self._tickets = 0
        self._last_accepted = 0  # the highest ticket the intake accepted
        self._row: list[int] = []  # marks of chunks refused record by record, not proven bad data yet
        self._opened_mark: int | None = None  # the ticket count when it opened; None while closed
        self._opened_at = 0.0
        self._probing = False
        self._probes_refused = 0
        self._next_probe = 0.0
        self.openings = 0

    def ticket(self) -> int:
        """Take a ticket for a request about to be sent."""
        with self._lock:
            self._tickets += 1
            return self._tickets

    def mark(self) -> int:
        """A refusal that just came back: requests with a higher ticket are sent after it."""
        with self._lock:
            return self._tickets

    @property
    def is_open(self) -> bool:
        return self._opened_mark is not None

    @property
    def last_accepted(self) -> int:
        """The highest ticket the intake accepted (0: none yet)."""
        return self._last_accepted

    def proven(self, first_refusal: int) -> bool:
        """Whether records first refused at ``first_refusal`` are bad data if refused alone now.
        Never while open: an acceptance from before the outage says nothing of it."""
        with self._lock:
            return self._opened_mark is None and self._last_accepted > first_refusal

    def accepted(self, ticket: int) -> float | None:
        """The intake accepted the request of ``ticket``. Returns the seconds it was open if this
        closed the breaker (a request sent after it opened was accepted), else None."""
        with self._lock:
            self._last_accepted = max(self._last_accepted, ticket)
            if self._row:
                self._row = [mark for mark in self._row if mark >= ticket]
            if self._opened_mark is None or ticket <= self._opened_mark:
                return None
            self._opened_mark = None
            self._probes_refused = 0
            return self._clock() - self._opened_at

    def fully_refused(self, first_refusal: int) -> bool:
        """A chunk (first refused at ``first_refusal``) was refused record by record and nothing
        proves it bad data. True if this opened the breaker."""
        with self._lock:
            if self._opened_mark is not None or self._last_accepted > first_refusal:
                return False
            self._row.append(first_refusal)
            if len(self._row) < self.threshold:
                return False
            self._row.clear()
            self._opened_mark = self._tickets
            self._opened_at = self._clock()
            self.openings += 1
            # The chunks that opened it were just split: the first probe waits a backoff too.
            self._next_probe = self._opened_at + self._probe_backoff(1)
            return True

    def take_probe(self) -> bool:
        """While open: whether the caller may split its refused chunk as the probe (one at a time,
        spaced by a growing backoff). Call ``end_probe`` when it is done."""
        with self._lock:
            if self._opened_mark is None or self._probing or self._clock() < self._next_probe:
                return False
            self._probing = True
            return True

    def end_probe(self) -> None:
        with self._lock:
            self._probing = False
            if self._opened_mark is not None:  # the probe found nothing the intake accepts
                self._probes_refused += 1
                self._next_probe = self._clock() + self._probe_backoff(self._probes_refused + 1)
