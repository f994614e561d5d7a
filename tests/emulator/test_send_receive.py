"""Sends of every kind, received back through the real SDK with the x-opt annotations it reads."""

import datetime

from azure.eventhub import EventData

from .sdk import Receiver, last_sequence_numbers, producer, receive

HUB = "send-receive"


def test_single_events_and_batch_to_a_partition_keep_order_body_and_properties(emulator):
    conn_str = emulator.connection_string(HUB)
    start = last_sequence_numbers(emulator, HUB)["1"]
    with producer(conn_str) as client:
        event = EventData(b"single")
        event.properties = {"kind": "single", "n": 1}
        client.send_event(event, partition_id="1")
        batch = client.create_batch(partition_id="1")
        for i in range(3):
            batch.add(EventData(f"batch-{i}"))
        client.send_batch(batch)

    events = receive(conn_str, 4, partition_id="1", starting_position=start)

    assert [e.body_as_str() for e in events] == ["single", "batch-0", "batch-1", "batch-2"]
    assert events[0].properties == {b"kind": b"single", b"n": 1}
    assert [e.sequence_number for e in events] == list(range(start + 1, start + 5))
    offsets = [int(e.offset) for e in events]
    assert offsets == sorted(offsets) and len(set(offsets)) == 4
    now = datetime.datetime.now(datetime.timezone.utc)
    assert all(abs((now - e.enqueued_time).total_seconds()) < 60 for e in events)
    assert all(e.partition_key is None for e in events)


def test_events_with_one_partition_key_land_in_one_partition_with_the_key(emulator):
    conn_str = emulator.connection_string(HUB)
    before = last_sequence_numbers(emulator, HUB)
    with producer(conn_str) as client:
        for i in range(3):
            batch = client.create_batch(partition_key="device-42")
            batch.add(EventData(f"keyed-{i}"))
            client.send_batch(batch)
        client.send_event(EventData("keyed-single"), partition_key="device-42")
    after = last_sequence_numbers(emulator, HUB)

    grown = [pid for pid in before if after[pid] != before[pid]]
    assert len(grown) == 1
    pid = grown[0]
    assert after[pid] - before[pid] == 4
    events = receive(conn_str, 4, partition_id=pid, starting_position=before[pid])
    assert [e.body_as_str() for e in events] == ["keyed-0", "keyed-1", "keyed-2", "keyed-single"]
    # The pyamqp SDK decodes AMQP strings to bytes and hands the annotation over as is.
    assert {e.partition_key for e in events} == {b"device-42"}


def test_events_without_partition_or_key_are_spread_round_robin(emulator):
    conn_str = emulator.connection_string(HUB)
    before = last_sequence_numbers(emulator, HUB)
    with producer(conn_str) as client:
        for i in range(8):
            client.send_event(EventData(f"rr-{i}"))
    after = last_sequence_numbers(emulator, HUB)
    assert [after[pid] - before[pid] for pid in sorted(before)] == [2, 2, 2, 2]


def test_receiving_from_every_partition_with_a_consumer_group(emulator):
    conn_str = emulator.connection_string(HUB)
    before = last_sequence_numbers(emulator, HUB)
    with producer(conn_str) as client:
        for pid in before:
            client.send_event(EventData(f"to-{pid}"), partition_id=pid)
    with Receiver(conn_str, consumer_group="sekoiaio", starting_position=before) as receiver:
        events = receiver.wait_events(4)
        partitions = {c.partition_id for c in receiver.contexts}
    assert sorted(e.body_as_str() for e in events[:4]) == ["to-0", "to-1", "to-2", "to-3"]
    assert partitions == {"0", "1", "2", "3"}
