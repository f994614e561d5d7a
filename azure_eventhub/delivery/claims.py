"""PartitionClaim: the pipeline's hold on one partition between the moment a receiver process opens
it and the moment it does not. It belongs to one ``messages.Claim`` (that process's opening of the
partition), whose calls alone reach it. Not an Azure blob lease: the name says what it holds, and
``PartitionClaim`` is distinct from ``Claim``, the identity it carries."""

from __future__ import annotations

import itertools
import threading

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
        self.partials_in_flight = 0  # chunks sent before they were full, not done yet (in_flight.py)
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


class ClaimRegistry:
    """The current partition claim of each partition, and the fence that ends them all.

    A call names its claim and reaches that claim's partition claim only: never a later claim's of
    the same partition (another receiver process's, or the same one's after reading it again), and
    nothing once the registry is closed."""

    def __init__(self, chunk_size: int, max_chunk_chars: int) -> None:
        self._chunk_size = chunk_size
        self._max_chunk_chars = max_chunk_chars
        self._current: dict[str, PartitionClaim] = {}
        self._lock = threading.Lock()
        self._closed = False

    def open(self, ref: PartitionRef, claim: Claim) -> tuple[PartitionClaim | None, int] | None:
        """Make ``claim`` the partition's current one: (the partition claim it replaces, partitions
        now held); None once closed. The caller fences the replaced one."""
        partition_claim = PartitionClaim(ref, self._chunk_size, self._max_chunk_chars, claim)
        with self._lock:
            if self._closed:
                return None
            previous = self._current.get(ref.partition_id)
            self._current[ref.partition_id] = partition_claim
            return previous, len(self._current)

    def remove(self, ref: PartitionRef, claim: Claim) -> tuple[PartitionClaim, int] | None:
        """End ``claim``'s partition claim: (it, partitions still held); None if ``claim`` is not
        the partition's current one (a later claim's stays)."""
        with self._lock:
            partition_claim = self._current.get(ref.partition_id)
            if partition_claim is None or partition_claim.claim != claim:
                return None
            del self._current[ref.partition_id]
            return partition_claim, len(self._current)

    def of(self, ref: PartitionRef, claim: Claim) -> PartitionClaim | None:
        """The partition's current partition claim if it is ``claim``'s."""
        with self._lock:
            partition_claim = self._current.get(ref.partition_id)
        return partition_claim if partition_claim is not None and partition_claim.claim == claim else None

    def all(self) -> list[PartitionClaim]:
        with self._lock:
            return list(self._current.values())

    def close(self) -> None:
        """Every partition claim is fenced (nothing of it moves a checkpoint) and forgotten; later
        calls of open() do nothing."""
        with self._lock:
            self._closed = True
            ended = list(self._current.values())
            self._current.clear()
        for partition_claim in ended:
            partition_claim.alive = False

    @property
    def closed(self) -> bool:
        return self._closed
