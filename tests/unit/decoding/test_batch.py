"""decode_batch is decode_message applied to each body, only faster: checked on the data files, on
bodies that leave the fast path half-way, and on generated batches."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_eventhub.decoding.batch import decode_batch
from azure_eventhub.decoding.message import decode_message
from tests.unit.decoding.test_message_properties import bodies_values

DATA = Path(__file__).resolve().parents[2] / "data"


def one_by_one(bodies, encodings=None, types=None):
    """What decode_batch must return, from decode_message."""
    texts, ends, indexes, categories, dead_letters, outcomes = [], [], [], [], [], {}
    for position, body in enumerate(bodies):
        decoded = decode_message(body, encodings[position] if encodings else None, types[position] if types else None)
        texts += [record.text for record in decoded.records]
        indexes += [record.index for record in decoded.records]
        categories += [record.category for record in decoded.records]
        ends.append(len(texts))
        if decoded.dead_letter is not None:
            dead_letters.append((position, decoded.dead_letter))
        for kind, count in decoded.outcomes.items():
            outcomes[kind] = outcomes.get(kind, 0) + count
    return texts, ends, indexes, categories, dead_letters, outcomes


def assert_same(bodies, encodings=None, types=None):
    batch = decode_batch(bodies, encodings, types, with_categories=True)
    got = (batch.texts, batch.ends, batch.item_indexes(), batch.categories, batch.dead_letters, batch.outcomes)
    assert got == one_by_one(bodies, encodings, types)
    plain = decode_batch(bodies, encodings, types)
    assert plain.categories is None and (plain.texts, plain.ends) == (batch.texts, batch.ends)
    return batch


def test_the_data_files_decode_as_one_batch_as_they_do_one_by_one():
    bodies = [path.read_bytes() for path in sorted(DATA.iterdir()) if path.suffix not in (".py", ".md")]
    assert len(bodies) >= 17
    assert_same(bodies)


SHAPES = {
    "records": b'{"records": [{"a": 1, "category": "X"}, {"b": 2}]}',
    "object": b'{"a": 1}',
    "heartbeat-item": b'{"records": [{"a": 1}, {"type": "heartbeat"}, {"b": 2}]}',
    "null-item": b'{"records": [{"a": 1}, null, {"b": 2}]}',
    "string-item": b'{"records": [{"a": 1}, "{\\"c\\": 3}"]}',
    "empty-records": b'{"records": []}',
    "huge-integer": b'{"records": [{"a": 1}, {"n": 123456789012345678901234567890}]}',
    "float-with-plus": b'{"records": [{"a": 1e300}]}',
    "single-quotes": b"{'a': 1}",
    "not-an-object": b'[{"a": 1}, {"b": 2}]',
    "text": b"plain text line",
    "gzip-magic": b"\x1f\x8b\x08\x00broken",
    "deep": b'{"a": ' + b"[" * 300 + b"]" * 300 + b"}",
}


def test_every_shape_alone_and_all_together():
    for body in SHAPES.values():
        assert_same([body])
    batch = assert_same(list(SHAPES.values()))
    assert batch.indexes is not None  # the heartbeat and null items moved the indexes after them


def test_the_usual_batch_stays_on_the_fast_path_with_implicit_indexes():
    bodies = [orjson.dumps({"records": [{"n": number, "category": "SignInLogs"}]}) for number in range(5)]
    batch = assert_same(bodies)
    assert batch.indexes is None and batch.ends == [1, 2, 3, 4, 5] and batch.outcomes == {"json": 5}


def test_properties_per_message():
    bodies = [b'{"a": 1}', b"\xff\xfe{\x00}\x00", b'{"b": 2}']
    assert_same(bodies, [None, None, "gzip"], [None, "text/plain; charset=utf-16", "application/json"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        bodies_values.map(lambda value: json.dumps(value).encode())
        | st.binary(max_size=60)
        | st.sampled_from(list(SHAPES.values())),
        max_size=8,
    )
)
def test_generated_batches_decode_as_one_by_one(bodies):
    assert_same(bodies)


def test_bodies_that_are_not_bytes_decode_as_decode_message_decodes_them():
    assert_same([bytearray(b'{"a": 1}'), memoryview(b'{"b": 2}'), b'{"c": 3}'])
