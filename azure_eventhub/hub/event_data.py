"""EventData -> MessageBatch: the SDK's received events as the plain values the pipeline takes."""

from __future__ import annotations

import orjson
from azure.eventhub.amqp import AmqpMessageBodyType

from azure_eventhub.core.messages import MessageBatch, PartitionInfo


def _body_bytes(event) -> bytes:
    """The body of an EventData or of its raw AMQP message (the same properties)."""
    body_type = event.body_type
    body = event.body
    if body_type == AmqpMessageBodyType.DATA:
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        return b"".join(body)
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return orjson.dumps(body, default=str)  # an AMQP value or sequence body: forwarded as JSON


def _text_property(properties: dict | None, name: str) -> str | None:
    if not properties:
        return None
    value = properties.get(name.encode()) or properties.get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


_SEQUENCE_NUMBER = b"x-opt-sequence-number"
_OFFSET = b"x-opt-offset"
_ENQUEUED_TIME = b"x-opt-enqueued-time"  # milliseconds since the epoch
_DATA = AmqpMessageBodyType.DATA


def to_batch(events) -> MessageBatch:
    """The SDK's received events as one MessageBatch, read column by column.

    This runs in the receiving loop, which serves every partition: it reads the public raw AMQP
    message once per event (EventData's own properties each go through it again, and enqueued_time
    through a datetime), and the properties only when there are any.
    """
    bodies: list[bytes] = []
    numbers: list[int] = []
    offsets: list[str] = []
    times: list[float | None] = []
    encodings: list[str | None] | None = None
    types: list[str | None] | None = None
    for position, event in enumerate(events):
        raw = event.raw_amqp_message
        # The list of data sections that the public body generator walks (the generator costs more
        # than the rest of this loop); one bytes section is the usual case.
        parts = getattr(raw, "_data_body", None) if raw.body_type is _DATA else None
        if type(parts) is list and len(parts) == 1 and type(parts[0]) is bytes:
            bodies.append(parts[0])
        else:
            bodies.append(_body_bytes(raw))
        annotations = raw.annotations or _NO_ANNOTATIONS
        offset = annotations.get(_OFFSET)
        enqueued = annotations.get(_ENQUEUED_TIME)
        numbers.append(annotations.get(_SEQUENCE_NUMBER))
        offsets.append(offset.decode() if type(offset) is bytes else offset)
        times.append(enqueued / 1000 if enqueued else None)
        application_properties = raw.application_properties
        encoding = _text_property(application_properties, "Content-Encoding") if application_properties else None
        if encoding is not None or encodings is not None:
            if encodings is None:
                encodings = [None] * position
            encodings.append(encoding)
        properties = raw.properties
        content_type = properties.content_type if properties is not None else None
        if content_type is not None or types is not None:
            if types is None:
                types = [None] * position
            types.append(content_type.decode("utf-8", "replace") if type(content_type) is bytes else content_type)
    return MessageBatch(bodies, numbers, offsets, times, encodings, types)


_NO_ANNOTATIONS: dict = {}


def partition_info(context) -> PartitionInfo | None:
    properties = context.last_enqueued_event_properties
    if not properties:
        return None
    enqueued = properties.get("enqueued_time")
    return PartitionInfo(properties.get("sequence_number"), enqueued.timestamp() if enqueued else None)
