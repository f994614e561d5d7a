"""PartitionClaim: the pipeline's hold on one partition between the moment a receiver process opens
it and the moment it does not. It belongs to one ``messages.Claim`` (that process's opening of the
partition), whose calls alone reach it. Not an Azure blob partition_claim: the name says what it holds, and
``PartitionClaim`` is distinct from ``Claim``, the identity it carries."""

from __future__ import annotations

import itertools

from azure_eventhub.delivery.chunking import ChunkBuilder
from azure_eventhub.core.messages import SOLE_CLAIM, Claim, PartitionInfo, PartitionRef
from azure_eventhub.delivery.tracking import PartitionTracker, Position

_generations = itertools.count(1)


class PartitionClaim:
    """Everything about one owned partition. Once ``alive`` is False nothing of it may move the
    partition's checkpoint: in-flight work for it is abandoned."""

    def __init__(self, ref: PartitionRef, chunk_size: int, max_chunk_chars: int, claim: Claim = SOLE_CLAIM) -> None:
        self.ref = ref
        self.claim = claim
        self.generation = next(_generations)
        self.tracker = PartitionTracker()
        self.builder = ChunkBuilder(chunk_size, max_chunk_chars)
        self.alive = True
        self.written: Position | None = None  # the last checkpoint we wrote
        self.info = PartitionInfo()
        # The checkpoint we resumed after (the first message's sequence number - 1): what lag counts
        # from until we write a checkpoint of our own.
        self.resumed_after: int | None = None
        # errors.BatchHandlingFailed once handling a batch failed, errors.BatchOutOfOrder once one was refused
        self.failure: Exception | None = None
        self.received_since_idle = False  # a batch came since the last receive pass that brought none
        self.caught_up = False  # the last thing decoded for it was a receive pass that brought none
        self.partials_in_flight = 0  # chunks sent before they were full, not done yet (forwarding.py)
        self.last_received: int | None = None  # the sequence number of the last message handed to us
        # The hub's last enqueued message (sequence number, enqueued time) as first seen beyond what we
        # had received: messages wait for us (in the client's buffers or the hub) since at least then.
        self._waiting_since: tuple[int, float] | None = None

    def update(self, info: PartitionInfo) -> None:
        """The hub's latest runtime metrics for the partition (they come with each received message)."""
        self.info = info
        last, enqueued = info.last_enqueued_sequence_number, info.last_enqueued_time
        if last is None or enqueued is None or self.last_received is None or last <= self.last_received:
            return
        if self.oldest_waiting_enqueued_time() is None:
            self._waiting_since = (last, enqueued)

    def oldest_waiting_enqueued_time(self) -> float | None:
        """At most the enqueued time of the oldest message the hub has and we did not receive yet;
        None when we received everything it told of."""
        waiting = self._waiting_since
        if waiting is None or self.last_received is None or waiting[0] <= self.last_received:
            return None
        return waiting[1]

    def __repr__(self) -> str:
        return f"PartitionClaim({self.ref}, {self.claim}, generation={self.generation}, alive={self.alive})"
