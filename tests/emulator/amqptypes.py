"""AMQP 1.0 value types the emulator's codec distinguishes beyond Python's own.

Decoding maps AMQP types to Python: string -> str, symbol -> Symbol (a str), binary -> bytes,
integers -> int, timestamp -> Timestamp (an int of ms), described -> Described, uuid -> uuid.UUID.
Encoding infers the AMQP type from the Python type; the wrappers below (UInt, ULong, ...) pick an
exact type where the spec requires one (performative fields).
"""

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
