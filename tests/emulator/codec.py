"""AMQP 1.0 type system: encode Python values to bytes and decode bytes back.

Pure functions, no I/O. Written for the emulator only: it must not share code with the client under
test (azure-eventhub's `_pyamqp`), otherwise a codec bug would cancel out on both sides.

Decoding maps AMQP types to Python: string -> str, symbol -> Symbol (a str), binary -> bytes,
integers -> int, timestamp -> Timestamp (an int of ms), described -> Described, uuid -> uuid.UUID.
Encoding infers the AMQP type from the Python type; the wrappers below (UInt, ULong, ...) pick an
exact type where the spec requires one (performative fields).
"""

import struct
import uuid
from typing import Any, NamedTuple


class Symbol(str):
    """An AMQP symbol (ASCII name), kept distinct from an AMQP string."""


class Timestamp(int):
    """Milliseconds since the Unix epoch, encoded as AMQP timestamp."""


class UInt(int):
    pass


class ULong(int):
    pass


class UByte(int):
    pass


class UShort(int):
    pass


class Described(NamedTuple):
    descriptor: Any
    value: Any


class SymbolArray(list):
    """A list of symbols encoded as an AMQP array (what capabilities and mechanisms use)."""


class DecodeError(ValueError):
    """The bytes are not valid AMQP data."""


_unpack_from = struct.unpack_from


# ---------------------------------------------------------------- decoding


def decode(buf, pos: int = 0) -> tuple[Any, int]:
    """Decode one value at `pos`; return it and the position after it."""
    try:
        code = buf[pos]
    except IndexError:
        raise DecodeError("truncated value") from None
    if code == 0x00:
        descriptor, pos = decode(buf, pos + 1)
        value, pos = decode(buf, pos)
        return Described(descriptor, value), pos
    decoder = _DECODERS.get(code)
    if decoder is None:
        raise DecodeError(f"unknown constructor 0x{code:02x}")
    return decoder(buf, pos + 1)


def _fixed(fmt, size, wrap=None):
    def dec(buf, pos):
        if pos + size > len(buf):
            raise DecodeError("truncated value")
        value = _unpack_from(fmt, buf, pos)[0]
        return (wrap(value) if wrap else value), pos + size

    return dec


def _variable(len_fmt, len_size, convert):
    def dec(buf, pos):
        (length,) = _unpack_from(len_fmt, buf, pos)
        start = pos + len_size
        end = start + length
        if end > len(buf):
            raise DecodeError("truncated value")
        return convert(bytes(buf[start:end])), end

    return dec


def _compound(len_fmt, len_size, is_map):
    def dec(buf, pos):
        size, count = _unpack_from(len_fmt, buf, pos)
        body = pos + 2 * len_size
        end = pos + len_size + size
        if end > len(buf):
            raise DecodeError("truncated value")
        items = []
        p = body
        for _ in range(count):
            item, p = decode(buf, p)
            items.append(item)
        if is_map:
            return {_hashable(items[i]): items[i + 1] for i in range(0, count, 2)}, end
        return items, end

    return dec


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _array(len_fmt, len_size):
    def dec(buf, pos):
        size, count = _unpack_from(len_fmt, buf, pos)
        end = pos + len_size + size
        p = pos + 2 * len_size
        descriptor = None
        if buf[p] == 0x00:
            descriptor, p = decode(buf, p + 1)
        code = buf[p]
        element = _DECODERS[code]
        p += 1
        items = []
        for _ in range(count):
            item, p = element(buf, p)
            items.append(item if descriptor is None else Described(descriptor, item))
        return items, end

    return dec


def _const(value):
    return lambda buf, pos: (value, pos)


