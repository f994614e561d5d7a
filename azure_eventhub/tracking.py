"""Acknowledgement tracking: where a partition's checkpoint may be.

Every received message gets a slot. A slot is *held* once for each of its records that is still
on its way (in a chunk being forwarded, or a dead letter being written) and *settled* when that
record was accepted by the intake or written as a dead letter. Records dropped by a counted rule
(category filter, heartbeat, null) are never held. Once a message's records are all known the slot
is *sealed*. The checkpoint position is the last message of the unbroken run, from the oldest
message on, of sealed slots with nothing held: a checkpoint never passes a record that is not
settled, whatever order the chunks complete in.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    """A checkpoint position: the last message that is completely settled."""

    offset: str
    sequence_number: int
    enqueued_time: float | None = None  # seconds since the epoch


class MessageSlot:
    """One received message's bookkeeping. Only the tracker touches ``pending`` and ``sealed``."""

    __slots__ = ("enqueued_time", "offset", "pending", "sealed", "sequence_number")

    def __init__(self, sequence_number: int, offset: str, enqueued_time: float | None) -> None:
        self.sequence_number = sequence_number
        self.offset = offset
        self.enqueued_time = enqueued_time
        self.pending = 0
        self.sealed = False


class PartitionTracker:
    """Thread-safe: the receiving thread opens, holds and seals; forwarding threads settle."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: deque[MessageSlot] = deque()
        self._position: Position | None = None

    def open(self, sequence_number: int, offset: str, enqueued_time: float | None) -> MessageSlot:
        slot = MessageSlot(sequence_number, offset, enqueued_time)
        with self._lock:
            self._slots.append(slot)
        return slot

    def open_known(
        self, sequence_number: int, offset: str, enqueued_time: float | None, pending: int
    ) -> MessageSlot:
        """Open a message whose ``pending`` records are all known now: held and sealed in one step
        (one lock instead of three, in the receiving thread). Call it before any of its records can
        be settled."""
        slot = MessageSlot(sequence_number, offset, enqueued_time)
        slot.pending = pending
        slot.sealed = True
        with self._lock:
            self._slots.append(slot)
            if not pending:
                self._advance()
        return slot

    def hold(self, slot: MessageSlot, count: int = 1) -> None:
        with self._lock:
            slot.pending += count

    def seal(self, slot: MessageSlot) -> None:
        with self._lock:
            slot.sealed = True
            self._advance()

    def settle(self, slots: list[MessageSlot]) -> None:
        """Settle one record of each slot listed (a slot appears once per record)."""
        with self._lock:
            for slot in slots:
                slot.pending -= 1
            self._advance()

    def _advance(self) -> None:
        slots = self._slots
        last = None
        while slots and slots[0].sealed and slots[0].pending == 0:
            last = slots.popleft()
        if last is not None:
            self._position = Position(last.offset, last.sequence_number, last.enqueued_time)

    @property
    def position(self) -> Position | None:
        """The furthest checkpoint allowed now; None until a first message is settled."""
        with self._lock:
            return self._position

    def oldest_unsettled_enqueued_time(self) -> float | None:
        """Enqueued time of the oldest message not yet settled, or None when all are settled."""
        with self._lock:
            return self._slots[0].enqueued_time if self._slots else None

    def unsettled_messages(self) -> int:
        with self._lock:
            return len(self._slots)
