"""Decoding AMQP 1.0 values from bytes (pure); `skip` and `split_map` walk values without building them."""

import struct
import uuid
from typing import Any

from .amqptypes import DecodeError, Described, Symbol, Timestamp

_unpack_from = struct.unpack_from


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
