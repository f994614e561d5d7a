"""AMQP frames and performatives: build outgoing frames, cut incoming bytes into frames.

Every outgoing performative carries its full field count, trailing nulls included: the SDK's
`_pyamqp` indexes performative fields by position and fails with "list index out of range" on a
shortened list, which AMQP 1.0 allows (part 1, Types: a composite value may omit its trailing null fields).
"""

import struct

from .codec import Described, Symbol, SymbolArray, UByte, UInt, ULong, UShort, decode, encode_list

AMQP_HEADER = b"AMQP\x00\x01\x00\x00"
SASL_HEADER = b"AMQP\x03\x01\x00\x00"

FRAME_AMQP = 0
FRAME_SASL = 1

# Performative descriptor codes (AMQP 1.0 part 2 and 5).
OPEN, BEGIN, ATTACH, FLOW, TRANSFER, DISPOSITION, DETACH, END, CLOSE = range(0x10, 0x19)
ERROR = 0x1D
SOURCE, TARGET = 0x28, 0x29
RECEIVED, ACCEPTED, REJECTED, RELEASED, MODIFIED = range(0x23, 0x28)
SASL_MECHANISMS, SASL_INIT, SASL_CHALLENGE, SASL_RESPONSE, SASL_OUTCOME = range(0x40, 0x45)

FIELD_COUNTS = {
    OPEN: 10,
    BEGIN: 8,
    ATTACH: 14,
    FLOW: 11,
    TRANSFER: 11,
    DISPOSITION: 6,
    DETACH: 3,
    END: 1,
    CLOSE: 1,
    ERROR: 3,
    SOURCE: 11,
    TARGET: 7,
    SASL_MECHANISMS: 1,
    SASL_OUTCOME: 2,
}

MAX_FRAME_SIZE = 1024 * 1024


def performative(code: int, *fields) -> bytes:
    """Encode a described list, padded with nulls to the full field count."""
    values = list(fields) + [None] * (FIELD_COUNTS.get(code, len(fields)) - len(fields))
    out = bytearray(b"\x00\x53" + bytes((code,)))
    encode_list(out, values)
    return bytes(out)


def described_list(code: int, *fields) -> Described:
    values = list(fields) + [None] * (FIELD_COUNTS.get(code, len(fields)) - len(fields))
    return Described(ULong(code), values)


def frame(channel: int, body: bytes, frame_type: int = FRAME_AMQP, payload: bytes = b"") -> bytes:
    size = 8 + len(body) + len(payload)
    return struct.pack(">IBBH", size, 2, frame_type, channel) + body + payload


def error(condition: str, description: str, info=None) -> Described:
    return described_list(ERROR, Symbol(condition), description, info)


# ---------------------------------------------------------------- outgoing performatives


def open_frame(container_id: str, max_frame_size: int = MAX_FRAME_SIZE) -> bytes:
    return frame(0, performative(OPEN, container_id, None, UInt(max_frame_size), UShort(65535)))


def begin_frame(channel: int, remote_channel: int) -> bytes:
    return frame(
        channel,
        performative(BEGIN, UShort(remote_channel), UInt(0), UInt(65536), UInt(65536), UInt(4294967295)),
    )


def attach_frame(
    channel,
    name,
    handle,
    role_is_receiver,
    snd_settle,
    rcv_settle,
    source,
    target,
    initial_delivery_count=None,
    max_message_size=None,
    properties=None,
    offered_capabilities=None,
) -> bytes:
    return frame(
        channel,
        performative(
            ATTACH,
            name,
            UInt(handle),
            role_is_receiver,
            UByte(snd_settle),
            UByte(rcv_settle),
            source,
            target,
            None,
            False,
            None if initial_delivery_count is None else UInt(initial_delivery_count),
            None if max_message_size is None else ULong(max_message_size),
            offered_capabilities,
            None,
            properties,
        ),
    )


