"""A batch's way into delivery, and its records' partial chunks: apart from the pipeline's
callbacks, which decide whether a batch is taken at all (claim, order, failures), this decides what
becomes of its records (decoded, filtered, given room in the budget, tracked, handed over in chunks
and dead letters) and when a partition's partial chunk goes (caught up, lingering, or never)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from azure_eventhub.core.messages import MessageBatch
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.decoding.batch import decode_batch
from azure_eventhub.delivery.backpressure import Budget
from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.destinations import Destinations, needs_dead_letters, sort_by_destination
from azure_eventhub.delivery.filtering import CategoryFilter
from azure_eventhub.delivery.forwarding import Forwarder
from azure_eventhub.delivery.ports import DeadLetterJob


class BatchSubmitter:
    def __init__(
        self,
        category_filter: CategoryFilter,
        budget: Budget,
        forwarder: Forwarder,
        metrics: PipelineMetrics,
        linger_seconds: float,
        partition_claims: Callable[[], list[PartitionClaim]],
        stopping: threading.Event,
        on_progress: Callable[[], None],
    ) -> None:
        """``partition_claims()``: every partition claim held now; ``stopping``: the pipeline's."""
        self._filter = category_filter
        self._budget = budget
        self._forwarder = forwarder
        self._metrics = metrics
        self._linger_seconds = linger_seconds
        self._partition_claims = partition_claims
        self._stopping = stopping
        self._on_progress = on_progress

    def submit(self, partition_claim: PartitionClaim, batch: MessageBatch) -> None:
        """Decode and filter the batch's records, wait for their room in the budget, track the
        batch, and submit its chunks and dead letters: every ordinal of the batch is tracked before
        any can be settled. Then, if the batch caught the partition up, its partial chunk goes."""
        partition_claim.caught_up = False
        if partition_claim.resumed_after is None:
            partition_claim.resumed_after = batch.sequence_numbers[0] - 1
        self._metrics.messages_received(partition_claim.ref.partition_id, len(batch))
        decoded = decode_batch(batch.bodies, batch.content_encodings, batch.content_types, self._filter.active)
        decoded, filtered = self._filter.apply(decoded)
        # Counted once per batch: a labelled metric costs about 1 us a call.
        for kind, count in decoded.outcomes.items():
            self._metrics.decoded(kind, count)
        if filtered:
            self._metrics.filtered(filtered)
        routed = sort_by_destination(decoded) if needs_dead_letters(decoded) else None
        chars = _routed_chars(routed) if routed is not None else sum(map(len, decoded.texts))
        if not self._budget.acquire(chars, lambda: not self._forwarder.alive(partition_claim), self._on_budget_full):
            return  # lost or stopping while waiting: not tracked, so read again by the next owner
        handed = 0  # characters now held by chunks, the partial chunk or dead letters
        try:
            if routed is not None:
                handed = self._submit_with_dead_letters(partition_claim, batch, routed)
            else:  # the usual batch: its records are one run of ordinals
                first = partition_claim.tracker.add(batch, decoded.ends, decoded.indexes)
                forwarder = self._forwarder
                for chunk in partition_claim.builder.add_run(decoded.texts, first):
                    forwarder.submit_chunk(partition_claim, chunk)
                handed = chars
        finally:
            self._budget.release(chars - handed)  # a failure on the way: what nothing holds
        if not partition_claim.alive:  # lost meanwhile (a claim of another receiver process), maybe after
            self.discard_partial_chunk(partition_claim)  # partition_opened emptied its partial chunk
        # Caught up: the batch reached the last event the hub had enqueued when it was delivered.
        # The SDK's next pass over this partition, which would tell the same, may come a second
        # or more later (it serves every partition in turn, and an idle one holds it 0.2 s).
        last = partition_claim.info.last_enqueued_sequence_number
        if last is not None and batch.sequence_numbers[-1] >= last:
            self.caught_up(partition_claim)
        else:
            partition_claim.received_since_idle = True

    def _submit_with_dead_letters(
        self, partition_claim: PartitionClaim, batch: MessageBatch, routed: Destinations
    ) -> int:
        """Track the batch, then submit its records a run at a time and each dead letter between
        them. Returns the characters handed over so far (all, unless it raises)."""
        first = partition_claim.tracker.add(batch, routed.ends, routed.indexes)
        forwarder = self._forwarder
        handed = 0
        run: list[str] = []
        for ordinal, entry in enumerate(routed.entries, first):
            if type(entry) is str:
                run.append(entry)
                continue
            for chunk in partition_claim.builder.add_run(run, ordinal - len(run)):
                forwarder.submit_chunk(partition_claim, chunk)
            handed += sum(map(len, run))
            run = []
            job = DeadLetterJob(
                ordinal, partition_claim.tracker.origin(ordinal), entry.payload, entry.kind, entry.reason
            )
            forwarder.submit_dead_letter(partition_claim, job)
            handed += job.chars
        for chunk in partition_claim.builder.add_run(run, first + len(routed.entries) - len(run)):
            forwarder.submit_chunk(partition_claim, chunk)
        return handed + sum(map(len, run))

    def discard_partial_chunk(self, partition_claim: PartitionClaim) -> None:
        """A partition claim that ended: its partial chunk will never be sent; give its room back."""
        chunk = partition_claim.builder.take()
        if chunk is not None:
            self._budget.release(chunk.chars)

    def _on_budget_full(self) -> None:
        """A callback waits for room: send every partial chunk now. The room may be held by partial
        chunks alone (the waiting partition's own among them), and nothing else would send them
        before the linger (1 s; a partial chunk already on its way holds a caught-up partition's
        next one): a wait for the intake, not for our own timer."""
        self._on_progress()
        if self._stopping.is_set():
            return
        for partition_claim in self._partition_claims():
            chunk = partition_claim.builder.take()
            if chunk is not None:
                self._forwarder.submit_chunk(partition_claim, chunk, partial=True)

    def caught_up(self, partition_claim: PartitionClaim) -> None:
        """The partition has nothing more to read for now: send its partial chunk now rather than
        after the linger, unless another partial chunk of it is still on its way. Waiting longer only
        pays when more records come soon, and a caught-up partition has none waiting; the
        one-at-a-time rule (Nagle's, for TCP segments) keeps a trickle of records from becoming a
        request each."""
        partition_claim.caught_up = True
        if not self._forwarder.partial_in_flight(partition_claim):
            chunk = partition_claim.builder.take()
            if chunk is not None:
                self._forwarder.submit_chunk(partition_claim, chunk, partial=True)

    def flush_lingering(self, partition_claim: PartitionClaim) -> None:
        # A caught-up partition's partial chunk goes as soon as the one before it is done.
        if partition_claim.caught_up and not self._forwarder.partial_in_flight(partition_claim):
            chunk = partition_claim.builder.take()
        else:
            chunk = partition_claim.builder.take(older_than=self._linger_seconds)
        if chunk is not None:
            self._forwarder.submit_chunk(partition_claim, chunk, partial=True)


def _routed_chars(routed: Destinations) -> int:
    """The characters of a routed batch: its records and its dead letters' payloads."""
    return sum(len(entry) if type(entry) is str else len(entry.payload) for entry in routed.entries)
