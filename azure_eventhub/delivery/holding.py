"""Refused chunks waiting for their next try, kept out of the forwarding threads.

Why not let the forwarding thread sleep between tries, as intake retries do: a burst of bad chunks
(or an outage) would then occupy every forwarding thread, and the good chunks queued behind them,
whose acceptance proves the held ones bad data, would never be sent. A held chunk waits here instead
and goes back to the forwarding queue when its backoff ends, or at once when the intake accepts a
request sent after its first refusal (the evidence it waits for; see breaker.py).

Memory: a held chunk is a work item that was admitted to the in-flight budget and has not been
released; holding adds nothing to what the budget already bounds.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure_eventhub.delivery.chunking import Chunk


@dataclass(slots=True)
class Held:
    """A refused chunk whose records have no verdict yet (bad data or outage)."""

    chunk: Chunk  # the records still unsettled: refused ones only, once the chunk was split
    first_refusal: int  # the breaker's mark at the first refusal of a request holding these records
    status: int
    reason: str
    tries: int = 0  # whole retries so far: the backoff's attempt number
    alone_since: float | None = None  # monotonic time its records were all refused on their own


class Holding:
    """Thread-safe. ``park`` a work item until ``delay`` passes or ``wake`` brings it forward; due
    items are handed to ``requeue`` by a thread of its own (at once when ``abandoned(work)``: a lost
    partition's items give their budget back without waiting out a 30 s backoff); ``stop`` gives
    every item to ``release``."""

    def __init__(
        self,
        requeue: Callable[[Any], None],
        release: Callable[[Any], None],
        abandoned: Callable[[Any], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._requeue = requeue
        self._release = release
        self._abandoned = abandoned
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, int, Any]] = []  # (due, order, first refusal, work)
        self._order = itertools.count()
        self._stopped = False

    def __len__(self) -> int:
        return len(self._heap)

    def start(self) -> None:
        threading.Thread(target=self._run, name="forwarder-held", daemon=True).start()

    def park(self, work: Any, first_refusal: int, delay: float) -> bool:
        """False once stopped: the caller releases the work itself."""
        with self._cond:
            if self._stopped:
                return False
            heapq.heappush(self._heap, (self._clock() + delay, next(self._order), first_refusal, work))
            self._cond.notify()
            return True

    def wake(self, accepted_ticket: int) -> None:
        """The intake accepted a request of ``accepted_ticket``: what was first refused before it
        was sent now has its evidence, and is tried again at once."""
        if not self._heap:  # every accepted chunk calls this: no lock when nothing is held
            return
        with self._cond:
            now = self._clock()
            woken = [(now, order, first, work) for due, order, first, work in self._heap if first < accepted_ticket]
            if not woken:
                return
            kept = [entry for entry in self._heap if entry[2] >= accepted_ticket]
            self._heap = kept + woken
            heapq.heapify(self._heap)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            entries, self._heap = self._heap, []
            self._cond.notify()
        for _, _, _, work in entries:
            self._release(work)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                now = self._clock()
                while self._heap and self._heap[0][0] <= now:
                    # Under the lock: once stop() has run, nothing is put back on the queue behind the
                    # forwarding threads' end markers (it would never be released).
                    self._requeue(heapq.heappop(self._heap)[3])
                abandoned = [entry for entry in self._heap if self._abandoned(entry[3])]
                if abandoned:
                    gone = {entry[1] for entry in abandoned}  # their order numbers: unique
                    self._heap = [entry for entry in self._heap if entry[1] not in gone]
                    heapq.heapify(self._heap)
                    for entry in abandoned:
                        self._requeue(entry[3])
                # At least every 0.5 s, to see abandoned items; park, wake and stop notify.
                self._cond.wait(min(0.5, self._heap[0][0] - now) if self._heap else 0.5)
