"""The pipeline: received messages -> records -> filtered -> chunks -> intake -> checkpoints.

Delivery is at-least-once: a partition's checkpoint moves only past messages whose every record
was accepted by the intake, durably dead-lettered, or dropped by a counted rule (category filter,
heartbeat, null). Callbacks come from a receiver process's reader thread (receiver_process.py),
which decodes, chunks and submits each batch itself: the receiving loop runs in that other process
and goes on meanwhile. Receiving never waits for the intake while the in-flight budget has room;
when it has none, the callback waits, the pipe and the receiver's outbox fill, and receiving pauses.
Every callback names its claim (messages.Claim) and reaches that claim's partition claim only
(claims.ClaimRegistry), nothing at all once the pipeline is closed.
A batch's records take their room in the budget before they enter a chunk, so the partial chunks of
every partition count too; a callback that waits sends every partial chunk at once, since the room
it waits for may be held by one (its own partition's, perhaps) that no linger would send soon.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from azure_eventhub.delivery.backpressure import Budget
from azure_eventhub.delivery.checkpointing import Checkpointer, CheckpointPort
from azure_eventhub.delivery.chunking import DEFAULT_MAX_CHUNK_CHARS
from azure_eventhub.delivery.failures import fail_batch
from azure_eventhub.delivery.filtering import CategoryFilter
from azure_eventhub.delivery.forwarding import Forwarder
from azure_eventhub.delivery.ports import DeadLetterPort, IntakePort
from azure_eventhub.delivery.claims import ClaimRegistry, PartitionClaim
from azure_eventhub.core.messages import SOLE_CLAIM, Claim, MessageBatch, PartitionInfo, PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.submitting import BatchSubmitter
from azure_eventhub.delivery.timers import PipelineTimers

LogFunction = Callable[[str, str], None]


@dataclass(frozen=True)
class PipelineSettings:
    chunk_size: int = 1000
    categories: tuple[str, ...] = ()
    max_chunk_chars: int = DEFAULT_MAX_CHUNK_CHARS
    # Record characters received but not yet settled, all partitions together, partial chunks
    # included: about 1.1 bytes of memory each (ASCII text). Receiving pauses beyond it. 32 Mi is
    # two seconds of 1 KB records at 15,000 a second: more than is ever in flight at intake
    # latencies up to a second, with 8 partitions' partial chunks (8 Mi at Chunk Size 1000) too.
    max_in_flight_chars: int = 32 * 1024 * 1024
    forwarding_threads: int = 8
    linger_seconds: float = 1.0  # a partial chunk waits at most this long
    checkpoint_interval: float = 5.0  # coalesced checkpoint writes, per partition
    progress_log_interval: float = 60.0


class Pipeline:
    def __init__(
        self,
        settings: PipelineSettings,
        intake: IntakePort,
        dead_letters: DeadLetterPort,
        checkpoints: CheckpointPort,
        metrics: PipelineMetrics,
        log: LogFunction,
        on_progress: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self._metrics = metrics
        self._log = log
        self._on_progress = on_progress
        self._filter = CategoryFilter(settings.categories)
        self._budget = Budget(settings.max_in_flight_chars)
        self._forwarder = Forwarder(
            intake, dead_letters, self._budget, metrics, log, settings.forwarding_threads, on_progress
        )
        self._checkpointer = Checkpointer(checkpoints, metrics, log)
        self._claims = ClaimRegistry(settings.chunk_size, settings.max_chunk_chars)
        self._stopping = threading.Event()
        self._submitter = BatchSubmitter(
            self._filter, self._budget, self._forwarder, metrics, settings.linger_seconds, self._claims.all,
            self._stopping, on_progress,
        )  # fmt: skip
        self._timers = PipelineTimers(
            self.partition_claims,
            self._submitter,
            self._forwarder,
            self._checkpointer,
            metrics,
            log,
            self._stopping,
            settings.checkpoint_interval,
            settings.progress_log_interval,
        )

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._forwarder.start()
        self._timers.start()

    def stop(self, drain_seconds: float) -> bool:
        """Stop sending: queued work is abandoned, retries stop, requests already sent get up to
        ``drain_seconds`` to complete. Returns True if nothing was left in flight."""
        self._stopping.set()
        self._forwarder.stop()
        drained = self._forwarder.drain(drain_seconds)
        self._forwarder.digest.flush(force=True)  # the dead letters not told yet
        return drained

    def write_final_checkpoints(self) -> None:
        for partition_claim in self.partition_claims():
            self._checkpointer.write(partition_claim)

    def close(self) -> None:
        """The end, after stop() and the final checkpoints: every partition claim is fenced and every later
        callback goes nowhere. A reader thread of this pipeline's receiver processes may still be
        busy (a checkpoint write can take a minute) while the next run's pipeline starts: whatever
        it does then must not touch the partitions, checkpoints or liveness of that run."""
        self._stopping.set()
        self._claims.close()
        self._budget.wake()

    @property
    def closed(self) -> bool:
        return self._claims.closed

    def partition_claims(self) -> list[PartitionClaim]:
        return self._claims.all()

    @property
    def budget_used(self) -> int:
        return self._budget.used

    # --- adapter callbacks ---------------------------------------------------------------------
    def partition_opened(self, ref: PartitionRef, claim: Claim = SOLE_CLAIM) -> None:
        opened = self._claims.open(ref, claim)
        if opened is None:
            return  # closed
        previous, owned = opened
        if previous is not None:
            previous.alive = False
            self._submitter.discard_partial_chunk(previous)
        self._metrics.partitions_owned(owned)
        self._metrics.ownership_change("claimed")
        self._log(f"Receiving partition {ref} (now owning {owned})", "info")

    def partition_closed(self, ref: PartitionRef, reason: str, claim: Claim = SOLE_CLAIM) -> None:
        """``reason`` is "shutdown" (we stop: write what was settled) or "lost" (another owner or a
        receive failure: nothing of ours may move its checkpoint any more). Only the claim's own
        partition claim is closed: a later claim's partition claim of the partition stays."""
        removed = self._claims.remove(ref, claim)
        if removed is None:
            return
        partition_claim, owned = removed
        if reason == "shutdown":
            self._checkpointer.write(partition_claim)
        partition_claim.alive = False
        self._submitter.discard_partial_chunk(partition_claim)
        self._budget.wake()
        self._metrics.partitions_owned(owned)
        self._metrics.forget_partition(ref.partition_id)
        if reason != "shutdown":
            self._metrics.ownership_change("lost")
            self._log(f"Stopped receiving partition {ref}: {reason} (now owning {owned})", "warning")

    def messages_received(
        self, ref: PartitionRef, batch: MessageBatch, info: PartitionInfo | None, claim: Claim = SOLE_CLAIM
    ) -> None:
        """Decode the batch and submit its chunks; waits only while the in-flight budget is full.
        Raises BatchHandlingFailed if handling a batch failed (a bug), BatchOutOfOrder if the batch does
        not come after the claim's last one, then the same at every call of the claim: the receiver
        then reads the partition again from its checkpoint, since nothing after the failed batch may
        be tracked."""
        if self._claims.closed:
            return
        self._on_progress()
        partition_claim = self._claims.of(ref, claim)
        if partition_claim is None or self._stopping.is_set():
            return  # not tracked, so never checkpointed: read again by the partition's current claim
        if partition_claim.failure is not None:
            raise partition_claim.failure  # the SDK closes the partition as lost and claims it again
        if batch:
            partition_claim.last_received = batch.sequence_numbers[-1]
        if info is not None:
            partition_claim.update(info)
        if not batch:
            return
        try:
            self._submitter.submit(partition_claim, batch)
        except Exception as error:  # the receiver must outlive a bug: the partition starts over
            failure = fail_batch(partition_claim, claim, error, self._metrics, self._log)
            if failure is error:
                raise
            raise failure from error

    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None, claim: Claim = SOLE_CLAIM) -> None:
        """A receive pass that brought no message: the receiving loop is alive, and the partition is
        caught up (its partial chunk may go now: BatchSubmitter.caught_up)."""
        if self._claims.closed:
            return
        self._on_progress()
        partition_claim = self._claims.of(ref, claim)
        if partition_claim is None:
            return
        if partition_claim.failure is not None:
            raise partition_claim.failure
        if info is not None:
            partition_claim.update(info)
        if partition_claim.received_since_idle and partition_claim.alive and not self._stopping.is_set():
            partition_claim.received_since_idle = False
            self._submitter.caught_up(partition_claim)