def flow_frame(
    channel, next_incoming_id, next_outgoing_id, handle=None, delivery_count=None, link_credit=None
) -> bytes:
    return frame(
        channel,
        performative(
            FLOW,
            UInt(next_incoming_id),
            UInt(65536),
            UInt(next_outgoing_id),
            UInt(65536),
            None if handle is None else UInt(handle),
            None if delivery_count is None else UInt(delivery_count),
            None if link_credit is None else UInt(link_credit),
            UInt(0),
            False,
            False,
            None,
        ),
    )


def disposition_frame(channel, first, last, state, role_is_receiver=True, settled=True) -> bytes:
    return frame(channel, performative(DISPOSITION, role_is_receiver, UInt(first), UInt(last), settled, state, False))


def detach_frame(channel, handle, closed=True, err=None) -> bytes:
    return frame(channel, performative(DETACH, UInt(handle), closed, err))


def end_frame(channel, err=None) -> bytes:
    return frame(channel, performative(END, err))


def close_frame(err=None) -> bytes:
    return frame(0, performative(CLOSE, err))


def sasl_mechanisms_frame(mechanisms=("ANONYMOUS", "MSSBCBS", "PLAIN")) -> bytes:
    return frame(0, performative(SASL_MECHANISMS, SymbolArray(mechanisms)), FRAME_SASL)


def sasl_outcome_frame(code: int = 0) -> bytes:
    return frame(0, performative(SASL_OUTCOME, UByte(code), None), FRAME_SASL)


ACCEPTED_STATE = described_list(ACCEPTED)


def rejected_state(condition: str, description: str) -> Described:
    return described_list(REJECTED, error(condition, description))


def transfer_header(
    channel: int, handle: int, delivery_id: int, settled: bool, more: bool, payload_len: int, message_format: int = 0
) -> bytes:
    """The frame header and transfer performative for one frame of a delivery, built by struct.

    The hot path of the receive side: one pack per delivery instead of a generic encode.
    Fields: handle, delivery-id, delivery-tag (4 bytes), message-format, settled, more,
    rcv-settle-mode, state, resume, aborted, batchable (11, as the SDK requires).
    """
    return _TRANSFER.pack(
        8 + _TRANSFER_BODY + payload_len,
        2,
        0,
        channel,
        0x00,
        0x53,
        TRANSFER,
        0xD0,
        _TRANSFER_LIST,
        11,
        0x70,
        handle,
        0x70,
        delivery_id,
        0xA0,
        4,
        delivery_id,
        0x70,
        message_format,
        0x41 if settled else 0x42,
        0x41 if more else 0x42,
        0x40,
        0x40,
        0x42,
        0x42,
        0x42,
    )


_TRANSFER = struct.Struct(">IBBH BBB BII BI BI BBI BI BBBBBBB")
_TRANSFER_BODY = _TRANSFER.size - 8
_TRANSFER_LIST = _TRANSFER_BODY - 3 - 5  # list32 size counts from after the size field


# ---------------------------------------------------------------- incoming


class FrameError(ValueError):
    """The peer sent bytes that are not a valid frame."""


def parse_frame(buf, pos: int):
    """Return (frame_type, channel, performative, payload, next_pos) or None if incomplete.

    performative is (code, fields) or None for an empty (heartbeat) frame; payload is the bytes
    after the performative (transfer payload).
    """
    if len(buf) - pos < 8:
        return None
    size, doff, frame_type, channel = struct.unpack_from(">IBBH", buf, pos)
    if size < 8 or doff < 2:
        raise FrameError(f"bad frame header size={size} doff={doff}")
    end = pos + size
    if len(buf) < end:
        return None
    body_start = pos + 4 * doff
    if body_start >= end:
        return frame_type, channel, None, b"", end
    value, after = decode(buf, body_start)
    if not isinstance(value, Described):
        raise FrameError("frame body is not a performative")
    code = value.descriptor
    fields = value.value or []
    payload = bytes(buf[after:end]) if after < end else b""
    return frame_type, channel, (code, fields), payload, end


def field(fields, index, default=None):
    """Read a performative field by position; peers may omit trailing nulls (spec-legal)."""
    if index < len(fields) and fields[index] is not None:
        return fields[index]
    return default
