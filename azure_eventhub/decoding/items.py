"""A parsed body's items -> records: the per-record loop, apart from how a body is read (message.py),
since it is where the time goes (about 1 us a record, in the receiving thread) and where its
shapes, drops and counts are decided (message.py's docstring says them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import orjson

from azure_eventhub.decoding import text as texts
from azure_eventhub.decoding.json_values import _check_body, _double_encoded, _dump, _dump_lenient, _OBJECT_STARTS


@dataclass(frozen=True, slots=True)
class Record:
    text: str  # what is forwarded
    category: str | None  # `category` (else `Category`) of an object record, when a string
    index: int  # position of the item within its message (0-based)


# A fast constructor for the frozen dataclass above: its generated __init__ goes through
# object.__setattr__ once per field (frozen), about 1 us a Record; this sets the slots directly
# (0.4-0.5 us saved per record, in the receiving thread). Same objects, same equality.
_new = object.__new__
_set_text, _set_category, _set_index = Record.text.__set__, Record.category.__set__, Record.index.__set__


def _record(text: str, category: str | None, index: int) -> Record:
    record = _new(Record)
    _set_text(record, text)
    _set_category(record, category)
    _set_index(record, index)
    return record


_orjson_dumps = orjson.dumps
_NO_COUNTS: dict[str, int] = {}  # shared, never modified: message.py's _parsed only reads it


def records_of(
    value: Any, dump: Callable[[Any], str], checked_body: bytes | None = None
) -> tuple[list[Record], dict[str, int]]:
    """The records of a parsed body, and the counts of what was dropped or rewritten.

    With `checked_body`, the body orjson read: orjson reads an integer beyond 64 bits (magnitude
    above 2**63, so 19 digits or more) as a float, and serializes every float of that magnitude
    with an exponent ("9.223372036854776e+18"). So a record text without "+" (a C-speed
    search, 25 ns per KB of str) cannot hold one; at the first "+", the body itself is checked for a
    run of 19 digits (about 1 us per KB) and, if it has one, _LongInteger is raised: the caller
    parses it with the standard library instead.
    """
    check = checked_body is not None
    parse_strings = False
    if type(value) is dict:
        items = value.get("records")
        if type(items) is list:
            parse_strings = True
        else:
            items = (value,)
    elif type(value) is list:
        items = value
        parse_strings = True
    else:
        items = (value,)
    if not items:
        return [], {"empty": 1}

    records: list[Record] = []
    append = records.append
    heartbeats = nulls = doubles = surrogates = 0
    fast = dump is _dump  # orjson inline, without a call to _dump per record
    for index, item in enumerate(items):
        if type(item) is dict:  # the common item first
            if item.get("type") == "heartbeat":
                heartbeats += 1
                continue
            category = category_of(item)
            if fast:
                try:
                    raw = _orjson_dumps(item)
                except orjson.JSONEncodeError:  # nested past orjson's 254 levels
                    text = _dump(item)
                    if check:
                        check = _check_body(checked_body)
                else:
                    text = raw.decode()
                    if check and "+" in text:  # searching the str is 3 times faster than the bytes
                        check = _check_body(checked_body)
            else:
                text = dump(item)
            append(_record(text, category, index))
            continue
        item_dump = dump
        if type(item) is str:
            if parse_strings and item[:1] in _OBJECT_STARTS:
                parsed = _double_encoded(item)
                if parsed is not None:
                    item, item_dump = parsed
                    doubles += 1
            if type(item) is str:
                if dump is _dump_lenient:
                    item, replaced = texts.scrub_surrogates(item)
                    surrogates += replaced
                append(_record(item, None, index))
                continue
        if type(item) is dict:  # a double-encoded object
            if item.get("type") == "heartbeat":
                heartbeats += 1
                continue
            category = category_of(item)
            text = item_dump(item)
            if check and "+" in text:
                check = _check_body(checked_body)
            append(_record(text, category, index))
        elif item is None:
            nulls += 1
        else:
            text = item_dump(item)
            if check and "+" in text:
                check = _check_body(checked_body)
            append(_record(text, None, index))
    if not (heartbeats or nulls or doubles or surrogates):
        return records, _NO_COUNTS
    counts = {}
    if heartbeats:
        counts["heartbeat"] = heartbeats
    if nulls:
        counts["null"] = nulls
    if doubles:
        counts["double_encoded"] = doubles
    if surrogates:
        counts["invalid_encoding"] = 1
    return records, counts


def category_of(item: dict) -> str | None:
    """The record's `category`, else its `Category`; only a string counts."""
    category = item.get("category")
    if type(category) is str:
        return category
    category = item.get("Category")
    return category if type(category) is str else None
