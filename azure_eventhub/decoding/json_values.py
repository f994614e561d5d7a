"""JSON text -> values, and values -> compact record texts: orjson first, the standard library for
what orjson reads wrongly or not at all (integers beyond 64 bits, NaN, lone surrogates). Pure."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

from azure_eventhub.decoding import text as texts


def _parse(data: str) -> tuple[Any, Callable[[Any], str]]:
    """Parse JSON text; return the value and how to serialize its records. Raises ValueError."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        # NaN / Infinity, numbers beyond a double, lone surrogate escapes: the standard library
        # reads them (and raises ValueError or RecursionError for the rest).
        return json.loads(data), _dump_lenient
    if _has_long_digit_run(data.encode("utf-8", "surrogatepass")):
        return json.loads(data), _dump
    return value, _dump


_DIGITS_TO_NUL = bytes(0 if 0x30 <= byte <= 0x39 else 1 for byte in range(256))
_LONG_DIGIT_RUN = b"\x00" * 19


class _LongInteger(Exception):
    """The body holds an integer beyond 64 bits, which orjson read as a float."""


def _check_body(body: bytes) -> bool:
    """Raise _LongInteger when `body` may hold an integer beyond 64 bits; else return False (the
    body needs no more checks)."""
    if _has_long_digit_run(body):
        raise _LongInteger
    return False


def _has_long_digit_run(data: bytes) -> bool:
    # Cheap (about 1 us per KB) guard against integers orjson reads as floats (beyond
    # [-2**63, 2**64 - 1]: 19 or more digits). A run inside a string only costs a slower parse.
    return _LONG_DIGIT_RUN in data.translate(_DIGITS_TO_NUL)


_COMPACT = (",", ":")


def _dump(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # integer beyond 64 bits, or nested past orjson's 254 levels
        return json.dumps(value, separators=_COMPACT, ensure_ascii=False)


def _dump_lenient(value: Any) -> str:
    # Values from the standard library's parser may hold NaN (which orjson would turn into null)
    # or lone surrogates (which cannot be sent as UTF-8: keep them as escapes).
    dumped = json.dumps(value, separators=_COMPACT, ensure_ascii=False)
    if texts.scrub_surrogates(dumped)[1]:
        dumped = json.dumps(value, separators=_COMPACT)
    return dumped


_OBJECT_STARTS = frozenset("{ \t\r\n")


def _double_encoded(item: str) -> tuple[dict, Callable[[Any], str]] | None:
    """The JSON object a string item holds, with its serializer; None when it holds none."""
    if not item.lstrip().startswith("{"):
        return None
    try:
        value, dump = _parse(item)
    except (ValueError, RecursionError):
        return None
    return (value, dump) if type(value) is dict else None
