"""$management READ of a hub and of its partitions, as the SDK's get_*_properties read them."""

import datetime

from azure.eventhub import EventData

from .sdk import producer

HUB = "management"


def test_hub_and_partition_properties_follow_what_was_sent(emulator):
    with producer(emulator.connection_string(HUB)) as client:
        hub = client.get_eventhub_properties()
        empty = client.get_partition_properties("2")
        batch = client.create_batch(partition_id="1")
        batch.add(EventData("one"))
        batch.add(EventData("two"))
        client.send_batch(batch)
        filled = client.get_partition_properties("1")

    assert hub["eventhub_name"] == HUB
    assert hub["partition_ids"] == ["0", "1", "2"]
    assert isinstance(hub["created_at"], datetime.datetime)
    assert empty["is_empty"] is True
    assert empty["last_enqueued_sequence_number"] == -1
    assert empty["last_enqueued_offset"] == "-1"
    assert filled["id"] == "1" and filled["eventhub_name"] == HUB
    assert filled["is_empty"] is False
    assert filled["beginning_sequence_number"] == 0
    assert filled["last_enqueued_sequence_number"] == 1
    assert int(filled["last_enqueued_offset"]) > 0
    age = datetime.datetime.now(datetime.timezone.utc) - filled["last_enqueued_time_utc"]
    assert abs(age.total_seconds()) < 60
