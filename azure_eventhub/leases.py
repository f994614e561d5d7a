"""A lease is our hold on one partition between the moment we own it and the moment we do not: one
claim (messages.Claim) of it, whose calls alone reach the lease."""

from __future__ import annotations

import itertools

from azure_eventhub.chunking import ChunkBuilder
from azure_eventhub.messages import SOLE_CLAIM, Claim, PartitionInfo, PartitionRef
from azure_eventhub.tracking import PartitionTracker, Position

_generations = itertools.count(1)


class Lease:
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
        # errors.DecodingFailed once handling a batch failed, errors.BatchOutOfOrder once one was refused
        self.failure: Exception | None = None
        self.received_since_idle = False  # a batch came since the last receive pass that brought none
        self.caught_up = False  # the last thing decoded for it was a receive pass that brought none
        self.partials_in_flight = 0  # chunks sent before they were full, not done yet (forwarding.py)

    def __repr__(self) -> str:
        return f"Lease({self.ref}, {self.claim}, generation={self.generation}, alive={self.alive})"
