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

    def __reduce__(self):
        # Messages cross from the receiver process to the pipeline's by the thousand a second: a
        # frozen dataclass unpickles through dataclasses.fields() per object (about 4 us); this way
        # each is rebuilt by setting its slots directly.
        return (_message, (self.body, self.sequence_number, self.offset, self.enqueued_time,
                           self.content_encoding, self.content_type))  # fmt: skip


_new = object.__new__
_set_body, _set_sequence_number, _set_offset = Message.body.__set__, Message.sequence_number.__set__, Message.offset.__set__
_set_enqueued_time, _set_content_encoding = Message.enqueued_time.__set__, Message.content_encoding.__set__
_set_content_type = Message.content_type.__set__


def _message(body, sequence_number, offset, enqueued_time, content_encoding, content_type) -> Message:
    message = _new(Message)
    _set_body(message, body)
    _set_sequence_number(message, sequence_number)
    _set_offset(message, offset)
    _set_enqueued_time(message, enqueued_time)
    _set_content_encoding(message, content_encoding)
    _set_content_type(message, content_type)
    return message


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """What the hub last told us about a partition's end (runtime metrics)."""

    last_enqueued_sequence_number: int | None = None
    last_enqueued_time: float | None = None
