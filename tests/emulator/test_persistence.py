"""With --data-dir, acknowledged events and their offsets survive a stop or a SIGKILL."""

import pytest
from azure.eventhub import EventData

from .sdk import producer, receive


def _send(conn_str, bodies, partition_id="0"):
    with producer(conn_str) as client:
        batch = client.create_batch(partition_id=partition_id)
        for body in bodies:
            batch.add(EventData(body))
        client.send_batch(batch)


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_events_offsets_and_sequence_numbers_continue_after_a_restart(private_emulator, how):
    conn_str = private_emulator.connection_string("hub")
    port = private_emulator.port
    _send(conn_str, ["a", "b", "c"])
    before = receive(conn_str, 3, partition_id="0", starting_position="-1")

    getattr(private_emulator, how)()
    private_emulator.start()
    assert private_emulator.port == port
    _send(conn_str, ["d", "e"])

    after = receive(conn_str, 5, partition_id="0", starting_position="-1")
    assert [e.body_as_str() for e in after] == ["a", "b", "c", "d", "e"]
    assert [e.sequence_number for e in after] == [0, 1, 2, 3, 4]
    assert [e.offset for e in after[:3]] == [e.offset for e in before]
    assert int(after[3].offset) > int(after[2].offset)
    # A checkpoint's offset still points at the same place.
    resumed = receive(conn_str, 2, partition_id="0", starting_position=before[2].offset)
    assert [e.body_as_str() for e in resumed] == ["d", "e"]


def test_grown_partitions_and_truncation_survive_a_restart(private_emulator):
    conn_str = private_emulator.connection_string("hub")
    _send(conn_str, ["a", "b", "c"], partition_id="1")
    private_emulator.add_partitions("hub", 3)
    private_emulator.truncate("hub", "1", 2)
    private_emulator.kill()
    private_emulator.start()
    stats = private_emulator.stats()["hubs"]["hub"]
    assert stats["partition_count"] == 3
    assert stats["partitions"]["1"]["begin_sequence_number"] == 2
    events = receive(conn_str, 1, partition_id="1", starting_position="-1")
    assert [e.body_as_str() for e in events] == ["c"]
