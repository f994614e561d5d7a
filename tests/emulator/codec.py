"""AMQP 1.0 type system: encode Python values to bytes and decode bytes back.

Written for the emulator only: it must not share code with the client under test
(azure-eventhub's `_pyamqp`), otherwise a codec bug would cancel out on both sides.
This module gathers the types (amqptypes), decoding and encoding under one name.
"""

from .amqptypes import DecodeError, Described, Symbol, SymbolArray, Timestamp, UByte, UInt, ULong, UShort  # noqa: F401
from .decoding import decode, skip, split_map  # noqa: F401
from .encoding import encode, encode_into, encode_list, encode_map_raw  # noqa: F401
