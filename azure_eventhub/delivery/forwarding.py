"""Chunks -> intake, and records the intake refuses -> dead letters.

Forwarding threads take work from one queue (bounded by the in-flight budget, not by the queue),
so several chunks of several partitions are in flight at once. The budget's room for a piece of work
is taken by the receiving side before its records enter a chunk (pipeline.py); the forwarding thread
gives it back once the work is done, whatever its outcome. Each chunk gets an outcome:
accepted (its records are settled), refused (split in halves until the records refused on their own
are isolated), or abandoned (trigger stopping or partition lost: nothing is settled). Transient
intake failures never reach this module: the intake port retries them.

A record refused on its own is dead-lettered only once it is judged bad data, not an intake outage
(refusals.py, breaker.py); until then its chunk is held (holding.py) and retried. Dead letters are
written by dead_lettering.py; what is in flight is counted by in_flight.py.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from azure_eventhub.delivery.backpressure import Budget
from azure_eventhub.delivery.breaker import RefusalBreaker
from azure_eventhub.delivery.chunking import Chunk
from azure_eventhub.delivery.dead_lettering import DeadLetterWriter
from azure_eventhub.delivery.digest import DeadLetterDigest
from azure_eventhub.core.errors import Abandoned, ChunkRejected
from azure_eventhub.delivery.failures import fail_claim
from azure_eventhub.delivery.holding import Held, Holding
from azure_eventhub.delivery.in_flight import InFlight
from azure_eventhub.core.throttle import Throttle
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.refusals import VERDICT_SECONDS, Refusals
from azure_eventhub.delivery.ports import DeadLetterJob, DeadLetterPort, IntakePort

LogFunction = Callable[[str, str], None]  # (message, level)


class Forwarder:
    def __init__(
        self,
        intake: IntakePort,
        dead_letters: DeadLetterPort,
        budget: Budget,
        metrics: PipelineMetrics,
        log: LogFunction,
        workers: int = 8,
        on_progress: Callable[[], None] = lambda: None,
        breaker: RefusalBreaker | None = None,
        hold_backoff: Callable[[int], float] | None = None,
        verdict_seconds: float = VERDICT_SECONDS,
    ) -> None:
        """``hold_backoff`` and ``verdict_seconds``: see refusals.Refusals."""
        self._intake = intake
        self._budget = budget
        self._metrics = metrics
        self._log = log
        self._workers = workers
        self._on_progress = on_progress
        self._failure_log = Throttle(60.0)
        self.digest = DeadLetterDigest(log)  # dead letters told per partition, a line a minute at most
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._in_flight = InFlight()
        self._breaker = breaker or RefusalBreaker()
        self._dead_lettering = DeadLetterWriter(dead_letters, metrics, log, self.digest, self.alive, self._stopping)
        self._refusals = Refusals(
            self._breaker, self._send, self._dead_lettering.refused, log, verdict_seconds, hold_backoff
        )
        self._holding = Holding(self._queue.put, self._finish, lambda work: not self.alive(work[0]))

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._holding.start()
        for number in range(self._workers):
            threading.Thread(target=self._work, name=f"forwarder-{number}", daemon=True).start()

    def stop(self) -> None:
        """Stop retrying and abandon queued work; requests already sent may still complete."""
        self._stopping.set()
        self._holding.stop()  # held chunks are abandoned: their budget is given back
        self._budget.wake()
        for _ in range(self._workers):
            self._queue.put(None)  # each forwarding thread ends once the queue is abandoned

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is in flight; False if the deadline came first."""
        return self._in_flight.drain(timeout)

    @property
    def in_flight(self) -> int:
        return self._in_flight.count

    @property
    def records_forwarded(self) -> int:
        """Accepted by the intake since start (for the progress log)."""
        return self._in_flight.records_forwarded

    @property
    def held(self) -> int:
        """Refused chunks waiting for a verdict or an outage's end (part of ``in_flight``)."""
        return len(self._holding)

    # --- submission (receiving side) -----------------------------------------------------------
    def submit_chunk(self, partition_claim: PartitionClaim, chunk: Chunk, partial: bool = False) -> None:
        """Queue a chunk whose characters the caller holds in the budget (released once done).
        ``partial``: a chunk sent before it was full (see partial_in_flight)."""
        self._submit(partition_claim, chunk, chunk.chars, partial)

    def submit_dead_letter(self, partition_claim: PartitionClaim, job: DeadLetterJob) -> None:
        """Queue a dead letter whose characters the caller holds in the budget."""
        self._submit(partition_claim, job, job.chars, False)

    def _submit(self, partition_claim: PartitionClaim, item: Chunk | DeadLetterJob, chars: int, partial: bool) -> None:
        self._in_flight.add(partition_claim, partial)
        self._queue.put((partition_claim, item, chars, partial))

    def partial_in_flight(self, partition_claim: PartitionClaim) -> bool:
        """Whether a partial chunk of this partition is queued or being sent."""
        return self._in_flight.partial(partition_claim)

    def alive(self, partition_claim: PartitionClaim) -> bool:
        return partition_claim.alive and not self._stopping.is_set()

    # --- forwarding threads --------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            work = self._queue.get()
            if work is None:
                return
            partition_claim, item, _, _ = work
            held = None
            try:
                if self.alive(partition_claim):
                    if isinstance(item, DeadLetterJob):
                        self._dead_lettering.write(partition_claim, item)
                    else:
                        held = self._forward(partition_claim, item)
            except Abandoned:
                pass
            except Exception as error:  # the loop boundary: a bug must not kill a forwarding thread
                # The item's ordinals will never settle: the claim fails, so that the partition is
                # read again from its checkpoint instead of holding it until a restart.
                fail_claim(partition_claim, "forwarding", error, self._metrics, self._log, self._failure_log)
            finally:
                if held is None or not self._hold(work, held):
                    self._finish(work)

    def _finish(self, work: tuple) -> None:
        """The work item is done (settled, or abandoned): its budget and in-flight count go."""
        partition_claim, _, chars, partial = work
        self._budget.release(chars)
        self._in_flight.finish(partition_claim, partial)

    def _hold(self, work: tuple, held: Held) -> bool:
        """Park a refused chunk until its next try; False if the forwarder is stopping."""
        partition_claim, _, chars, partial = work
        delay = self._refusals.next_try(held)
        if not self._holding.park((partition_claim, held, chars, partial), held.first_refusal, delay):
            return False
        if delay and self._breaker.proven(held.first_refusal):
            # Its evidence came between the check above and the parking, whose wake-up it missed.
            self._holding.wake(self._breaker.last_accepted)
        return True

    def _forward(self, partition_claim: PartitionClaim, item: Chunk | Held) -> Held | None:
        """Send a chunk (or a held one's records) whole; None once every record is settled, else
        what is held for a later try."""
        held = item if isinstance(item, Held) else None
        chunk = held.chunk if held is not None else item
        proven = held is not None and self._breaker.proven(held.first_refusal)  # before it is sent
        try:
            self._send(partition_claim, chunk)
            return None
        except ChunkRejected as rejection:
            if held is None:
                held = Held(chunk, self._breaker.mark(), rejection.status, rejection.reason)
            held.status, held.reason = rejection.status, rejection.reason
        return self._refusals.judge(partition_claim, held, proven)

    def _send(self, partition_claim: PartitionClaim, chunk: Chunk) -> None:
        """One request; raises ChunkRejected (counted), settles the chunk if accepted."""
        ticket = self._breaker.ticket()
        started = time.monotonic()
        try:
            self._intake.send(chunk.records, lambda: self.alive(partition_claim))
        except ChunkRejected as rejection:
            self._metrics.chunk(str(rejection.status))
            raise
        open_seconds = self._breaker.accepted(ticket)
        self._holding.wake(ticket)
        if open_seconds is not None:
            self._refusals.tell_outage_over(open_seconds)
        self._on_progress()
        self._metrics.chunk("accepted")
        self._metrics.forwarded(len(chunk), time.monotonic() - started)
        self._in_flight.forwarded(len(chunk))
        if partition_claim.alive:
            partition_claim.tracker.settle(chunk.ranges)