_DECODERS = {
    0x40: _const(None),
    0x41: _const(True),
    0x42: _const(False),
    0x43: _const(0),
    0x44: _const(0),
    0x45: _const([]),
    0x50: _fixed(">B", 1),
    0x51: _fixed(">b", 1),
    0x52: _fixed(">B", 1),
    0x53: _fixed(">B", 1),
    0x54: _fixed(">b", 1),
    0x55: _fixed(">b", 1),
    0x56: _fixed(">?", 1),
    0x60: _fixed(">H", 2),
    0x61: _fixed(">h", 2),
    0x70: _fixed(">I", 4),
    0x71: _fixed(">i", 4),
    0x72: _fixed(">f", 4),
    0x73: _fixed(">I", 4, chr),
    0x74: _fixed(">I", 4),
    0x80: _fixed(">Q", 8),
    0x81: _fixed(">q", 8),
    0x82: _fixed(">d", 8),
    0x83: _fixed(">q", 8, Timestamp),
    0x84: _fixed(">Q", 8),
    0x94: _fixed(">16s", 16),
    0x98: _fixed(">16s", 16, lambda b: uuid.UUID(bytes=b)),
    0xA0: _variable(">B", 1, bytes),
    0xA1: _variable(">B", 1, lambda b: b.decode("utf-8")),
    0xA3: _variable(">B", 1, lambda b: Symbol(b.decode("ascii"))),
    0xB0: _variable(">I", 4, bytes),
    0xB1: _variable(">I", 4, lambda b: b.decode("utf-8")),
    0xB3: _variable(">I", 4, lambda b: Symbol(b.decode("ascii"))),
    0xC0: _compound(">BB", 1, False),
    0xC1: _compound(">BB", 1, True),
    0xD0: _compound(">II", 4, False),
    0xD1: _compound(">II", 4, True),
    0xE0: _array(">BB", 1),
    0xF0: _array(">II", 4),
}

# Width of fixed-size encodings, for skipping a value without decoding it.
_FIXED_WIDTH = {c: 0 for c in (0x40, 0x41, 0x42, 0x43, 0x44, 0x45)}
_FIXED_WIDTH.update({c: 1 for c in (0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56)})
_FIXED_WIDTH.update({0x60: 2, 0x61: 2})
_FIXED_WIDTH.update({c: 4 for c in (0x70, 0x71, 0x72, 0x73, 0x74)})
_FIXED_WIDTH.update({c: 8 for c in (0x80, 0x81, 0x82, 0x83, 0x84)})
_FIXED_WIDTH.update({0x94: 16, 0x98: 16})


def skip(buf, pos: int) -> int:
    """Return the position after the value at `pos`, without building it (cheap splitting)."""
    code = buf[pos]
    if code == 0x00:
        return skip(buf, skip(buf, pos + 1))
    width = _FIXED_WIDTH.get(code)
    if width is not None:
        return pos + 1 + width
    if code in (0xA0, 0xA1, 0xA3, 0xC0, 0xC1, 0xE0):
        return pos + 2 + buf[pos + 1]
    if code in (0xB0, 0xB1, 0xB3, 0xD0, 0xD1, 0xF0):
        return pos + 5 + _unpack_from(">I", buf, pos + 1)[0]
    raise DecodeError(f"unknown constructor 0x{code:02x}")


def split_map(buf, pos: int) -> tuple[list[tuple[Any, bytes]], int]:
    """Split an encoded map into (decoded key, raw encoded key+value) pairs; return them and the end."""
    code = buf[pos]
    if code == 0xC1:
        size, count = buf[pos + 1], buf[pos + 2]
        p, end = pos + 3, pos + 2 + size
    elif code == 0xD1:
        size, count = _unpack_from(">II", buf, pos + 1)
        p, end = pos + 9, pos + 5 + size
    elif code == 0x40:
        return [], pos + 1
    else:
        raise DecodeError(f"expected a map, got constructor 0x{code:02x}")
    entries = []
    for _ in range(count // 2):
        key, after_key = decode(buf, p)
        after_value = skip(buf, after_key)
        entries.append((key, bytes(buf[p:after_value])))
        p = after_value
    return entries, end


# ---------------------------------------------------------------- encoding


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
