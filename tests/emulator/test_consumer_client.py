"""EventHubConsumerClient as the module uses it: receive_batch with a checkpoint store, and load
balancing between two clients, which relies on owner-level hand-over (amqp:link:stolen)."""

import threading
import time

from azure.eventhub import EventData, EventHubConsumerClient
from azure.eventhub._eventprocessor.in_memory_checkpoint_store import InMemoryCheckpointStore

from .sdk import producer, wait_for

HUB = "consumer-client"


def _fill(conn_str, per_partition, tag):
    with producer(conn_str) as client:
        for pid in ("0", "1", "2", "3"):
            batch = client.create_batch(partition_id=pid)
            for i in range(per_partition):
                batch.add(EventData(f"{tag}-{pid}-{i}"))
            client.send_batch(batch)


class BatchConsumer:
    """receive_batch in a thread, with checkpointing after each batch."""

    def __init__(self, conn_str, store, **kwargs):
        self.client = EventHubConsumerClient.from_connection_string(
            conn_str, consumer_group="$Default", checkpoint_store=store, load_balancing_interval=2, **kwargs
        )
        self.bodies = []
        self.partitions = set()
        self.thread = threading.Thread(
            target=self.client.receive_batch,
            daemon=True,
            kwargs=dict(on_event_batch=self.on_batch, starting_position="-1", max_wait_time=0.5),
        )

    def on_batch(self, context, events):
        if events:
            self.bodies += [e.body_as_str() for e in events]
            self.partitions.add(context.partition_id)
            context.update_checkpoint(events[-1])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.client.close()
        self.thread.join(30)


def test_receive_batch_with_a_checkpoint_store_reads_everything_and_resumes_after_checkpoints(emulator):
    conn_str = emulator.connection_string(HUB)
    store = InMemoryCheckpointStore()
    _fill(conn_str, 5, "first")
    with BatchConsumer(conn_str, store) as consumer:
        assert wait_for(lambda: len(consumer.bodies) >= 20)
    assert sorted(consumer.bodies) == sorted(f"first-{p}-{i}" for p in "0123" for i in range(5))

    _fill(conn_str, 2, "second")
    with BatchConsumer(conn_str, store) as consumer:
        assert wait_for(lambda: len(consumer.bodies) >= 8)
    # Checkpoints were honoured: only the new events come back.
    assert sorted(consumer.bodies) == sorted(f"second-{p}-{i}" for p in "0123" for i in range(2))


def test_two_consumers_with_owner_level_0_share_the_partitions(emulator):
    conn_str = emulator.connection_string(HUB)
    store = InMemoryCheckpointStore()
    with BatchConsumer(conn_str, store) as first:
        assert wait_for(lambda: _owned(emulator) == 4)
        with BatchConsumer(conn_str, store) as second:
            # The second client claims about half the partitions; the first loses them through
            # amqp:link:stolen. Keep events flowing until both have received some.
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not (first.partitions and second.partitions):
                _fill(conn_str, 1, "shared")
                wait_for(lambda: first.partitions and second.partitions, timeout=1.0)
            assert first.partitions and second.partitions
    assert wait_for(lambda: _owned(emulator) == 0)


def _owned(emulator) -> int:
    """Receivers with an owner level on this hub, as the emulator sees them."""
    return len([r for r in emulator.stats()["receivers"] if r["hub"] == HUB and r["epoch"] is not None])
