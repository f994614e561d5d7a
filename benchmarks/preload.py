"""Fill a hub with the benchmark's messages, spread evenly over its partitions."""

from __future__ import annotations

import time

from azure.eventhub import EventData, EventHubProducerClient

from benchmarks.payload import body, large_body


def preload(connection_string: str, hub: str, messages: int, partitions: int, make_body=body) -> float:
    """Send ``messages`` messages (one record each) round the partitions; returns the seconds taken."""
    started = time.monotonic()
    with EventHubProducerClient.from_connection_string(connection_string, eventhub_name=hub) as producer:
        for partition in range(partitions):
            count = messages // partitions + (1 if partition < messages % partitions else 0)
            number = 0
            while number < count:
                batch = producer.create_batch(partition_id=str(partition))
                while number < count:
                    try:
                        batch.add(EventData(make_body(number, partition)))
                    except ValueError:  # the batch is full
                        break
                    number += 1
                producer.send_batch(batch)
    return time.monotonic() - started


def preload_large(connection_string: str, hub: str, messages: int, partitions: int) -> float:
    """As preload, with ~900 KB messages (payload.large_body): one a batch."""
    return preload(connection_string, hub, messages, partitions, large_body)
