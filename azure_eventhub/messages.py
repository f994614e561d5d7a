"""The values that cross the boundary between the Event Hubs adapter and the pipeline."""

from __future__ import annotations

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
class Message:
    """One Event Hubs event: its body and where it sits in its partition."""

    body: bytes
    sequence_number: int
    offset: str
    enqueued_time: float | None = None  # seconds since the epoch
    content_encoding: str | None = None  # the `Content-Encoding` application property
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """What the hub last told us about a partition's end (runtime metrics)."""

    last_enqueued_sequence_number: int | None = None
    last_enqueued_time: float | None = None
