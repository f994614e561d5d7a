"""The emulator's codec, frames and message stamping, on literal bytes (no sockets)."""

import uuid

import pytest

from . import frames, messages
from .addresses import Position, parse_address, parse_selector
from .codec import Described, Symbol, SymbolArray, Timestamp, UInt, ULong, decode, encode, skip, split_map


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        127,
        300,
        -(2**40),
        1.5,
        "text",
        "é" * 300,
        b"\x00\x01",
        b"x" * 300,
        Symbol("amqp:not-found"),
        Timestamp(1_700_000_000_123),
        uuid.UUID(int=7),
        [1, "a", [None]],
        {Symbol("k"): "v", "n": 3},
    ],
)
def test_values_round_trip_and_skip_finds_their_end(value):
    raw = encode(value) + b"\xff"
    decoded, end = decode(raw, 0)
    assert decoded == value
    assert end == skip(raw, 0) == len(raw) - 1


def test_unsigned_and_described_and_symbol_array_encodings():
    assert encode(UInt(0)) == b"\x43"
    assert encode(UInt(5)) == b"\x52\x05"
    assert encode(ULong(0x10)) == b"\x53\x10"
    assert decode(encode(Described(ULong(0x24), [])), 0)[0] == Described(0x24, [])
    assert decode(encode(SymbolArray(["ANONYMOUS"])), 0)[0] == ["ANONYMOUS"]


def test_performatives_keep_their_full_field_count_for_the_sdk():
    _, _, (code, fields), _, _ = frames.parse_frame(frames.open_frame("c"), 0)
    assert code == frames.OPEN and len(fields) == 10
    _, _, (code, fields), _, _ = frames.parse_frame(frames.detach_frame(1, 2), 0)
    assert code == frames.DETACH and len(fields) == 3


def test_transfer_header_is_a_valid_transfer_with_payload_after_it():
    payload = b"\x00\x53\x75\xa0\x02hi"
    parsed = frames.parse_frame(frames.transfer_header(3, 1, 9, True, False, len(payload)) + payload, 0)
    _, channel, (code, fields), body, _ = parsed
    assert (channel, code, len(fields)) == (3, frames.TRANSFER, 11)
    assert fields[0:2] == [1, 9] and fields[4] is True and fields[5] is False
    assert body == payload


def test_split_map_keeps_raw_entries():
    raw = encode({Symbol("a"): 1, Symbol("b"): "two"})
    entries, end = split_map(raw, 0)
    assert [k for k, _ in entries] == ["a", "b"] and end == len(raw)


def test_a_batch_is_unpacked_and_events_are_stamped_with_x_opt_annotations():
    inner = [b"\x00\x53\x75\xa0\x01" + bytes([48 + i]) for i in range(3)]
    outer_annotations = b"\x00\x53\x72" + encode({Symbol("x-opt-partition-key"): "pk"})
    batch = outer_annotations + b"".join(b"\x00\x53\x75" + encode(m) for m in inner)
    events, key = messages.unpack(batch, messages.BATCH_FORMAT)
    assert key == "pk" and len(events) == 3
    stamped, head_len = messages.stamp(events[1], 7, 1234, 1_700_000_000_000)
    sections = messages.split_sections(stamped)
    assert head_len == 0
    assert [s.code for s in sections] == [messages.MESSAGE_ANNOTATIONS, messages.DATA]
    annotations = decode(stamped, sections[0].value_start)[0]
    assert annotations == {
        "x-opt-partition-key": "pk",
        "x-opt-sequence-number": 7,
        "x-opt-offset": "1234",
        "x-opt-enqueued-time": 1_700_000_000_000,
    }


def test_addresses_and_selectors_as_the_sdk_writes_them():
    address = parse_address("amqps://localhost:5680/hub/ConsumerGroups/$Default/Partitions/3")
    assert (address.hub, address.consumer_group, address.partition) == ("hub", "$Default", "3")
    assert address.resource() == "sb://localhost:5680/hub/consumergroups/$default/partitions/3"
    assert parse_selector(b"amqp.annotation.x-opt-offset >= '-1'") == Position("offset", "-1", True)
    assert parse_selector("amqp.annotation.x-opt-sequence-number > '5'") == Position("sequence-number", "5", False)
