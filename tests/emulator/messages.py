"""AMQP message sections: split a producer's message, stamp the x-opt annotations, build replies.

Pure functions over bytes. The stored form of an event is the exact message a consumer receives
(producer sections unchanged, message-annotations merged with x-opt-*), so delivering it costs no
encoding. Delivery annotations (runtime metrics) are spliced in after the header section, where
AMQP puts them.
"""

import struct
from typing import Any, NamedTuple

from .codec import Described, Symbol, Timestamp, ULong, decode, encode, encode_map_raw, skip, split_map

HEADER, DELIVERY_ANNOTATIONS, MESSAGE_ANNOTATIONS, PROPERTIES, APPLICATION_PROPERTIES = range(0x70, 0x75)
DATA, AMQP_SEQUENCE, AMQP_VALUE, FOOTER = range(0x75, 0x79)

BATCH_FORMAT = 0x80013700

PARTITION_KEY = Symbol("x-opt-partition-key")
SEQUENCE_NUMBER = Symbol("x-opt-sequence-number")
OFFSET = Symbol("x-opt-offset")
ENQUEUED_TIME = Symbol("x-opt-enqueued-time")
_STAMPED = {SEQUENCE_NUMBER, OFFSET, ENQUEUED_TIME}


class Section(NamedTuple):
    code: int
    start: int  # first byte of the section (the 0x00 of its descriptor)
    value_start: int  # first byte of the section's value
    end: int


class IncomingEvent(NamedTuple):
    """One event as a producer sent it: its raw sections and its partition key, if any."""

    raw: bytes
    sections: list
    partition_key: Any


def split_sections(raw: bytes) -> list:
    sections = []
    pos = 0
    while pos < len(raw):
        if raw[pos] != 0x00:
            raise ValueError("message section is not a described value")
        descriptor, value_start = decode(raw, pos + 1)
        end = skip(raw, value_start)
        code = descriptor if isinstance(descriptor, int) else _SECTION_NAMES.get(str(descriptor), -1)
        sections.append(Section(code, pos, value_start, end))
        pos = end
    return sections


_SECTION_NAMES = {
    "amqp:header:list": HEADER,
    "amqp:delivery-annotations:map": DELIVERY_ANNOTATIONS,
    "amqp:message-annotations:map": MESSAGE_ANNOTATIONS,
    "amqp:properties:list": PROPERTIES,
    "amqp:application-properties:map": APPLICATION_PROPERTIES,
    "amqp:data:binary": DATA,
    "amqp:amqp-sequence:list": AMQP_SEQUENCE,
    "amqp:amqp-value:*": AMQP_VALUE,
    "amqp:footer:map": FOOTER,
}


def annotation_entries(raw: bytes, sections: list) -> list:
    for section in sections:
        if section.code == MESSAGE_ANNOTATIONS:
            return split_map(raw, section.value_start)[0]
    return []


def _partition_key_of(entries) -> Any:
    for key, entry in entries:
        if key == PARTITION_KEY:
            return decode(entry, skip(entry, 0))[0]
    return None


def unpack(raw: bytes, message_format: int) -> tuple[list, Any]:
    """Split a transfer payload into events; return them and the message-level partition key.

    A batch (message-format 0x80013700) carries one complete encoded event per data section.
    """
    sections = split_sections(raw)
    outer_key = _partition_key_of(annotation_entries(raw, sections))
    if message_format != BATCH_FORMAT:
        return [IncomingEvent(raw, sections, outer_key)], outer_key
    events = []
    for section in sections:
        if section.code == DATA:
            inner = decode(raw, section.value_start)[0]
            inner_sections = split_sections(inner)
            key = _partition_key_of(annotation_entries(inner, inner_sections))
            events.append(IncomingEvent(inner, inner_sections, key if key is not None else outer_key))
    return events, outer_key


def stamp(event: IncomingEvent, sequence_number: int, offset: int, enqueued_ms: int) -> tuple[bytes, int]:
    """Return the message as consumers receive it, and the length of its header section.

    The producer's sections are kept byte for byte; message-annotations gain the x-opt values the
    SDK reads (offset as a string, the SDK decodes it as text); delivery-annotations are dropped.
    """
    raw = event.raw
    kept = [entry for key, entry in annotation_entries(raw, event.sections) if key not in _STAMPED]
    if event.partition_key is not None and not any(
        key == PARTITION_KEY for key, _ in annotation_entries(raw, event.sections)
    ):
        kept.append(encode(PARTITION_KEY) + encode(event.partition_key))
    kept += [
        encode(SEQUENCE_NUMBER) + _encode_long(sequence_number),
        encode(OFFSET) + encode(str(offset)),
        encode(ENQUEUED_TIME) + encode(Timestamp(enqueued_ms)),
    ]
    annotations = b"\x00\x53\x72" + encode_map_raw(kept)
    head = b""
    rest = []
    for section in event.sections:
        if section.code == HEADER:
            head = raw[section.start : section.end]
        elif section.code not in (DELIVERY_ANNOTATIONS, MESSAGE_ANNOTATIONS):
            rest.append(raw[section.start : section.end])
    return head + annotations + b"".join(rest), len(head)


def _encode_long(value: int) -> bytes:
    # Always the 8-byte long encoding: the size of a stamped message then does not depend on the
    # sequence number, which keeps offsets predictable for a given payload.
    return b"\x81" + struct.pack(">q", value)


def delivery_annotations(values: dict) -> bytes:
    return b"\x00\x53\x71" + encode(values)


def reply_message(correlation_id, application_properties: dict, body: Any) -> bytes:
    """A request/response reply ($cbs, $management): properties, application-properties, amqp-value."""
    properties = Described(ULong(PROPERTIES), [None, None, None, None, None, correlation_id] + [None] * 7)
    out = encode(properties)
    out += b"\x00\x53\x74" + encode(application_properties)
    out += b"\x00\x53\x77" + encode(body)
    return out


class Request(NamedTuple):
    message_id: Any
    application_properties: dict
    body: Any


def parse_request(raw: bytes) -> Request:
    """Read the parts of a $cbs / $management request the emulator acts on."""
    message_id, props, body = None, {}, None
    for section in split_sections(raw):
        if section.code == PROPERTIES:
            fields = decode(raw, section.value_start)[0] or []
            message_id = fields[0] if fields else None
        elif section.code == APPLICATION_PROPERTIES:
            props = {str(k): v for k, v in (decode(raw, section.value_start)[0] or {}).items()}
        elif section.code == AMQP_VALUE:
            body = decode(raw, section.value_start)[0]
    return Request(message_id, props, body)
