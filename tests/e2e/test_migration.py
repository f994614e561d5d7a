"""Moving from Sekoia's current Event Hubs trigger (Azure module, "Consume Azure EventHub messages"):
the same argument names, and the same consumer group and container resume from its checkpoints.

That trigger reads with the aio client (azure.eventhub.aio) and checkpoints through the aio blob
checkpoint store (azure-eventhub-checkpointstoreblob-aio, in our development lock for this test),
calling ``update_checkpoint()`` in its batch callback: here it does exactly that, on a fresh
container, then our module takes over with the same consumer group and container.
"""

from __future__ import annotations

import asyncio

from azure.eventhub.aio import EventHubConsumerClient
from azure.eventhub.extensions.checkpointstoreblobaio import BlobCheckpointStore
from azure.storage.blob.aio import ContainerClient

from tests.e2e.harness import INTAKE_KEY, new_record

READ_BY_THE_OLD_TRIGGER = 6  # per partition, of 10


async def old_trigger_reads_and_checkpoints(stack, per_partition: int) -> dict[str, int]:
    """Read each partition with the aio client and the aio blob checkpoint store, checkpointing its
    ``per_partition``-th event as the old trigger does. Returns partition -> checkpointed sequence number."""
    async with ContainerClient.from_connection_string(stack.azurite.connection_string, stack.container) as container:
        await container.create_container()  # the old trigger's set-up guide has the user create it
    store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
    client = EventHubConsumerClient.from_connection_string(
        stack.emulator.connection_string(policy="listen-policy"),
        stack.consumer_group,
        eventhub_name=stack.hub,
        checkpoint_store=store,
        load_balancing_interval=1,
    )
    received: dict[str, int] = {}
    checkpoints: dict[str, int] = {}
    enough = asyncio.Event()

    async def on_event_batch(context, events):
        before = received.get(context.partition_id, 0)
        received[context.partition_id] = before + len(events)
        if before < per_partition <= before + len(events):
            last = events[per_partition - before - 1]
            await context.update_checkpoint(last)
            checkpoints[context.partition_id] = last.sequence_number
        if len(checkpoints) == 4:
            enough.set()

    async with client:
        task = asyncio.create_task(client.receive_batch(on_event_batch, starting_position="-1", max_wait_time=1))
        await asyncio.wait_for(enough.wait(), 60)
    await task
    return checkpoints


def test_the_same_consumer_group_and_container_resume_from_the_old_triggers_checkpoints(stack):
    ids = {partition: stack.send_records([new_record() for _ in range(10)], str(partition)) for partition in range(4)}
    checkpoints = asyncio.run(old_trigger_reads_and_checkpoints(stack, READ_BY_THE_OLD_TRIGGER))
    assert checkpoints == {str(partition): READ_BY_THE_OLD_TRIGGER - 1 for partition in range(4)}
    assert stack.checkpoints() == checkpoints  # where the sync store, hence our module, reads them

    # The old trigger's configuration, as its form saved it: the same argument names, nothing else.
    old_form = {
        "hub_connection_string": stack.emulator.connection_string(policy="listen-policy"),
        "hub_name": stack.hub,
        "hub_consumer_group": stack.consumer_group,
        "storage_connection_string": stack.azurite.connection_string,
        "storage_container_name": stack.container,
        "intake_key": INTAKE_KEY,
        "intake_server": stack.platform.intake_url,
    }
    module = stack.module(**old_form, chunk_size=None)  # None: left out of the configuration
    not_yet_read = [record for records in ids.values() for record in records[READ_BY_THE_OLD_TRIGGER:]]
    stack.wait_delivered(not_yet_read)
    stack.stop(module)
    already_read = [record for records in ids.values() for record in records[:READ_BY_THE_OLD_TRIGGER]]
    assert sorted(stack.delivered_ids()) == sorted(not_yet_read)  # nothing read twice, nothing skipped
    assert stack.checkpoints() == {str(partition): 9 for partition in range(4)}
    print(f"\n[figures] migration: {len(already_read)} records left to the old trigger, {len(not_yet_read)} resumed")
