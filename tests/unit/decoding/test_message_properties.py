"""Properties of decode_message over arbitrary bytes and over arbitrary JSON values.

Strategies are restricted only where written: floats exclude NaN and infinities (JSON has neither);
text excludes lone surrogates (hypothesis's default: they cannot be encoded as UTF-8).
"""

from __future__ import annotations

import json
import math

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_eventhub.decoding.message import decode_message

KINDS = {
    "json",
    "repaired",
    "text",
    "decompressed",
    "heartbeat",
    "null",
    "invalid_encoding",
    "double_encoded",
    "dead_letter",
    "empty",
}
BODY_LEVEL = {"decompressed", "invalid_encoding", "dead_letter", "empty"}

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=40,
)
# Items that look like what Azure sends, so the records / category / heartbeat rules get exercised.
azure_items = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"category": st.sampled_from(["SignInLogs", "AuditLogs", "A", ""]) | scalars},
        optional={"Category": scalars, "type": st.sampled_from(["heartbeat", "Heartbeat", "x"])},
    ),
    json_values.map(lambda value: json.dumps({"category": "Double", "v": value})),  # double-encoded
)
bodies_values = st.one_of(
    json_values,
    st.builds(lambda items: {"records": items}, st.lists(azure_items, max_size=8)),
    st.lists(azure_items, max_size=8),
)


def check_invariants(result) -> None:
    outcomes = result.outcomes
    assert set(outcomes) <= KINDS
    assert all(type(count) is int and count > 0 for count in outcomes.values())
    assert all(outcomes[kind] == 1 for kind in BODY_LEVEL & set(outcomes))
    assert sum(outcomes.get(kind, 0) for kind in ("json", "repaired", "text")) == len(result.records)
    assert ("json" in outcomes) + ("repaired" in outcomes) + ("text" in outcomes) <= 1
    if result.dead_letter is not None or "dead_letter" in outcomes:
        assert result.dead_letter is not None and outcomes == {"dead_letter": 1} and result.records == []
    if "empty" in outcomes:
        assert result.records == []
    indexes = [record.index for record in result.records]
    assert indexes == sorted(set(indexes)) and all(index >= 0 for index in indexes)
    for record in result.records:
        record.text.encode("utf-8")  # sendable: no lone surrogates
        assert record.category is None or type(record.category) is str


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=300)
    | st.sampled_from([b"\x1f\x8b", b"x\x9c", b"\xef\xbb\xbf", b"\xff\xfe", b"{'", b"[ 1 B blob data ]"]).flatmap(
        lambda prefix: st.binary(max_size=200).map(lambda rest: prefix + rest)
    ),
    content_encoding=st.sampled_from([None, "gzip", "deflate", "utf-8", "br", ""]),
    content_type=st.sampled_from([None, "application/json", "text/plain; charset=utf-16", "x; charset=bogus"]),
)
def test_arbitrary_bytes_never_raise(body: bytes, content_encoding: str | None, content_type: str | None) -> None:
    check_invariants(decode_message(body, content_encoding, content_type))


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("{}[]:,'\" \n\\tTFNrue0123456789-.xB"), max_size=200))
def test_almost_json_text_never_raises(text: str) -> None:
    check_invariants(decode_message(text.encode()))


# --- JSON values -------------------------------------------------------------------------------
def expected_records(value):
    """The oracle: (index, item, category) per record, and the outcome counts, from the rules."""
    parse_strings = True
    if type(value) is dict and type(value.get("records")) is list:
        items = value["records"]
    elif type(value) is list:
        items = value
    else:
        items, parse_strings = [value], False
    if not items:
        return [], {"empty": 1}
    records, counts = [], {}
    for index, item in enumerate(items):
        if item is None:
            counts["null"] = counts.get("null", 0) + 1
            continue
        if parse_strings and type(item) is str:
            try:
                parsed = json.loads(item)
            except (ValueError, RecursionError):
                parsed = None
            if type(parsed) is dict:
                item = parsed
                counts["double_encoded"] = counts.get("double_encoded", 0) + 1
        category = None
        if type(item) is dict:
            if item.get("type") == "heartbeat":
                counts["heartbeat"] = counts.get("heartbeat", 0) + 1
                continue
            for key in ("category", "Category"):
                if type(item.get(key)) is str:
                    category = item[key]
                    break
        records.append((index, item, category))
    if records:
        counts["json"] = len(records)
    return records, counts


