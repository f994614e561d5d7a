"""Last-enqueued runtime metrics, delivered as delivery annotations when the receiver asks."""

import pytest
from azure.eventhub import EventData

from .sdk import Receiver, producer

HUB = "metrics"


@pytest.fixture(scope="module")
def conn_str(emulator):
    conn_str = emulator.connection_string(HUB)
    with producer(conn_str) as client:
        batch = client.create_batch(partition_id="0")
        for i in range(3):
            batch.add(EventData(f"m{i}"))
        client.send_batch(batch)
    return conn_str


def test_receiver_sees_the_last_enqueued_event_of_the_partition(conn_str):
    with Receiver(
        conn_str, partition_id="0", starting_position="-1", track_last_enqueued_event_properties=True
    ) as receiver:
        events = receiver.wait_events(3)
        properties = receiver.contexts[0].last_enqueued_event_properties
    assert properties["sequence_number"] == events[2].sequence_number == 2
    assert properties["offset"] == events[2].offset
    assert properties["enqueued_time"] == events[2].enqueued_time
    assert properties["retrieval_time"] >= events[2].enqueued_time


def test_receiver_without_the_capability_gets_no_metrics(conn_str):
    with Receiver(conn_str, partition_id="0", starting_position="-1") as receiver:
        receiver.wait_events(1)
        assert receiver.contexts[0].last_enqueued_event_properties is None
