"""Encoding Python values as AMQP 1.0 (pure); the Python type, or a wrapper type, picks the AMQP type."""

import struct
import uuid
from typing import Any

from .amqptypes import Described, Symbol, SymbolArray, Timestamp, UByte, UInt, ULong, UShort


def encode(value: Any) -> bytes:
    out = bytearray()
    encode_into(out, value)
    return bytes(out)


def encode_into(out: bytearray, value: Any) -> None:
    if value is None:
        out.append(0x40)
    elif value is True:
        out.append(0x41)
    elif value is False:
        out.append(0x42)
    elif isinstance(value, Symbol):
        _encode_bytes(out, value.encode("ascii"), 0xA3, 0xB3)
    elif isinstance(value, str):
        _encode_bytes(out, value.encode("utf-8"), 0xA1, 0xB1)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        _encode_bytes(out, bytes(value), 0xA0, 0xB0)
    elif isinstance(value, Timestamp):
        out += b"\x83" + struct.pack(">q", value)
    elif isinstance(value, UInt):
        if value == 0:
            out.append(0x43)
        elif value < 256:
            out += bytes((0x52, value))
        else:
            out += b"\x70" + struct.pack(">I", value)
    elif isinstance(value, ULong):
        if value == 0:
            out.append(0x44)
        elif value < 256:
            out += bytes((0x53, value))
        else:
            out += b"\x80" + struct.pack(">Q", value)
    elif isinstance(value, UByte):
        out += bytes((0x50, value))
    elif isinstance(value, UShort):
        out += b"\x60" + struct.pack(">H", value)
    elif isinstance(value, int):
        if -128 <= value <= 127:
            out += b"\x55" + struct.pack(">b", value)
        else:
            out += b"\x81" + struct.pack(">q", value)
    elif isinstance(value, float):
        out += b"\x82" + struct.pack(">d", value)
    elif isinstance(value, uuid.UUID):
        out += b"\x98" + value.bytes
    elif isinstance(value, Described):
        out.append(0x00)
        encode_into(out, value.descriptor)
        encode_into(out, value.value)
    elif isinstance(value, SymbolArray):
        _encode_symbol_array(out, value)
    elif isinstance(value, (list, tuple)):
        encode_list(out, value)
    elif isinstance(value, dict):
        body = bytearray()
        for key, item in value.items():
            encode_into(body, key)
            encode_into(body, item)
        out += b"\xd1" + struct.pack(">II", len(body) + 4, 2 * len(value)) + body
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as AMQP")


def encode_list(out: bytearray, items) -> None:
    """Encode a list as list32, every item kept (performatives rely on full field counts)."""
    body = bytearray()
    for item in items:
        encode_into(body, item)
    out += b"\xd0" + struct.pack(">II", len(body) + 4, len(items)) + body


def _encode_bytes(out, raw, small, large):
    if len(raw) < 256:
        out += bytes((small, len(raw))) + raw
    else:
        out += bytes((large,)) + struct.pack(">I", len(raw)) + raw


def _encode_symbol_array(out, symbols):
    body = bytearray(b"\xb3")
    for name in symbols:
        raw = name.encode("ascii")
        body += struct.pack(">I", len(raw)) + raw
    out += b"\xf0" + struct.pack(">II", len(body) + 4, len(symbols)) + body


def encode_map_raw(entries: list[bytes]) -> bytes:
    """Build a map32 from already-encoded key+value pairs (merging annotations without re-typing)."""
    body = b"".join(entries)
    return b"\xd1" + struct.pack(">II", len(body) + 4, 2 * len(entries)) + body
