"""routing: which ordinals of a decoded batch go to the intake and which to the dead letters."""

from azure_eventhub.decoding.batch import decode_batch
from azure_eventhub.decoding.message import MAX_RECORD_CHARS
from azure_eventhub.delivery.destinations import DeadLetterEntry, needs_dead_letters, sort_by_destination

BIG = b'{"blob": "' + b"x" * MAX_RECORD_CHARS + b'"}'


def test_a_usual_batch_needs_no_dead_letter():
    assert not needs_dead_letters(decode_batch([b'{"records": [{"a": 1}, {"b": 2}]}', b'{"c": 3}']))


def test_an_undecodable_body_and_an_oversized_record_hold_one_ordinal_each_in_place():
    decoded = decode_batch(
        [b'{"records": [{"a": 1}, {"type": "heartbeat"}, ' + BIG + b"]}", b"\x1f\x8b\x08 broken", b'{"c": 3}'],
        content_encodings=[None, "gzip", None],
    )
    assert needs_dead_letters(decoded)
    routed = sort_by_destination(decoded)
    assert routed.ends == [2, 3, 4]
    assert routed.indexes == [0, 2, None, 0]  # the heartbeat keeps its place; None: a whole body
    first, oversized, undecodable, last = routed.entries
    assert (first, last) == ('{"a":1}', '{"c":3}')
    assert isinstance(oversized, DeadLetterEntry) and oversized.kind == "oversized" and len(oversized.payload) > MAX_RECORD_CHARS
    assert isinstance(undecodable, DeadLetterEntry) and undecodable.kind == "undecodable"
    assert undecodable.payload == b"\x1f\x8b\x08 broken"
