"""Faults through the control API: freeze, drop, partition growth, retention."""

import threading

from azure.eventhub import EventData

from .sdk import Receiver, producer, receive, wait_for


def _receivers(emulator):
    return emulator.stats()["receivers"]


def test_freeze_holds_every_frame_until_unfreeze(private_emulator):
    conn_str = private_emulator.connection_string("hub")
    with Receiver(conn_str, partition_id="0", starting_position="@latest") as receiver:
        assert wait_for(lambda: _receivers(private_emulator))
        private_emulator.freeze()
        sent = threading.Event()

        def send():
            with producer(conn_str) as client:
                client.send_event(EventData("while-frozen"), partition_id="0")
            sent.set()

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        # Nothing may move while frozen: a short bounded look, expected to find nothing.
        assert not wait_for(lambda: sent.is_set() or receiver.events, timeout=1.5)
        assert private_emulator.stats()["frozen"] is True
        private_emulator.unfreeze()
        assert wait_for(sent.is_set)
        events = receiver.wait_events(1)
        sender.join(10)
    assert [e.body_as_str() for e in events] == ["while-frozen"]


def test_dropped_connections_are_reopened_by_the_sdk_and_receiving_goes_on(private_emulator):
    conn_str = private_emulator.connection_string("hub")
    with producer(conn_str) as client:
        client.send_event(EventData("before-drop"), partition_id="1")
    # From the start, not @latest: the SDK resumes after the last event it received, and an
    # @latest receiver that reconnects after the send would rightly skip it.
    with Receiver(conn_str, partition_id="1", starting_position="-1", retry_total=3) as receiver:
        receiver.wait_events(1)
        assert private_emulator.drop_connections()["dropped"] >= 1
        with producer(conn_str) as client:
            client.send_event(EventData("after-drop"), partition_id="1")
        events = receiver.wait_events(2)
    assert [e.body_as_str() for e in events] == ["before-drop", "after-drop"], receiver.errors


def test_partitions_can_grow_at_run_time(private_emulator):
    conn_str = private_emulator.connection_string("hub")
    assert private_emulator.add_partitions("hub", 4)["partition_count"] == 4
    with producer(conn_str) as client:
        assert client.get_partition_ids() == ["0", "1", "2", "3"]
        client.send_event(EventData("in-new-partition"), partition_id="3")
    events = receive(conn_str, 1, partition_id="3", starting_position="-1")
    assert [e.body_as_str() for e in events] == ["in-new-partition"]


def test_truncation_moves_the_oldest_retained_event(private_emulator):
    conn_str = private_emulator.connection_string("hub")
    with producer(conn_str) as client:
        batch = client.create_batch(partition_id="0")
        for body in ("a", "b", "c"):
            batch.add(EventData(body))
        client.send_batch(batch)
        private_emulator.truncate("hub", "0", 2)
        properties = client.get_partition_properties("0")
    assert properties["beginning_sequence_number"] == 2
    assert properties["last_enqueued_sequence_number"] == 2
    events = receive(conn_str, 1, partition_id="0", starting_position="-1")
    assert [(e.sequence_number, e.body_as_str()) for e in events] == [(2, "c")]
