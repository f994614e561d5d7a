"""The asyncio SDK clients against the emulator (no pytest-asyncio needed: asyncio.run)."""

import asyncio

from azure.eventhub import EventData
from azure.eventhub.aio import EventHubConsumerClient, EventHubProducerClient

HUB = "aio"


async def _round_trip(conn_str):
    async with EventHubProducerClient.from_connection_string(conn_str) as producer:
        batch = await producer.create_batch(partition_key="async-key")
        for i in range(3):
            batch.add(EventData(f"async-{i}"))
        await producer.send_batch(batch)
        properties = await producer.get_eventhub_properties()

    received = []
    done = asyncio.Event()

    async def on_event(context, event):
        received.append(event)
        if len(received) >= 3:
            done.set()

    # The async event processor sleeps load_balancing_interval (30 s by default) between rounds and
    # its receive task only ends after that sleep, even once closed.
    consumer = EventHubConsumerClient.from_connection_string(
        conn_str, consumer_group="$Default", load_balancing_interval=1
    )
    task = asyncio.create_task(consumer.receive(on_event=on_event, starting_position="-1"))
    try:
        await asyncio.wait_for(done.wait(), 20)
    finally:
        await consumer.close()
        await task
    return properties, received


def test_async_producer_and_consumer_round_trip(emulator):
    properties, events = asyncio.run(_round_trip(emulator.connection_string(HUB)))
    assert properties["partition_ids"] == ["0", "1"]
    assert sorted(e.body_as_str() for e in events) == ["async-0", "async-1", "async-2"]
    assert len({e.sequence_number for e in events}) == 3
