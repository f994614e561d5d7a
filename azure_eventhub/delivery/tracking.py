"""Acknowledgement tracking: where a partition's checkpoint may be.

Every record that must be *settled* gets an ordinal: its place among the partition's records to
settle, in receiving order. A record is settled when the intake accepted it or when it was written
as a dead letter (an undecodable message body is one such record). Records dropped by a counted
rule (category filter, heartbeat, null) get no ordinal: there is nothing to wait for. Chunks and
dead letters settle ranges of ordinals in whatever order they complete; the *settled prefix* is
the first ordinal that is not settled yet. A message is settled once every ordinal it holds is
below the prefix, and the checkpoint position is the last message of the unbroken run of settled
messages from the oldest on: a checkpoint never passes a record that is not settled.

A tracker serves one claim of a partition (partition_claims.py), whose batches come in partition order: a
batch whose first sequence number is not above the last one tracked is refused (BatchOutOfOrder).
Tracked anyway, a stale batch read further on (1000-1299) ahead of records read from an earlier
checkpoint (701-999) would let the position reach 1299 once the stale one is accepted. Gaps are
accepted: a compacted hub leaves them.

The bookkeeping is one entry per received batch (its columns and the running count of ordinals per
message), not one object per message: batches arrive by the hundred messages.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from azure_eventhub.core.errors import BatchOutOfOrder
from azure_eventhub.core.messages import MessageBatch


@dataclass(frozen=True, slots=True)
class Position:
    """A checkpoint position: the last message that is completely settled."""

    offset: str
    sequence_number: int
    enqueued_time: float | None = None  # seconds since the epoch


@dataclass(frozen=True, slots=True)
class RecordOrigin:
    """Where a record to settle comes from: its message, and its item index in that message's body
    (None for a whole message body)."""

    sequence_number: int
    offset: str
    index: int | None


@dataclass(slots=True)
class _Tracked:
    """A batch's columns that positions need (not its bodies: they are freed once decoded)."""

    first: int  # the batch's first ordinal
    ends: list[int]  # ends[m]: ordinals held by the batch's messages 0..m
    sequence_numbers: list[int]
    offsets: list[str]
    enqueued_times: list[float | None]
    indexes: list[int | None] | None  # item index of each ordinal; None: items 0..k-1 of each message

    def position(self, message: int) -> Position:
        return Position(self.offsets[message], self.sequence_numbers[message], self.enqueued_times[message])


class PartitionTracker:
    """Thread-safe: the receiving side adds batches; forwarding threads settle."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tracked: deque[_Tracked] = deque()
        self._next = 0  # the next ordinal to hand out
        self._settled = 0  # the settled prefix: every ordinal below it is settled
        self._done: dict[int, int] = {}  # settled ranges past the prefix: start -> end
        self._position: Position | None = None
        self._last_sequence_number: int | None = None  # of the last message tracked

    def add(self, batch: MessageBatch, ends: list[int], indexes: list[int | None] | None = None) -> int:
        """Track ``batch``, whose message m holds ``ends[m] - ends[m - 1]`` ordinals (``indexes``:
        the item index of each, None when they are items 0..k-1 of each message). Returns the
        batch's first ordinal. Call it before any of them can be settled. Raises BatchOutOfOrder,
        tracking nothing, if the batch does not come after the last one tracked."""
        numbers = batch.sequence_numbers
        with self._lock:
            last = self._last_sequence_number
            if last is not None and numbers[0] <= last:
                raise BatchOutOfOrder(
                    f"a batch starting at sequence number {numbers[0]} does not come after {last}, "
                    "the last one tracked"
                )
            self._last_sequence_number = numbers[-1]
            first = self._next
            self._next = first + (ends[-1] if ends else 0)
            self._tracked.append(
                _Tracked(first, ends, batch.sequence_numbers, batch.offsets, batch.enqueued_times, indexes)
            )
        return first

    def settle(self, ranges: Iterable[tuple[int, int]]) -> None:
        """Settle the ordinals of each ``[start, end)`` range given."""
        with self._lock:
            done = self._done
            for start, end in ranges:
                done[start] = end
            settled = self._settled
            while settled in done:
                settled = done.pop(settled)
            self._settled = settled

    def _front(self) -> tuple[_Tracked | None, int]:
        """Forget batches that are settled; return the oldest left and how many of its messages are
        settled. Holds the lock."""
        tracked = self._tracked
        while tracked:
            front = tracked[0]
            settled = bisect_right(front.ends, self._settled - front.first)
            if settled:
                self._position = front.position(settled - 1)
            if settled < len(front.ends):
                return front, settled
            tracked.popleft()
        return None, 0

    @property
    def position(self) -> Position | None:
        """The furthest checkpoint allowed now; None until a first message is settled."""
        with self._lock:
            self._front()
            return self._position

    def oldest_unsettled_enqueued_time(self) -> float | None:
        """Enqueued time of the oldest message not yet settled, or None when all are settled."""
        with self._lock:
            front, settled = self._front()
            return front.enqueued_times[settled] if front is not None else None

    def origin(self, ordinal: int) -> RecordOrigin:
        """The message and item index of an ordinal that is not settled yet."""
        with self._lock:
            for tracked in self._tracked:
                relative = ordinal - tracked.first
                if 0 <= relative < (tracked.ends[-1] if tracked.ends else 0):
                    message = bisect_right(tracked.ends, relative)
                    if tracked.indexes is not None:
                        index = tracked.indexes[relative]
                    else:
                        index = relative - (tracked.ends[message - 1] if message else 0)
                    return RecordOrigin(tracked.sequence_numbers[message], tracked.offsets[message], index)
        raise LookupError(f"ordinal {ordinal} is not tracked")
