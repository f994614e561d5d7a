"""The values that cross the boundary between the Event Hubs adapter and the pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PartitionRef:
    """One partition of one hub, as read by one consumer group."""

    namespace: str  # fully qualified host, port included (it is part of checkpoint blob names)
    hub: str
    consumer_group: str
    partition_id: str

    def __str__(self) -> str:
        return f"{self.hub}/{self.consumer_group}/{self.partition_id}"


@dataclass(frozen=True, slots=True)
class Claim:
    """One opening of a partition by one receiver process: the process's number and its count of
    openings (receiver_process.py). Every call about a partition carries it, so that what one
    opening reads is never tracked on another, whose checkpoint it would move."""

    process: int
    number: int

    def __str__(self) -> str:
        return f"claim {self.number} of receiver process {self.process}"


# The claim of a pipeline fed by one receiver in its own process (tests, benchmarks); receiver
# processes number their claims from 1.
SOLE_CLAIM = Claim(0, 0)


@dataclass(frozen=True, slots=True)
class Message:
    """One Event Hubs event: its body and where it sits in its partition."""

    body: bytes
    sequence_number: int
    offset: str
    enqueued_time: float | None = None  # seconds since the epoch
    content_encoding: str | None = None  # the `Content-Encoding` application property
    content_type: str | None = None


@dataclass(slots=True)
class MessageBatch:
    """The messages of one partition received together, in partition order, column by column.

    Why columns: batches cross from the receiver process to the pipeline's by the thousand messages
    a second. Lists of bytes, ints and strings pickle and unpickle at C speed, where one object per
    message cost about 2 us each way, and the decoder walks the bodies without touching an object
    per message. ``content_encodings`` and ``content_types`` are None when no message has one (the
    usual case), else one entry per message.
    """

    bodies: list[bytes]
    sequence_numbers: list[int]
    offsets: list[str]
    enqueued_times: list[float | None]  # seconds since the epoch
    content_encodings: list[str | None] | None = None
    content_types: list[str | None] | None = None

    def __len__(self) -> int:
        return len(self.bodies)

    def __iter__(self) -> Iterator[Message]:
        encodings = self.content_encodings or [None] * len(self.bodies)
        types = self.content_types or [None] * len(self.bodies)
        return map(Message, self.bodies, self.sequence_numbers, self.offsets, self.enqueued_times, encodings, types)

    def __reduce__(self):
        return (MessageBatch, (self.bodies, self.sequence_numbers, self.offsets, self.enqueued_times,
                               self.content_encodings, self.content_types))  # fmt: skip

    @property
    def body_bytes(self) -> int:
        return sum(map(len, self.bodies))

    def select(self, positions: list[int]) -> MessageBatch:
        """The messages at these positions, in the order given."""

        def pick(column: list | None) -> list | None:
            return None if column is None else [column[position] for position in positions]

        return MessageBatch(
            pick(self.bodies), pick(self.sequence_numbers), pick(self.offsets), pick(self.enqueued_times),
            pick(self.content_encodings), pick(self.content_types),
        )  # fmt: skip

    @classmethod
    def of(cls, messages: Iterable[Message]) -> MessageBatch:
        messages = list(messages)
        encodings = [message.content_encoding for message in messages]
        types = [message.content_type for message in messages]
        return cls(
            [message.body for message in messages],
            [message.sequence_number for message in messages],
            [message.offset for message in messages],
            [message.enqueued_time for message in messages],
            encodings if any(encodings) else None,
            types if any(types) else None,
        )


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """What the hub last told us about a partition's end (runtime metrics)."""

    last_enqueued_sequence_number: int | None = None
    last_enqueued_time: float | None = None