def same(a, b) -> bool:
    """Equality that also compares types (1 != 1.0 != True) and the sign of zero."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if type(x) is dict:
            if list(x) != list(y):
                return False
            pending.extend((x[key], y[key]) for key in x)
        elif type(x) is list:
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y))
        elif type(x) is float:
            if x != y or math.copysign(1, x) != math.copysign(1, y):
                return False
        elif x != y:
            return False
    return True


def orjson_exact(value) -> bool:
    """Whether orjson carries `value` exactly: integers within 64 bits, at most 254 levels."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > 254:
            return False
        if type(item) is int and not -(2**63) <= item < 2**64:
            return False
        if type(item) is dict:
            pending.extend((child, depth + 1) for child in item.values())
        elif type(item) is list:
            pending.extend((child, depth + 1) for child in item)
    return True


def check_round_trip(value, ensure_ascii: bool) -> None:
    result = decode_message(json.dumps(value, ensure_ascii=ensure_ascii).encode())
    check_invariants(result)
    records, counts = expected_records(value)
    assert result.outcomes == counts
    assert [(r.index, r.category) for r in result.records] == [(index, category) for index, _, category in records]
    for record, (_, item, _) in zip(result.records, records):
        if type(item) is str:
            assert record.text == item
        elif orjson_exact(item):
            assert same(orjson.loads(record.text), item)
        else:  # forwarded without loss: the standard library reads back the same value
            assert same(json.loads(record.text), item)


@settings(max_examples=1000, deadline=None)
@given(value=bodies_values, ensure_ascii=st.booleans())
def test_json_values_round_trip(value, ensure_ascii: bool) -> None:
    check_round_trip(value, ensure_ascii)


big_integers = st.integers(min_value=2**64, max_value=2**200) | st.integers(
    min_value=-(2**200), max_value=-(2**63) - 1
)
edge_integers = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1])


def nest(value, depth: int, in_objects: bool):
    for level in range(depth):
        value = {"k": value} if in_objects and level % 2 else [value]
    return value


@settings(max_examples=150, deadline=None)
@given(
    leaf=json_values | big_integers | edge_integers,
    depth=st.integers(min_value=250, max_value=700),
    in_objects=st.booleans(),
    wrap=st.sampled_from(["records", "list", "bare"]),
)
def test_values_orjson_cannot_carry_are_forwarded_without_loss(leaf, depth: int, in_objects: bool, wrap: str) -> None:
    deep = nest(leaf, depth, in_objects)
    value = {"records": [deep, {"n": leaf}]} if wrap == "records" else [deep, leaf] if wrap == "list" else deep
    check_round_trip(value, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(
    value=st.lists(
        st.dictionaries(st.text(max_size=5), big_integers | edge_integers | json_values, max_size=4), max_size=4
    )
)
def test_big_integers_round_trip(value) -> None:
    check_round_trip({"records": value}, ensure_ascii=True)


# --- repair ------------------------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(
        st.lists(json_values, max_size=6),
        st.dictionaries(st.text(max_size=12), json_values, max_size=6),
        st.builds(lambda items: {"records": items}, st.lists(azure_items, max_size=6)),
    )
)
def test_python_literal_bodies_repair_to_the_records_of_valid_json(value) -> None:
    # repr() writes a JSON value Python's way: single quotes, True/False/None, \x / \U escapes.
    valid = decode_message(json.dumps(value).encode())
    repaired = decode_message(repr(value).encode())
    assert repaired.records == valid.records
    assert {
        ("json" if kind == "repaired" else kind): count for kind, count in repaired.outcomes.items()
    } == valid.outcomes
